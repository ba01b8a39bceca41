/**
 * The transport inside VS Code: frames go to the extension by postMessage, and the extension
 * host relays them over its own websocket to the server (extension/src/panelRelay.ts). The
 * webview thus needs no network access (its CSP has no connect-src), and the same works in
 * desktop, browser (code-server) and remote VS Code, where 127.0.0.1 of the webview is the
 * wrong machine.
 */
import type { FromWebviewMessage, ToWebviewStreamFrame, ToWebviewStreamStatus } from "../../src/protocol/messages";
import type { FrameTransport, TransportListener, TransportStatus } from "./transport";

export class RelayTransport implements FrameTransport {
  private listener: TransportListener | null = null;
  private status: TransportStatus = "closed";

  constructor(private readonly post: (message: FromWebviewMessage) => void) {}

  open(listener: TransportListener): void {
    this.listener = listener;
    this.status = "connecting";
    listener.onStatus("connecting", "through the RNN Lens extension");
    this.post({ type: "stream_open" });
  }

  send(frame: Uint8Array): boolean {
    if (this.status !== "open") return false;
    this.post({ type: "stream_send", frame });
    return true;
  }

  get connected(): boolean {
    return this.status === "open";
  }

  close(): void {
    this.listener = null;
    this.status = "closed";
  }

  /** A relayed message from the extension (the host has checked it against the protocol). */
  deliver(message: ToWebviewStreamFrame | ToWebviewStreamStatus): void {
    if (!this.listener) return;
    if (message.type === "stream_frame") {
      this.listener.onFrame(message.frame);
      return;
    }
    const status = message.status === "open" || message.status === "connecting" ? message.status : "closed";
    this.status = status;
    this.listener.onStatus(status, message.detail ?? undefined);
  }
}
