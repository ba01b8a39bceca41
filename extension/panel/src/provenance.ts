/**
 * The panel's status-line words for where the numbers came from (the server's Provenance record:
 * docs/analysis.md, "Which statistics"). Pure, so a test can read it.
 */
import type { Provenance } from "../../src/protocol/messages";

export function provenanceLine(p: Provenance | null | undefined): string {
  if (!p) return "";
  const corpus = p.split ? `${p.corpus}:${p.split}` : p.corpus;
  const unknown = `${(p.unknown_rate * 100).toFixed(1)}% unknown${p.unknown_rate > 0.2 ? " (out-of-domain text)" : ""}`;
  return `statistics: ${corpus}, ${p.tokens.toLocaleString("en-US")} tokens, ${p.distinct_words.toLocaleString("en-US")} words, ${unknown} · ${p.model}@${p.weights.slice(0, 8)} · engine ${p.engine_version}`;
}
