/**
 * Where the panel runs: inside a VS Code webview (state via getState/setState, messages to the
 * extension) or standalone in a browser under `rnnlens serve` (token from the page URL),
 * or as a static snapshot (recorded messages embedded in the page).
 */

export interface HostEvents {
  /** The extension announced (or re-announced) where the stream listens. */
  onEndpoint(url: string): void;
  /** The extension relayed an editor cursor move. */
  onCursor(cursor: { uri: string; offset: number; sentence: string; sentence_start: number; token: string | null }): void;
  /** The extension wants the comparison view of two models. */
  onCompare(modelA: string, modelB: string): void;
}

export interface Host {
  readonly kind: "webview" | "browser" | "snapshot";
  /** ws:// URL of the stream, or null when the host will announce it later (or never). */
  initialEndpoint(): string | null;
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

  initialEndpoint(): string | null {
    return this.config.endpoint || null;
  }
  loadState<T>(): T | undefined {
    return (this.api.getState() as T) ?? undefined;
  }
  saveState<T>(state: T): void {
    this.api.setState(state);
  }
  reveal(uri: string, start: number, end: number): boolean {
    this.api.postMessage({ type: "reveal", uri, start, end });
    return true;
  }
  save(fileName: string, data: Uint8Array, mime: string): void {
    this.api.postMessage({ type: "save", fileName, mime, base64: base64(data) });
  }
  listen(events: HostEvents): void {
    window.addEventListener("message", (event: MessageEvent) => {
      const message = event.data as { type?: string; [key: string]: unknown };
      if (message?.type === "endpoint" && typeof message.url === "string") events.onEndpoint(message.url);
      if (message?.type === "cursor" && message.cursor) events.onCursor(message.cursor as never);
      if (message?.type === "compare") events.onCompare(String(message.modelA), String(message.modelB));
    });
    this.api.postMessage({ type: "ready" });
  }
  mode(): string {
    return this.config.mode || "main";
  }
}

class BrowserHost implements Host {
  readonly kind: "browser" | "snapshot";
  constructor(snapshot: boolean) {
    this.kind = snapshot ? "snapshot" : "browser";
  }
  initialEndpoint(): string | null {
    if (this.kind === "snapshot") return null;
    const params = new URLSearchParams(location.search);
    const token = params.get("token");
    if (!token || !location.host) return null;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return `${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`;
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
