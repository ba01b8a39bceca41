/**
 * What the panel draws, in the panel's own terms. The wire format lives in
 * extension/src/protocol (generated from protocol/); fromProtocol.ts turns those messages
 * into these shapes so that every view reads one simple, typed model.
 */

/** One word of a word cloud. */
export interface CloudWord {
  word: string;
  /** How strongly the word belongs to its cluster (>= 0; drives the font size). */
  strength: number;
  /** Majority part-of-speech tag, when the corpus had tags. */
  pos?: string | null;
}

/** A co-clustering of one model's layer/state: chips, clouds and links. */
export interface CoclusterView {
  model: string;
  layer: number;
  state: string;
  k: number;
  /** Number of hidden units H. */
  units: number;
  /** Unit indices of each unit cluster (chip), in display order. */
  unitClusters: number[][];
  /** Words of each word cluster (cloud), in the same order as the chips they pair with. */
  wordClusters: CloudWord[][];
  /** Signed link strength, row = word cluster, column = unit cluster, row-major K x K. */
  links: Float32Array;
  /** Expected response R[w, :] of each word shown, for recolouring the cells (row-major N x H). */
  responses?: Map<string, Float32Array>;
  /** The server's cluster number at each display position. */
  clusterIds: number[];
}

/** Glyphs of a sentence: arrays are row-major T x K. */
export interface SentenceGlyphs {
  text: string;
  /** Where the sentence starts in its document (code-point offset), for reveal requests. */
  documentOffset: number;
  uri?: string;
  tokens: { text: string; start: number; end: number }[];
  k: number;
  positive: Float32Array;
  negative: Float32Array;
  deltaPositive: Float32Array;
  deltaNegative: Float32Array;
  kept: Float32Array;
  /** The token's net update per cluster: the sum of r_t - r_(t-1) over the cluster's units, per unit (T x K). */
  update: Float32Array;
  /** The model's output after each token, as text (next words or class probabilities). */
  outputs?: string[];
  /** Per-token response vector r_t over all H units (row-major T x H), when sent. */
  responses?: Float32Array;
  units?: number;
}

/** Box-plot statistics of a unit's response to one word. */
export interface WordDistribution {
  word: string;
  mean: number;
  p9: number;
  p25: number;
  p50: number;
  p75: number;
  p91: number;
  /** How often the statistics' corpus has the word (absent from older servers). */
  count?: number;
}

export interface UnitDetail {
  unit: number;
  layer: number;
  state: string;
  positive: WordDistribution[];
  negative: WordDistribution[];
}

export interface WordDetail {
  word: string;
  profile: Float32Array;
  cluster?: number | null;
  pos?: string | null;
  count?: number | null;
  /** Percentiles 9/25/50/75/91 of the word's responses per unit over the kept samples (row-major 5 x H), when sketched. */
  percentiles?: Float32Array | null;
}

/** Two co-clusterings with clusters matched across models. */
export interface ComparisonView {
  a: CoclusterView;
  b: CoclusterView;
  /** Pairs [cluster index in a, cluster index in b, overlap score 0..1]. */
  matches: [number, number, number][];
  similarity: number;
  /** Each model's glyphs of the same sentence (columns in that side's display order), when sent. */
  glyphsA: SentenceGlyphs | null;
  glyphsB: SentenceGlyphs | null;
}

export interface ModelInfo {
  name: string;
  task?: string;
  cell?: string;
  layers: number;
  states: string[];
  defaultState?: string;
  error?: string | null;
}

/** Which outputs one unit cluster pushes over the statistics' corpus ("→ positive"). */
export interface ChipOutput {
  label: string;
  raises: string[];
  lowers: string[];
}

/** The co-clustering's stability for k and its neighbours, and each chip's output label. */
export interface ClusterInsight {
  model: string;
  layer: number;
  state: string;
  k: number;
  /** Mean adjusted Rand index per k (0 = chance, 1 = identical runs), ascending k. */
  stability: { k: number[]; score: number[]; suggestedK: number; runs: number } | null;
  /** Per chip, in display order (like unitClusters); null when not computed. */
  outputs: (ChipOutput | null)[] | null;
  notes: string[];
}

/** What replacing each chip's state at one token does to the output (ablation). */
export interface TokenEffects {
  model: string;
  layer: number;
  state: string;
  k: number;
  text: string;
  token: number;
  /** The output coloured by: e.g. "log p(next 'not')" or "p(positive)". */
  target: string;
  /** Per chip in display order: minus the change of that output when the chip is replaced (> 0: the chip raises it here). */
  contribution: Float32Array;
  /** Per chip in display order: its part of the summed |change|. */
  share: Float32Array;
  mode: string;
}

/** Integrated-gradients scores of the tokens start..token for the output at `token`, or why there are none. */
export interface TokenAttribution {
  model: string;
  text: string;
  token: number;
  start: number;
  scores: Float32Array;
  target: string;
  role: string;
  output: number | null;
  baselineOutput: number | null;
  delta: number | null;
  steps: number | null;
  refused: string | null;
}

/** What the user has chosen in the controls. */
export interface Controls {
  model: string;
  layer: number;
  state: string;
  k: number;
  wordsShown: number;
  /** Links kept: min <= |strength| / strongest <= max (0..1). */
  linkFilter: number;
  linkFilterMax: number;
  /** Width in px of the strongest link (chip-cloud and token-chip links). */
  linkWidth: number;
  /** Share of |response| values below full colour: 0.98 = the 98th percentile reaches full colour. */
  colourClip: number;
  posColours: boolean;
  compareWith: string;
  /** Chip cells coloured by the selected word's or token's response, or by each chip's ablation effect at the selected token. */
  chipColour: "response" | "effect";
  /** What a chip's state is replaced by for its effect: zero, or the layer's expected state over the statistics' corpus. */
  ablation: "zero" | "mean";
}

export const DEFAULT_CONTROLS: Controls = {
  model: "",
  layer: 0,
  state: "",
  k: 8,
  wordsShown: 20,
  linkFilter: 0.25,
  linkFilterMax: 1,
  linkWidth: 6.75,
  colourClip: 0.98,
  posColours: false,
  compareWith: "",
  chipColour: "response",
  ablation: "zero",
};
