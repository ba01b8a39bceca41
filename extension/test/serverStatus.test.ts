import { describe, expect, it } from "vitest";
import type { ClustersReady } from "../src/protocol/commands";
import { readStatus } from "../src/serverStatus";
import { describe as describeState } from "../src/statusBar";

// As server/rnnlens/lsp/session.py sends it when the glyphs' clusters are ready (protocol/commands.json).
const provenance = {
  model: "brown-lstm",
  weights: "0123456789abcdef",
  corpus: "brown",
  split: "test",
  tokens: 116062,
  distinct_words: 5010,
  unknown_rate: 0.029,
  tokenizer: "rnnlens.data.tokenizer.tokenize@abc",
  engine_version: 3,
};
const ready: ClustersReady = { clusters: "ready", model: "brown-lstm", layer: 2, state: "h", k: 8, corpus: null, provenance };

describe("the server's status notification", () => {
  it("puts the model and the statistics' corpus:split in the status bar, and their tokens in its tooltip", () => {
    const { state } = readStatus(ready);
    const shown = describeState(state);
    expect(shown.text).toBe("$(pulse) RNN Lens: brown-lstm · brown:test");
    expect(shown.tooltip).toContain("brown:test, 116,062 tokens");
    expect(shown.tooltip).toContain("brown-lstm@01234567");
  });

  it("names the glyphs' model, layer, state and k for the panel to follow", () => {
    expect(readStatus(ready).view).toEqual({ model: "brown-lstm", layer: 2, state: "h", k: 8 });
  });

  it("shows the corpus setting when the statistics' record is missing or malformed", () => {
    const { state } = readStatus({ ...ready, corpus: "sotu", provenance: { model: "brown-lstm", tokens: "many" } });
    expect(state).toEqual({ kind: "ready", model: "brown-lstm", corpus: "sotu", provenance: undefined });
    expect(describeState(state).text).toBe("$(pulse) RNN Lens: brown-lstm · sotu");
  });

  it("reads computing and failed", () => {
    expect(readStatus({ clusters: "computing", model: "brown-gru", layer: 1, state: "h", k: 8, corpus: null }).state).toEqual({ kind: "busy", message: "co-clustering brown-gru…" });
    expect(readStatus({ clusters: "failed", model: "brown-gru", corpus: null, error: "no corpus" })).toEqual({ state: { kind: "error", message: "no corpus" } });
  });
});
