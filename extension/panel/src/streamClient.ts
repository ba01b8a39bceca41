/**
 * The panel's side of the stream: msgpack frames in and out over a transport (a websocket, or
 * the VS Code extension's relay), requests matched to their answers by id, progress and pushed
 * messages (hello, cursor) handed to listeners. A snapshot replays recorded messages through
 * the same path, with no transport.
 */
import { decodeMessage, encodeMessage } from "../../src/protocol/codec";
import { validateServerMessage } from "../../src/protocol/messages";
import type { PanelMessage, ServerMessage } from "../../src/protocol/messages";
import type { FrameTransport, TransportStatus } from "./transport";

type Outgoing = PanelMessage extends infer M ? (M extends PanelMessage ? Omit<M, "id"> : never) : never;

export interface StreamListener {
  onMessage(message: ServerMessage): void;
  onStatus(status: TransportStatus, detail?: string): void;
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
  private transport: FrameTransport | null = null;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  /** Set when the bytes of the newest answer arrived (the benchmark's "data arrival"). */
  lastArrival = 0;

  constructor(private readonly listener: StreamListener) {}

  /** Talk through `transport` from now on (the old one, if any, is closed). */
  attach(transport: FrameTransport): void {
    this.close();
    this.transport = transport;
    transport.open({
      onFrame: (frame) => this.transport === transport && this.receive(frame),
      onStatus: (status, detail) => {
        if (this.transport !== transport) return;
        // Answers to requests sent on a connection that ended will never come.
        if (status !== "open") this.failAll(`stream ${status}${detail ? ` (${detail})` : ""}`);
        this.listener.onStatus(status, detail);
      },
    });
  }

  close(): void {
    const transport = this.transport;
    this.transport = null;
    transport?.close();
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
    return this.transport?.connected ?? false;
  }

  request(message: Outgoing, onProgress?: (fraction: number, text: string) => void): Promise<ServerMessage> {
    const id = this.nextId++;
    const transport = this.transport;
    if (!transport?.connected) return Promise.reject(new RequestError("offline", "not connected to the RNN Lens server"));
    return new Promise<ServerMessage>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      if (!transport.send(encodeMessage({ ...message, id }))) {
        this.pending.delete(id);
        reject(new RequestError("offline", "not connected to the RNN Lens server"));
      }
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
