// Generated from protocol/commands.json by protocol/generate.py: do not edit.
/** The language server's palette commands (workspace/executeCommand, ids rnnlens.server.NAME): each command's arguments, the one definition that the server validates against and that the Python and TypeScript types are generated from (python protocol/generate.py). Arguments come as one object ([{"layer": 2, "k": 8}]) or positionally in the order listed here; null means absent. Argument types: str, int (a whole JSON number; `minimum`/`maximum` bound it), enum (one of `values`), position ({line, character}: LSP zero-based, in the client's position encoding), str_or_list (a string or a list of strings). A command whose arguments are wrong answers {error: SENTENCE} (CommandError); so does one that fails; a cancelled one answers {cancelled: true} (CommandCancelled). Otherwise it answers its `result`: a record from `records` (or one of a list of them). Record field types: str, int, float, bool, any, enum<a|b|...> (one of these strings), list<T>, T? (null allowed), or a record name; fields named in `optional` may be absent. Results may carry more keys than listed (receivers ignore keys they do not know). `notifications`: what the server sends the editor unasked (method, and `params`: a record or one of a list of them). */

/** Wrong arguments, or the command failed: a sentence for the user. */
export interface CommandError {
  error: string;
}

/** The user cancelled a long command. */
export interface CommandCancelled {
  cancelled: boolean;
}

/** One model as `rnnlens models --json` lists it; a model that fails to load has only name and error. */
export interface ModelRow {
  name: string;
  task?: string;
  cell?: string;
  layers?: number;
  hidden_size?: number;
  vocab_size?: number;
  labels?: Array<string>;
  error?: string | null;
}

/** The models the server can load, and the one in use. */
export interface ModelList {
  models: Array<ModelRow>;
  current: string | null;
}

/** What an evaluation counted; `provenance` names the statistics (model, corpus, split, tokens, ...). */
export interface Evaluation {
  model: string;
  corpus: string;
  tokens: number;
  words: number;
  unknown_rate?: number;
  in_use?: boolean;
  provenance?: unknown;
}

/** Word clusters (words, strongest first), unit clusters (unit numbers) and the signed links between them. */
export interface CoclusterSummary {
  layer: number;
  state: string;
  k: number;
  word_clusters: Array<Array<string>>;
  unit_clusters: Array<Array<number>>;
  links: Array<Array<number>>;
  provenance?: unknown;
}

/** A word's mean response at one unit, and how often the statistics saw it. */
export interface WordResponse {
  word: string;
  mean: number;
  count: number;
}

/** The words that raise (positive) and lower (negative) one unit the most. */
export interface UnitExplanation {
  model: string;
  layer: number;
  state: string;
  unit: number;
  min_count: number;
  positive: Array<WordResponse>;
  negative: Array<WordResponse>;
  provenance?: unknown;
}

/** Two models' co-clusterings matched; `texts`: both models' glyphs of the document, when one was given; `provenance`: the statistics of model A and of model B. */
export interface ModelComparison {
  models: Array<string>;
  similarity: number;
  coclusters: Array<unknown>;
  alignment: unknown;
  texts?: Array<unknown>;
  provenance: Array<unknown>;
}

/** An LSP range. */
export interface CommandRange {
  start: CommandPosition;
  end: CommandPosition;
}

/** An LSP position (zero-based, in the client's position encoding). */
export interface CommandPosition {
  line: number;
  character: number;
}

/** Glyphs of one sentence (per token and per unit), and where the sentence is in the document; `provenance`: the statistics its unit clusters come from. */
export interface SentenceGlyphs {
  layer: number;
  state: string;
  k: number;
  tokens: Array<unknown>;
  range: CommandRange;
  provenance: unknown;
}

/** A co-clustering of the current view's units started in the background (the glyphs wait for it). */
export interface ClustersComputing {
  clusters: "computing";
  model: string;
  layer: number;
  state: string;
  k: number;
  corpus: unknown;
}

/** The glyphs show these clusters: model, 1-based layer, state (h or c) and k; `corpus` is the rnnlens.corpus setting (a name, a file, a list of files, or null for the model's own); `provenance` names the statistics behind them (a Provenance of protocol/messages.json, or null when unknown). */
export interface ClustersReady {
  clusters: "ready";
  model: string;
  layer: number;
  state: string;
  k: number;
  corpus: unknown;
  provenance: unknown;
}

/** The co-clustering failed, so no glyphs are shown: `error` says why, naming the model or setting at fault. */
export interface ClustersFailed {
  clusters: "failed";
  model: string;
  corpus: unknown;
  error: string;
}

/** An LSP location: a match's span in the results file. */
export interface PatternLocation {
  uri: string;
  range: CommandRange;
}

/** Corpus spans where the selection's units are on: `locations` point into the results file `uri` (one line a match), `matches` hold each span's document, character offsets, text, score (Jaccard x length factor), jaccard and shared units; `query` the hypothesis (state, threshold, units, tokens). */
export interface PatternMatches {
  model: string;
  corpus: string;
  uri: string;
  position: CommandPosition;
  locations: Array<PatternLocation>;
  matches: Array<unknown>;
  query: unknown;
  provenance: unknown;
}

/** Without a model: the models the server can load and the current one ({models, current}). With one: switch to it (the model's description). */
export interface SelectModelArguments {
  /** a model name or folder */
  model?: string | null;
}

/** Expected responses of the model over a corpus ({model, corpus, tokens, words}); without a corpus, the workspace's .txt and .md files. */
export interface EvaluateArguments {
  /** a corpus name, a file, or a list of files */
  corpus?: string | string[] | null;
  /** a model name or folder (default: the current model) */
  model?: string | null;
}

/** Co-clustering of the model's most frequent words and the hidden units of one layer/state (a Coclustering record as JSON). */
export interface CoclusterArguments {
  /** 1-based layer (default: the setting) */
  layer?: number | null;
  /** hidden state h or LSTM cell state c */
  state?: "h" | "c" | null;
  /** unit clusters */
  k?: number | null;
  /** most frequent words to cluster (default 300) */
  words?: number | null;
  /** a model name or folder (default: the current model) */
  model?: string | null;
}

/** The words that raise and lower one hidden unit the most ({positive, negative, ...}). */
export interface ExplainUnitArguments {
  /** 0-based unit number */
  unit: number;
  /** 1-based layer (default: the setting) */
  layer?: number | null;
  /** hidden state h or LSTM cell state c */
  state?: "h" | "c" | null;
  /** words listed each way (default 10) */
  top?: number | null;
  /** a model name or folder (default: the current model) */
  model?: string | null;
}

/** Matched unit clusters of two models and a similarity score; with a document, both models' glyphs of its text. */
export interface CompareModelsArguments {
  /** the first model (default: the current model) */
  modelA?: string | null;
  /** the second model */
  modelB: string;
  /** an open document whose text both models read */
  uri?: string | null;
  /** 1-based layer (default: the setting) */
  layer?: number | null;
  /** hidden state h or LSTM cell state c */
  state?: "h" | "c" | null;
  /** unit clusters */
  k?: number | null;
}

/** Glyphs of the sentence around a position of an open document (a GlyphSequence record as JSON, plus its `range`). */
export interface ExplainSentenceArguments {
  /** the open document */
  uri: string;
  /** where the sentence is (default: the document's start) */
  position?: CommandPosition | null;
  /** 1-based layer (default: the setting) */
  layer?: number | null;
  /** hidden state h or LSTM cell state c */
  state?: "h" | "c" | null;
  /** unit clusters */
  k?: number | null;
  /** a model name or folder (default: the current model) */
  model?: string | null;
}

/** Pattern search (LSTMVis select/match) on a selection of an open document: the units on over every selected token (the hypothesis), and the spans of the model's corpus where the same units are on, best first. The matches are written to a read-only results file (one line a match, with its context) and answered as locations into it, for the editor to step through. */
export interface FindPatternsArguments {
  /** the open document */
  uri: string;
  /** where the selection starts */
  start: CommandPosition;
  /** where the selection ends */
  end: CommandPosition;
  /** a unit is on above this (default: the highest that keeps 3 units on over the selection) */
  threshold?: "0.05" | "0.1" | "0.2" | "0.3" | "0.5" | null;
  /** 1-based layer (default: the setting) */
  layer?: number | null;
  /** matches to list (default 50) */
  top?: number | null;
  /** a model name or folder (default: the current model) */
  model?: string | null;
}

/** Each server command's id. */
export const SERVER_COMMANDS = {
  selectModel: "rnnlens.server.selectModel",
  evaluate: "rnnlens.server.evaluate",
  cocluster: "rnnlens.server.cocluster",
  explainUnit: "rnnlens.server.explainUnit",
  compareModels: "rnnlens.server.compareModels",
  explainSentence: "rnnlens.server.explainSentence",
  findPatterns: "rnnlens.server.findPatterns",
} as const;

/** The arguments object of each server command, by id. */
export interface ServerCommandArguments {
  "rnnlens.server.selectModel": SelectModelArguments;
  "rnnlens.server.evaluate": EvaluateArguments;
  "rnnlens.server.cocluster": CoclusterArguments;
  "rnnlens.server.explainUnit": ExplainUnitArguments;
  "rnnlens.server.compareModels": CompareModelsArguments;
  "rnnlens.server.explainSentence": ExplainSentenceArguments;
  "rnnlens.server.findPatterns": FindPatternsArguments;
}

/** What each server command answers, by id. */
export interface ServerCommandResults {
  "rnnlens.server.selectModel": ModelList | ModelRow | CommandError | CommandCancelled;
  "rnnlens.server.evaluate": Evaluation | CommandError | CommandCancelled;
  "rnnlens.server.cocluster": CoclusterSummary | CommandError | CommandCancelled;
  "rnnlens.server.explainUnit": UnitExplanation | CommandError | CommandCancelled;
  "rnnlens.server.compareModels": ModelComparison | CommandError | CommandCancelled;
  "rnnlens.server.explainSentence": SentenceGlyphs | CommandError | CommandCancelled;
  "rnnlens.server.findPatterns": PatternMatches | CommandError | CommandCancelled;
}

/** rnnlens/status: Where the unit clusters behind the editor's glyphs stand (the status bar and the panel follow it). */
export type StatusParams = ClustersComputing | ClustersReady | ClustersFailed;

/** Each server notification's method. */
export const SERVER_NOTIFICATIONS = {
  status: "rnnlens/status",
} as const;

/** The params of each server notification, by method. */
export interface ServerNotificationParams {
  "rnnlens/status": StatusParams;
}
