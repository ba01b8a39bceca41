/**
 * The extension host's relay between a webview page and a real `rnnlens serve` stream: frames
 * both ways, the token kept out of what the page is told, a server restart followed, a refused
 * token not retried, and a page that went away (hidden) getting a fresh stream when it is back.
 */
import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamRelay } from "../src/panelRelay";
import { decodeMessage, encodeMessage } from "../src/protocol/codec";
import type { ToWebviewMessage } from "../src/protocol/messages";
import { startServe } from "./browser/serve";

const MODEL = "brown-lstm";
let serve: { url: string; process: ChildProcess };

/** The stream URL `rnnlens serve` would give its page: ws://127.0.0.1:PORT/ws?token=TOKEN. */
function streamUrl(pageUrl: string): string {
  const url = new URL(pageUrl);
  return `ws://${url.host}/ws?token=${url.searchParams.get("token")}`;
}

/** A page double: what the relay posted, decoded, and a way to wait for a message. */
function page() {
  const posted: ToWebviewMessage[] = [];
  const waiters: (() => void)[] = [];
  const post = (message: ToWebviewMessage) => {
    posted.push(message);
    for (const wake of waiters.splice(0)) wake();
  };
  const frames = () => posted.filter((m) => m.type === "stream_frame").map((m) => decodeMessage((m as { frame: Uint8Array }).frame) as { type: string; [k: string]: unknown });
  const statuses = () => posted.filter((m) => m.type === "stream_status") as { status: string; detail: string | null }[];
  async function until(test: () => boolean, what: string, ms = 60_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!test()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; posted: ${JSON.stringify(statuses())}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
  return { posted, post, frames, statuses, until };
}

beforeAll(async () => {
  serve = await startServe(["--model", MODEL]);
});

afterAll(() => {
  serve?.process.kill();
});

describe("the panel stream relay", () => {
  it("relays the server's hello to the page and the page's requests to the server", async () => {
    const p = page();
    const relay = new StreamRelay(() => streamUrl(serve.url), p.post);
    relay.open();
    await p.until(() => p.frames().some((f) => f.type === "hello"), "hello");
    expect(p.statuses().map((s) => s.status)).toEqual(["connecting", "open"]);
    // The page is told where the stream is, never the token.
    expect(JSON.stringify(p.statuses())).not.toContain(new URL(serve.url).searchParams.get("token"));
    const hello = p.frames()[0];
    expect((hello.settings as { model: string }).model).toBe(MODEL);
    expect(relay.send(encodeMessage({ type: "ping", id: 7, payload: "relayed" }))).toBe(true);
    await p.until(() => p.frames().some((f) => f.type === "pong"), "pong");
    expect(p.frames().find((f) => f.type === "pong")).toMatchObject({ id: 7, payload: "relayed" });
    relay.dispose();
  });

  it("stops relaying when the page goes away, and gives a page that is back a fresh stream", async () => {
    const p = page();
    const relay = new StreamRelay(() => streamUrl(serve.url), p.post);
    relay.open();
    await p.until(() => p.frames().length === 1, "the first hello");
    relay.pause();
    expect(relay.connected).toBe(false);
    expect(relay.send(encodeMessage({ type: "ping", id: 1, payload: "lost" }))).toBe(false);
    const before = p.posted.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(p.posted.length).toBe(before); // no retry, nothing posted to a page that is gone
    relay.open();
    await p.until(() => p.frames().filter((f) => f.type === "hello").length === 2, "a second hello");
    relay.dispose();
  });

  it("waits for the server's endpoint, then connects when it is announced", async () => {
    const p = page();
    let endpoint: string | undefined;
    const relay = new StreamRelay(() => endpoint, p.post);
    relay.open();
    expect(p.statuses()).toEqual([{ type: "stream_status", status: "connecting", detail: "waiting for the RNN Lens server to start" }]);
    endpoint = streamUrl(serve.url);
    relay.endpointChanged();
    await p.until(() => p.frames().some((f) => f.type === "hello"), "hello after the announcement");
    relay.dispose();
  });

  it("reports an endpoint it cannot use instead of throwing, and waits for the next one", () => {
    const p = page();
    const relay = new StreamRelay(() => "not a url?token=secret", p.post);
    expect(() => relay.open()).not.toThrow();
    expect(p.statuses().at(-1)?.status).toBe("closed");
    expect(p.statuses().at(-1)?.detail).toMatch(/^cannot connect to not a url\?token=…/);
    relay.dispose();
  });

  it("does not retry a refused token, and follows the next announced endpoint", async () => {
    const p = page();
    let endpoint = streamUrl(serve.url).replace(/token=.*/, "token=wrong");
    const relay = new StreamRelay(() => endpoint, p.post, { retryMs: 100 });
    relay.open();
    await p.until(() => p.statuses().some((s) => s.status === "closed"), "the refusal");
    expect(p.statuses().at(-1)?.detail).toBe("the stream refused the token");
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(p.statuses().filter((s) => s.status === "connecting").length).toBe(1);
    endpoint = streamUrl(serve.url);
    relay.endpointChanged();
    await p.until(() => p.frames().some((f) => f.type === "hello"), "hello with the right token");
    relay.dispose();
  });

  it("reconnects after the server goes away and follows it to its new address", async () => {
    const p = page();
    let endpoint = streamUrl(serve.url);
    const relay = new StreamRelay(() => endpoint, p.post, { retryMs: 200 });
    relay.open();
    await p.until(() => p.frames().length === 1, "hello from the first server");
    const first = serve;
    first.process.kill();
    await p.until(() => p.statuses().some((s) => s.status === "closed"), "the drop");
    // It keeps trying the old address (a server that only blinked comes back there) ...
    await p.until(() => p.statuses().filter((s) => s.status === "connecting").length >= 3, "retries");
    // ... and moves to the restarted server's address (new port, new token) once announced.
    serve = await startServe(["--model", MODEL]);
    endpoint = streamUrl(serve.url);
    relay.endpointChanged();
    await p.until(() => p.frames().filter((f) => f.type === "hello").length === 2, "hello from the restarted server");
    expect(relay.connected).toBe(true);
    relay.dispose();
  });
});
