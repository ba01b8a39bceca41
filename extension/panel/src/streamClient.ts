/**
 * The panel's side of the websocket stream: msgpack frames in and out, requests matched to
 * their answers by id, progress and pushed messages (hello, cursor) handed to listeners.
 * A snapshot replays recorded messages through the same path, with no socket.
 */
import { decodeMessage, encodeMessage } from "../../src/protocol/codec";
import { validateServerMessage } from "../../src/protocol/messages";
import type { PanelMessage, ServerMessage } from "../../src/protocol/messages";

type Outgoing = PanelMessage extends infer M ? (M extends PanelMessage ? Omit<M, "id"> : never) : never;

export interface StreamListener {
  onMessage(message: ServerMessage): void;
  onStatus(status: "connecting" | "open" | "closed", detail?: string): void;
}

interface Pending {
  resolve(message: ServerMessage): void;
  reject(error: Error): void;
  onProgress?: (fraction: number, message: string) => void;
}

export class RequestError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export class StreamClient {
  private socket: WebSocket | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private retry: ReturnType<typeof setTimeout> | null = null;
  /** Set when the bytes of the newest answer arrived (the benchmark's "data arrival"). */
  lastArrival = 0;

  constructor(private readonly listener: StreamListener) {}

  connect(url: string): void {
    this.close();
    this.listener.onStatus("connecting", url.replace(/token=[^&]+/, "token=…"));
    const socket = new WebSocket(url);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => this.listener.onStatus("open");
    socket.onmessage = (event) => this.receive(new Uint8Array(event.data as ArrayBuffer));
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.failAll(`stream closed (${event.code}${event.reason ? `: ${event.reason}` : ""})`);
      this.listener.onStatus("closed", event.code === 1008 ? "the stream refused the token" : `code ${event.code}`);
      // Reconnect unless the server refused us on purpose (a new token will be announced).
      if (event.code !== 1008) this.retry = setTimeout(() => this.connect(url), 2000);
    };
    this.socket = socket;
  }

  close(): void {
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    const socket = this.socket;
    this.socket = null;
    socket?.close();
    this.failAll("stream closed");
  }

  /** Feed one encoded server message (from the socket or from a snapshot). */
  receive(bytes: Uint8Array): void {
    this.lastArrival = performance.now();
    let message: unknown;
    try {
      message = decodeMessage(bytes);
    } catch (error) {
      console.warn("rnnlens: undecodable frame", error);
      return;
    }
    const problem = validateServerMessage(message);
    if (problem) {
      console.warn(`rnnlens: invalid message: ${problem}`);
      return;
    }
    const typed = message as ServerMessage;
    const id = "id" in typed ? typed.id : null;
    const pending = id !== null ? this.pending.get(id) : undefined;
    if (pending && typed.type === "progress") {
      pending.onProgress?.(typed.fraction, typed.message);
      return;
    }
    if (pending && id !== null) {
      this.pending.delete(id);
      if (typed.type === "error") pending.reject(new RequestError(typed.code, typed.message));
      else pending.resolve(typed);
      return;
    }
    this.listener.onMessage(typed);
  }

  get connected(): boolean {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  request(message: Outgoing, onProgress?: (fraction: number, text: string) => void): Promise<ServerMessage> {
    const id = this.nextId++;
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN) return Promise.reject(new RequestError("offline", "not connected to the RNN Lens server"));
    return new Promise<ServerMessage>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      socket.send(encodeMessage({ ...message, id }));
    });
  }

  /** Cancel every request still waiting (the server ends each with "cancelled"). */
  cancelAll(): void {
    for (const id of [...this.pending.keys()]) void this.request({ type: "cancel", target: id }).catch(() => undefined);
  }

  private failAll(reason: string): void {
    for (const pending of this.pending.values()) pending.reject(new RequestError("offline", reason));
    this.pending.clear();
  }
}
