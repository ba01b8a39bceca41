/**
 * Where the panel runs: inside a VS Code webview (state via getState/setState, typed messages
 * to and from the extension, the stream relayed by the extension), standalone in a browser
 * under `rnnlens serve` (a websocket, token from the page URL), or as a static snapshot
 * (recorded messages embedded in the page).
 */
import { validateToWebview } from "../../src/protocol/messages";
import type { CursorState, FromWebviewMessage, ToWebviewMessage, ToWebviewShowMatches, ToWebviewShowSentence, ToWebviewShowUnit, ToWebviewShowView } from "../../src/protocol/messages";
import { RelayTransport } from "./relayTransport";
import { asBytes } from "./transport";
import type { FrameTransport } from "./transport";
import { WebSocketTransport } from "./websocketTransport";

export interface HostEvents {
  /** The extension relayed an editor cursor move. */
  onCursor(cursor: CursorState): void;
  /** The extension wants the comparison view of two models. */
  onCompare(modelA: string, modelB: string): void;
  /** A palette command (or the language server's choice of model) says what to show. */
  onShow(message: ToWebviewShowView | ToWebviewShowUnit | ToWebviewShowSentence | ToWebviewShowMatches): void;
}

export interface Host {
  readonly kind: "webview" | "browser" | "snapshot";
  /** How the stream's frames travel here, or null when there is no server (snapshot, no token). */
  transport(): FrameTransport | null;
  loadState<T>(): T | undefined;
  saveState<T>(state: T): void;
  /** Ask the editor to reveal [start, end) of a document; false when this host cannot. */
  reveal(uri: string, start: number, end: number): boolean;
  save(fileName: string, data: Uint8Array, mime: string): void;
  listen(events: HostEvents): void;
  /** What the host wants shown first ("main" or "compare"). */
  mode(): string;
}

interface VsCodeApi {
  getState(): unknown;
  setState(state: unknown): void;
  postMessage(message: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

function configFromPage(): Record<string, string> {
  const element = document.getElementById("rnnlens-config");
  if (!element?.textContent) return {};
  try {
    return JSON.parse(element.textContent) as Record<string, string>;
  } catch {
    return {};
  }
}

function base64(data: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(binary);
}

class WebviewHost implements Host {
  readonly kind = "webview" as const;
  private readonly api = acquireVsCodeApi();
  private readonly config = configFromPage();
  private readonly relay = new RelayTransport((message) => this.post(message));

  private post(message: FromWebviewMessage): void {
    this.api.postMessage(message);
  }

  transport(): FrameTransport {
    return this.relay;
  }
  loadState<T>(): T | undefined {
    return (this.api.getState() as T) ?? undefined;
  }
  saveState<T>(state: T): void {
    this.api.setState(state);
  }
  reveal(uri: string, start: number, end: number): boolean {
    this.post({ type: "reveal", uri, start, end });
    return true;
  }
  save(fileName: string, data: Uint8Array, mime: string): void {
    this.post({ type: "save", file_name: fileName, mime, base64: base64(data) });
  }
  listen(events: HostEvents): void {
    window.addEventListener("message", (event: MessageEvent) => {
      const message = fromExtension(event.data);
      if (!message) return;
      switch (message.type) {
        case "stream_frame":
        case "stream_status":
          this.relay.deliver(message);
          break;
        case "cursor":
          events.onCursor(message.cursor);
          break;
        case "compare":
          events.onCompare(message.model_a, message.model_b);
          break;
        case "show_view":
        case "show_unit":
        case "show_sentence":
        case "show_matches":
          events.onShow(message);
          break;
      }
    });
    this.post({ type: "ready" });
  }
  mode(): string {
    return this.config.mode || "main";
  }
}

/** A message from the extension, checked against the protocol (frames normalised to bytes first). */
function fromExtension(data: unknown): ToWebviewMessage | null {
  if (typeof data !== "object" || data === null) return null;
  let message = data as Record<string, unknown>;
  if (message.type === "stream_frame") message = { ...message, frame: asBytes(message.frame) };
  const problem = validateToWebview(message);
  if (problem) {
    console.warn(`rnnlens: invalid message from the extension: ${problem}`);
    return null;
  }
  return message as unknown as ToWebviewMessage;
}

class BrowserHost implements Host {
  readonly kind: "browser" | "snapshot";
  constructor(snapshot: boolean) {
    this.kind = snapshot ? "snapshot" : "browser";
  }
  transport(): FrameTransport | null {
    if (this.kind === "snapshot") return null;
    const params = new URLSearchParams(location.search);
    const token = params.get("token");
    if (!token || !location.host) return null;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return new WebSocketTransport(`${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`);
  }
  loadState<T>(): T | undefined {
    try {
      const raw = sessionStorage.getItem("rnnlens-panel");
      return raw ? (JSON.parse(raw) as T) : undefined;
    } catch {
      return undefined;
    }
  }
  saveState<T>(state: T): void {
    try {
      sessionStorage.setItem("rnnlens-panel", JSON.stringify(state));
    } catch {
      // Private browsing or a file:// snapshot: state simply is not kept.
    }
  }
  reveal(): boolean {
    return false;
  }
  save(fileName: string, data: Uint8Array, mime: string): void {
    const url = URL.createObjectURL(new Blob([data as BlobPart], { type: mime }));
    const a = document.createElement("a");
    a.href = url;
    a.download = fileName;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
  listen(): void {}
  mode(): string {
    return new URLSearchParams(location.search).get("mode") ?? "main";
  }
}

export function detectHost(): Host {
  if (typeof acquireVsCodeApi === "function") return new WebviewHost();
  return new BrowserHost(document.getElementById("rnnlens-snapshot") !== null);
}

/** Recorded server messages of a snapshot page: one base64 msgpack frame per line. */
export function snapshotFrames(): Uint8Array[] {
  const element = document.getElementById("rnnlens-snapshot");
  if (!element?.textContent) return [];
  return element.textContent
    .split(/\s+/)
    .filter(Boolean)
    .map((line) => Uint8Array.from(atob(line), (c) => c.charCodeAt(0)));
}
