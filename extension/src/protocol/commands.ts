// Generated from protocol/commands.json by protocol/generate.py: do not edit.
/** The language server's palette commands (workspace/executeCommand, ids rnnlens.server.NAME): each command's arguments, the one definition that the server validates against and that the Python and TypeScript types are generated from (python protocol/generate.py). Arguments come as one object ([{"layer": 2, "k": 8}]) or positionally in the order listed here; null means absent. Argument types: str, int (a whole JSON number; `minimum`/`maximum` bound it), enum (one of `values`), position ({line, character}: LSP zero-based, in the client's position encoding), str_or_list (a string or a list of strings). A command whose arguments are wrong answers {error: SENTENCE}; so does one that fails; a cancelled one answers {cancelled: true}. */

export interface CommandPosition {
  line: number;
  character: number;
}

/** What a command answers when its arguments are wrong or it failed. */
export interface CommandError {
  error: string;
}

/** What a long command answers when the user cancelled it. */
export interface CommandCancelled {
  cancelled: true;
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

/** Each server command's id. */
export const SERVER_COMMANDS = {
  selectModel: "rnnlens.server.selectModel",
  evaluate: "rnnlens.server.evaluate",
  cocluster: "rnnlens.server.cocluster",
  explainUnit: "rnnlens.server.explainUnit",
  compareModels: "rnnlens.server.compareModels",
  explainSentence: "rnnlens.server.explainSentence",
} as const;

/** The arguments object of each server command, by id. */
export interface ServerCommandArguments {
  "rnnlens.server.selectModel": SelectModelArguments;
  "rnnlens.server.evaluate": EvaluateArguments;
  "rnnlens.server.cocluster": CoclusterArguments;
  "rnnlens.server.explainUnit": ExplainUnitArguments;
  "rnnlens.server.compareModels": CompareModelsArguments;
  "rnnlens.server.explainSentence": ExplainSentenceArguments;
}
