/** The direct transport of `rnnlens serve` in a plain browser: one websocket, reopened after a drop. */
import type { FrameTransport, TransportListener } from "./transport";

const RETRY_MS = 2000;

export class WebSocketTransport implements FrameTransport {
  private socket: WebSocket | null = null;
  private retry: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly url: string) {}

  open(listener: TransportListener): void {
    this.close();
    listener.onStatus("connecting", this.url.replace(/token=[^&]+/, "token=…"));
    const socket = new WebSocket(this.url);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => this.socket === socket && listener.onStatus("open");
    socket.onmessage = (event) => this.socket === socket && listener.onFrame(new Uint8Array(event.data as ArrayBuffer));
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      listener.onStatus("closed", event.code === 1008 ? "the stream refused the token" : `code ${event.code}${event.reason ? `: ${event.reason}` : ""}`);
      // A refused token will not become right by retrying: the user needs the new link.
      if (event.code !== 1008) this.retry = setTimeout(() => this.open(listener), RETRY_MS);
    };
    this.socket = socket;
  }

  send(frame: Uint8Array): boolean {
    if (this.socket?.readyState !== WebSocket.OPEN) return false;
    this.socket.send(frame);
    return true;
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  close(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
  }
}
