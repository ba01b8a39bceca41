/**
 * Protocol messages (extension/src/protocol, generated from protocol/) -> the panel's view
 * model. Clusters are put into the server's display `order`, so chips, clouds, links and
 * glyph columns all line up by position.
 */
import type { NdArray } from "../../src/protocol/codec";
import type {
  AttributionView,
  ClusterInsightView,
  Coclustering,
  EffectsView,
  CompareView as CompareMessage,
  GlyphSequence,
  GlyphView,
  ModelInfo as ProtocolModelInfo,
  UnitDetail as UnitDetailMessage,
  WordDetail as WordDetailMessage,
  WordDistribution as DistributionRecord,
} from "../../src/protocol/messages";
import type {
  ClusterInsight,
  CoclusterView,
  ComparisonView,
  ModelInfo,
  SentenceGlyphs,
  TokenAttribution,
  TokenEffects,
  UnitDetail,
  WordDetail,
  WordDistribution,
} from "./viewModel";

function numbers(array: NdArray): Float32Array {
  const values = array.values();
  return values instanceof Float32Array ? values : Float32Array.from(values);
}

function ints(array: NdArray): Int32Array {
  const values = array.values();
  return values instanceof Int32Array ? values : Int32Array.from(values);
}

/** The display order of clusters: the server's `order`, completed with any cluster it left out. */
export function displayOrder(order: ArrayLike<number>, k: number): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const c of Array.from(order)) if (c >= 0 && c < k && !seen.has(c)) (seen.add(c), out.push(c));
  for (let c = 0; c < k; c++) if (!seen.has(c)) out.push(c);
  return out;
}

export function toCoclusterView(message: Coclustering): CoclusterView {
  const k = message.k;
  const order = displayOrder(ints(message.order), k);
  const unitLabels = ints(message.unit_labels);
  const unitStrength = numbers(message.unit_strength);
  const wordLabels = ints(message.word_labels);
  const wordStrength = numbers(message.word_strength);
  const byUnitCluster: number[][] = Array.from({ length: k }, () => []);
  unitLabels.forEach((label, unit) => byUnitCluster[label]?.push(unit));
  // Strongest units first: the top-left cells of a chip are the ones that matter most.
  for (const units of byUnitCluster) units.sort((a, b) => (unitStrength[b] ?? 0) - (unitStrength[a] ?? 0) || a - b);
  const byWordCluster: CoclusterView["wordClusters"] = Array.from({ length: k }, () => []);
  message.words.forEach((word, i) => {
    byWordCluster[wordLabels[i]]?.push({ word, strength: wordStrength[i] ?? 0, pos: message.word_pos[i] ?? null });
  });
  const rawLinks = numbers(message.links);
  const links = new Float32Array(k * k);
  for (let w = 0; w < k; w++) for (let u = 0; u < k; u++) links[w * k + u] = rawLinks[order[w] * k + order[u]] ?? 0;
  let responses: Map<string, Float32Array> | undefined;
  if (message.responses) {
    const all = numbers(message.responses);
    const h = message.hidden_size;
    responses = new Map(message.words.map((word, i) => [word, all.subarray(i * h, (i + 1) * h)]));
  }
  return {
    model: message.model,
    layer: message.layer,
    state: message.state,
    k,
    units: message.hidden_size,
    unitClusters: order.map((c) => byUnitCluster[c]),
    wordClusters: order.map((c) => byWordCluster[c]),
    links,
    responses,
    clusterIds: order,
  };
}

/** Glyph columns are unit clusters in the server's numbering: reorder them like the chips. */
export function toSentenceGlyphs(message: GlyphView, order: number[] | null): SentenceGlyphs {
  return glyphsInOrder(message.glyphs, order, message.uri ?? undefined, message.sentence_start ?? 0);
}

/** A glyph sequence with its columns in display `order` (the server's cluster at each position). */
export function glyphsInOrder(g: GlyphSequence, order: number[] | null, uri?: string, documentOffset = 0): SentenceGlyphs {
  const k = g.k;
  const columns = order && order.length === k ? order : [...Array(k).keys()];
  const t = g.tokens.length;
  const pick = (array: NdArray) => {
    const values = numbers(array);
    const out = new Float32Array(t * k);
    for (let row = 0; row < t; row++) for (let c = 0; c < k; c++) out[row * k + c] = values[row * k + columns[c]] ?? 0;
    return out;
  };
  return {
    text: g.text,
    documentOffset,
    uri,
    tokens: g.tokens.map((token) => ({ text: token.text, start: token.start, end: token.end })),
    k,
    positive: pick(g.positive),
    negative: pick(g.negative),
    deltaPositive: pick(g.delta_positive),
    deltaNegative: pick(g.delta_negative),
    kept: pick(g.kept),
    update: pick(g.update),
    responses: g.responses ? numbers(g.responses) : undefined,
    units: g.responses ? g.responses.shape[1] : undefined,
    outputs: describeOutputs(g.outputs, numbers(g.output_probs), g.output_probs.shape[1] ?? 0),
  };
}

/** "next: the 0.12, of 0.08" per token, from the names and their probabilities. */
function describeOutputs(names: string[][], probs: Float32Array, width: number): string[] {
  return names.map((row, t) => row.map((name, j) => `${name} ${(probs[t * width + j] ?? 0).toFixed(2)}`).join(", "));
}

function distributions(record: DistributionRecord): WordDistribution[] {
  const mean = numbers(record.mean);
  const p = numbers(record.percentiles);
  const counts = record.counts ? record.counts.values() : null;
  return record.words.map((word, i) => ({
    word,
    mean: mean[i],
    p9: p[i * 5],
    p25: p[i * 5 + 1],
    p50: p[i * 5 + 2],
    p75: p[i * 5 + 3],
    p91: p[i * 5 + 4],
    ...(counts ? { count: Number(counts[i]) } : {}),
  }));
}

export function toUnitDetail(message: UnitDetailMessage): UnitDetail {
  return {
    unit: message.unit,
    layer: message.layer,
    state: message.state,
    positive: distributions(message.positive),
    negative: distributions(message.negative),
  };
}

export function toWordDetail(message: WordDetailMessage): WordDetail {
  const percentiles = message.percentiles ? numbers(message.percentiles) : null;
  return { word: message.word, profile: numbers(message.profile), cluster: message.cluster, pos: message.pos, count: message.count, percentiles };
}

/** Share of words two clusters have in common (Jaccard), the per-match score shown in comparison. */
export function wordOverlap(a: { word: string }[], b: { word: string }[]): number {
  const setA = new Set(a.map((w) => w.word));
  let common = 0;
  for (const w of b) if (setA.has(w.word)) common++;
  const union = setA.size + b.length - common;
  return union === 0 ? 0 : common / union;
}

export function toComparison(message: CompareMessage): ComparisonView {
  const a = toCoclusterView(message.a);
  const b = toCoclusterView(message.b);
  const matching = ints(message.matching);
  const positionInB = new Map(b.clusterIds.map((cluster, position) => [cluster, position]));
  const matches: [number, number, number][] = [];
  a.clusterIds.forEach((clusterA, positionA) => {
    const positionB = positionInB.get(matching[clusterA]);
    if (positionB === undefined) return;
    matches.push([positionA, positionB, wordOverlap(a.wordClusters[positionA], b.wordClusters[positionB])]);
  });
  return {
    a,
    b,
    matches,
    similarity: message.similarity,
    // Each side's sentence glyphs, columns in that side's own display order (like its chips).
    glyphsA: message.glyphs_a ? glyphsInOrder(message.glyphs_a, a.clusterIds) : null,
    glyphsB: message.glyphs_b ? glyphsInOrder(message.glyphs_b, b.clusterIds) : null,
  };
}

export function toModelInfo(info: ProtocolModelInfo): ModelInfo {
  return {
    name: info.name,
    task: info.task,
    cell: info.cell,
    layers: info.layers,
    states: info.state_kinds,
    defaultState: info.default_state,
    error: info.error,
  };
}

/** Stability per k, and each chip's output label in display `order` (the server's cluster at each position). */
export function toClusterInsight(message: ClusterInsightView, order: number[]): ClusterInsight {
  const stability = message.stability;
  const outputs = message.unit_outputs;
  return {
    model: message.model,
    layer: message.layer,
    state: message.state,
    k: message.k,
    stability: stability
      ? { k: Array.from(ints(stability.k)), score: Array.from(numbers(stability.score)), suggestedK: stability.suggested_k, runs: stability.runs }
      : null,
    outputs: outputs ? order.map((c) => outputs[c] ?? null) : null,
    notes: message.notes,
  };
}

/** "log p(next 'not')" for a language model's next word, "p(positive)" for a classifier's class. */
function targetText(measure: string, role: string, name: string): string {
  // A classifier's class is read at the end of the token's line, after the ablated step.
  if (measure === "probability") return `p(${name}) at the end of the line`;
  return role === "next" ? `log p(next '${name}')` : `log p(top '${name}')`;
}

/**
 * The chips' effects in display `order`. The coloured output: a language model's next word (its
 * top prediction at the end of the text), a classifier's most probable class.
 */
export function toTokenEffects(message: EffectsView, order: number[]): TokenEffects {
  const width = message.targets.length;
  let column = 0;
  if (message.measure === "probability") {
    message.targets.forEach((t, i) => {
      if (t.base > message.targets[column].base) column = i;
    });
  }
  const delta = numbers(message.delta);
  const share = numbers(message.share);
  const target = message.targets[column];
  return {
    model: message.model,
    layer: message.layer,
    state: message.state,
    k: message.k,
    text: message.text,
    token: message.token,
    target: target ? targetText(message.measure, target.role, target.name) : "the output",
    contribution: Float32Array.from(order, (c) => -(delta[c * width + column] ?? 0)),
    share: Float32Array.from(order, (c) => share[c] ?? 0),
    mode: message.mode,
  };
}

export function toTokenAttribution(message: AttributionView): TokenAttribution {
  return {
    model: message.model,
    text: message.text,
    token: message.token,
    start: message.start,
    scores: numbers(message.scores),
    target: message.target,
    role: message.target_role,
    output: message.output,
    baselineOutput: message.baseline_output,
    delta: message.convergence_delta,
    steps: message.steps,
    refused: message.refused,
  };
}
