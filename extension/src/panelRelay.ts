/**
 * The extension host's half of the panel transport: one websocket to the server's panel
 * stream per webview page, frames relayed both ways as postMessage. The extension host runs
 * where the language server runs (also under Remote-SSH, WSL, containers and code-server), so
 * 127.0.0.1 and the token are right here, and the webview itself never opens a connection.
 */
import WebSocket from "ws";
import type { ToWebviewMessage } from "./protocol/messages";

export interface RelayOptions {
  /** Wait before reconnecting after the server dropped the connection. */
  retryMs: number;
  /** Frames larger than this are refused (the server's own limit is 4 MiB). */
  maxFrameBytes: number;
}

const DEFAULTS: RelayOptions = { retryMs: 1000, maxFrameBytes: 64 * 1024 * 1024 };

/** ws://host:port/ws?token=… without the token, for messages a user may see. */
function withoutToken(url: string): string {
  return url.replace(/token=[^&]+/, "token=…");
}

export class StreamRelay {
  private socket: WebSocket | null = null;
  private url: string | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;
  /** The page asked for its stream and is still there to receive it. */
  private wanted = false;
  private readonly options: RelayOptions;

  constructor(
    /** The stream's URL (with its token) as the server last announced it, if it has. */
    private readonly endpoint: () => string | undefined,
    /** Post to the page; VS Code drops what a hidden page cannot receive. */
    private readonly post: (message: ToWebviewMessage) => void,
    options: Partial<RelayOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** The page asked for its stream (it started, or reloaded after being hidden): connect afresh. */
  open(): void {
    this.wanted = true;
    this.connect();
  }

  /** Relay one frame from the page; false when there is no open connection (the page's request fails as offline). */
  send(frame: Uint8Array): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(frame);
    return true;
  }

  /** The server announced a (new) endpoint, e.g. after a restart: follow it if the page wants a stream. */
  endpointChanged(): void {
    if (this.wanted && this.endpoint() !== this.url) this.connect();
  }

  /** The page is gone (hidden, reloaded or disposed): nothing it could receive is worth a connection. */
  pause(): void {
    this.wanted = false;
    this.disconnect();
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  dispose(): void {
    this.pause();
  }

  private connect(): void {
    this.disconnect();
    const url = this.endpoint() ?? null;
    this.url = url;
    if (!url) {
      // Not an error: the language server announces the endpoint once it is up; endpointChanged follows.
      this.post({ type: "stream_status", status: "connecting", detail: "waiting for the RNN Lens server to start" });
      return;
    }
    this.post({ type: "stream_status", status: "connecting", detail: `relayed by the extension to ${withoutToken(url)}` });
    let socket: WebSocket;
    try {
      socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: this.options.maxFrameBytes });
    } catch (error) {
      // A malformed URL is the server's announcement at fault: say so, wait for the next one.
      this.post({ type: "stream_status", status: "closed", detail: `cannot connect to ${withoutToken(url)}: ${(error as Error).message}` });
      return;
    }
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.on("open", () => {
      if (this.socket === socket) this.post({ type: "stream_status", status: "open", detail: null });
    });
    socket.on("message", (data: ArrayBuffer, isBinary: boolean) => {
      if (this.socket === socket && isBinary) this.post({ type: "stream_frame", frame: new Uint8Array(data) });
    });
    // 'close' always follows: that is where the page hears of it.
    socket.on("error", () => undefined);
    socket.on("close", (code: number, reason: Buffer) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const why = code === 1008 ? "the stream refused the token" : `code ${code}${reason.length ? `: ${reason.toString()}` : ""}`;
      this.post({ type: "stream_status", status: "closed", detail: why });
      // A refused token stays refused: the next endpoint announcement (a new token) reconnects.
      if (this.wanted && code !== 1008) this.retry = setTimeout(() => this.wanted && this.connect(), this.options.retryMs);
    });
  }

  private disconnect(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const socket = this.socket;
    this.socket = null;
    if (socket && socket.readyState !== WebSocket.CLOSED) socket.terminate();
  }
}
