/**
 * Planted panel data of any size (typed by the generated protocol, so it cannot drift from
 * it): K unit clusters and K word clusters where word cluster i excites unit cluster i and
 * inhibits unit cluster (i + 1) mod K. Used by the browser tests and the benchmark.
 */
import { NdArray, encodeMessage } from "../../src/protocol/codec";
import type { CoclusterView, GlyphView, Hello, ServerMessage } from "../../src/protocol/messages";
import { PROTOCOL_VERSION } from "../../src/protocol/messages";

export interface SyntheticSize {
  model: string;
  hiddenSize: number;
  k: number;
  words: number;
  tokens: number;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

export const unitCluster = (unit: number, k: number) => unit % k;
export const wordCluster = (word: number, k: number) => word % k;

export function syntheticMessages(size: SyntheticSize): ServerMessage[] {
  const { model, hiddenSize: h, k, words: n, tokens: t } = size;
  const rand = random(42);
  const unitLabels = Array.from({ length: h }, (_, u) => unitCluster(u, k));
  const wordLabels = Array.from({ length: n }, (_, w) => wordCluster(w, k));
  const responses = new Float32Array(n * h);
  for (let w = 0; w < n; w++) {
    for (let u = 0; u < h; u++) {
      const wc = wordLabels[w];
      const uc = unitLabels[u];
      const planted = uc === wc ? 0.8 : uc === (wc + 1) % k ? -0.6 : 0;
      responses[w * h + u] = planted + (rand() - 0.5) * 0.1;
    }
  }
  const links = new Float32Array(k * k);
  for (let wc = 0; wc < k; wc++) for (let uc = 0; uc < k; uc++) links[wc * k + uc] = uc === wc ? 0.8 : uc === (wc + 1) % k ? -0.6 : 0.01;
  const vocabulary = Array.from({ length: n }, (_, w) => `w${w}c${wordLabels[w]}`);
  const hello: Hello = {
    type: "hello",
    protocol: PROTOCOL_VERSION,
    server: "synthetic",
    models: [
      { name: model, task: "lm", cell: "lstm", layers: 2, hidden_size: h, state_kinds: ["h", "c"], default_state: "c", labels: [], error: null },
      { name: `${model}-twin`, task: "lm", cell: "gru", layers: 2, hidden_size: h, state_kinds: ["h"], default_state: "h", labels: [], error: null },
    ],
    settings: { model, clusters: k },
    cursor: null,
  };
  const view: CoclusterView = {
    type: "cocluster_view",
    id: 0,
    view: {
      model,
      layer: 2,
      state: "c",
      k,
      hidden_size: h,
      unit_labels: NdArray.fromValues("int32", [h], unitLabels),
      unit_strength: NdArray.fromValues("float32", [h], Array.from({ length: h }, () => rand())),
      words: vocabulary,
      word_labels: NdArray.fromValues("int32", [n], wordLabels),
      word_strength: NdArray.fromValues("float32", [n], Array.from({ length: n }, (_, w) => 1 - w / n)),
      word_pos: vocabulary.map((_, w) => ["NN", "VB", "JJ", "IN", "AT"][w % 5]),
      links: NdArray.fromValues("float32", [k, k], links),
      order: NdArray.fromValues("int32", [k], [...Array(k).keys()]),
      responses: NdArray.fromValues("float16", [n, h], responses),
      provenance: null,
    },
  };
  const tokens = Array.from({ length: t }, (_, i) => ({ text: vocabulary[i % n], start: 0, end: 0 }));
  let offset = 0;
  for (const token of tokens) {
    token.start = offset;
    token.end = offset + token.text.length;
    offset = token.end + 1;
  }
  const tk = (f: (i: number, c: number) => number) => {
    const values = new Float32Array(t * k);
    for (let i = 0; i < t; i++) for (let c = 0; c < k; c++) values[i * k + c] = f(i, c);
    return NdArray.fromValues("float32", [t, k], values);
  };
  const glyphs: GlyphView = {
    type: "glyph_view",
    id: 0,
    uri: null,
    sentence_start: null,
    glyphs: {
      model,
      layer: 2,
      state: "c",
      k,
      text: tokens.map((x) => x.text).join(" "),
      tokens,
      positive: tk((i, c) => 0.2 + 0.5 * rand() + (c === wordLabels[i % n] ? 0.5 : 0)),
      negative: tk(() => 0.1 + 0.5 * rand()),
      delta_positive: tk((i, c) => (c === wordLabels[i % n] ? 0.4 : -0.1 * rand())),
      delta_negative: tk((i, c) => (c === (wordLabels[i % n] + 1) % k ? 0.3 : -0.1 * rand())),
      update: tk(() => rand() - 0.5),
      kept: tk(() => 0.5 + 0.5 * rand()),
      responses: NdArray.fromValues("float32", [t, h], Array.from({ length: t * h }, (_, j) => responses[(Math.floor(j / h) % n) * h + (j % h)])),
      outputs: tokens.map(() => ["the", "of"]),
      output_probs: NdArray.fromValues("float32", [t, 2], new Float32Array(t * 2).fill(0.5)),
      provenance: null,
    },
  };
  return [hello, view, glyphs];
}

export function syntheticFrames(size: SyntheticSize): Uint8Array[] {
  return syntheticMessages(size).map((m) => encodeMessage(m));
}
