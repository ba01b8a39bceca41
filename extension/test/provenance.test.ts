/** The panel's status line names the statistics behind the clusters it shows. */
import { describe, expect, it } from "vitest";
import { provenanceLine } from "../panel/src/provenance";

const provenance = {
  model: "brown-lstm", weights: "0123456789ab", corpus: "brown", split: "test", tokens: 116062,
  distinct_words: 4987, unknown_rate: 0.031, tokenizer: "rnnlens.data.tokenizer.tokenize@abc", engine_version: 2,
};

describe("provenanceLine", () => {
  it("names corpus, split, size, unknown share, model and engine", () => {
    expect(provenanceLine(provenance)).toBe(
      "statistics: brown:test, 116,062 tokens, 4,987 words, 3.1% unknown · brown-lstm@01234567 · engine 2");
  });

  it("flags out-of-domain statistics and files without a split", () => {
    const line = provenanceLine({ ...provenance, corpus: "notes.txt", split: null, unknown_rate: 0.4 });
    expect(line).toContain("statistics: notes.txt, ");
    expect(line).toContain("40.0% unknown (out-of-domain text)");
  });

  it("says nothing when the server sent no provenance", () => {
    expect(provenanceLine(null)).toBe("");
  });
});
