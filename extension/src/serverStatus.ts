/**
 * The language server's `rnnlens/status` notification (StatusParams, defined in
 * protocol/commands.json) read into what the status bar and the panel need. Its provenance is
 * typed `any` there: it is checked against the Provenance record of protocol/messages.json.
 */
import type { StatusParams } from "./protocol/commands";
import { SCHEMA } from "./protocol/messages";
import type { Provenance } from "./protocol/messages";
import { validateRecord } from "./protocol/validate";
import type { ServerState } from "./statusBar";

/** Model, layer (1-based), state and k of the clusters behind the editor's glyphs; null: the server's default. */
export interface GlyphView {
  model: string;
  layer: number | null;
  state: string | null;
  k: number | null;
}

export interface ServerStatus {
  state: ServerState;
  /** Set when the server has clusters ready: what its glyphs show. */
  view?: GlyphView;
}

/** The statistics' record, or undefined when it is absent or not a Provenance. */
export function provenanceOf(value: unknown): Provenance | undefined {
  if (value === null || value === undefined) return undefined;
  return validateRecord(SCHEMA, value, SCHEMA.records.Provenance.fields) === null ? (value as Provenance) : undefined;
}

/** The rnnlens.corpus setting as the server sends it: a name, a file, a list of files, or null (the model's own). */
function corpusOf(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length ? `${value.length} file${value.length === 1 ? "" : "s"}` : undefined;
  return typeof value === "string" && value ? value : undefined;
}

export function readStatus(params: StatusParams): ServerStatus {
  switch (params.clusters) {
    case "computing":
      return { state: { kind: "busy", message: `co-clustering ${params.model}…` } };
    case "failed":
      return { state: { kind: "error", message: params.error || "co-clustering failed" } };
    case "ready":
      return {
        state: { kind: "ready", model: params.model, corpus: corpusOf(params.corpus), provenance: provenanceOf(params.provenance) },
        view: { model: params.model, layer: params.layer, state: params.state, k: params.k },
      };
  }
}
