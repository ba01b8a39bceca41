/**
 * How the panel's stream frames travel. The panel code is the same bundle everywhere; the host
 * picks the transport at startup: a websocket straight to `rnnlens serve` in a plain browser, or
 * postMessage to the VS Code extension, which holds the websocket and relays (relayTransport.ts).
 */

export type TransportStatus = "connecting" | "open" | "closed";

export interface TransportListener {
  onFrame(frame: Uint8Array): void;
  onStatus(status: TransportStatus, detail?: string): void;
}

export interface FrameTransport {
  /** Start (or start afresh) the connection; events go to `listener`. Reconnecting is the transport's job. */
  open(listener: TransportListener): void;
  /** Send one encoded frame; false when the connection is not open. */
  send(frame: Uint8Array): boolean;
  readonly connected: boolean;
  close(): void;
}

/** Frames as they arrive from a socket or through postMessage (ArrayBuffer, a typed array view, or a plain array). */
export function asBytes(value: unknown): Uint8Array | null {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value) && value.every((v) => Number.isInteger(v) && v >= 0 && v < 256)) return Uint8Array.from(value);
  return null;
}
