/**
 * The one colour convention of RNN Lens: orange = positive / increase, blue = negative /
 * decrease. Cells and links blend from a neutral towards orange or blue by magnitude.
 */
import { interpolateRgb } from "d3-interpolate";

export const ORANGE = "#f28e2b";
export const BLUE = "#3b78c2";
/** Neutral cell colour: readable against both light and dark backgrounds. */
export const NEUTRAL = "#9a9a9a";

const toOrange = interpolateRgb(NEUTRAL, ORANGE);
const toBlue = interpolateRgb(NEUTRAL, BLUE);

const LEVELS = 64;
// A mild curve: mid-sized responses stay visible, noise near zero stays grey.
const ease = (t: number) => t ** 0.85;
/** Precomputed steps, so colouring thousands of cells does no colour arithmetic. */
const ORANGE_STEPS = Array.from({ length: LEVELS + 1 }, (_, i) => toOrange(ease(i / LEVELS)));
const BLUE_STEPS = Array.from({ length: LEVELS + 1 }, (_, i) => toBlue(ease(i / LEVELS)));

/** Colour of a signed value; `scale` is the magnitude that reaches full colour. */
export function divergingColour(value: number, scale: number): string {
  if (!Number.isFinite(value) || scale <= 0) return NEUTRAL;
  const step = Math.round(Math.min(1, Math.abs(value) / scale) * LEVELS);
  if (step === 0) return NEUTRAL;
  return value >= 0 ? ORANGE_STEPS[step] : BLUE_STEPS[step];
}

export function signColour(value: number): string {
  return value >= 0 ? ORANGE : BLUE;
}

/**
 * Colour of a glyph's change bar. `delta` is the change of the information's magnitude on that
 * side of the midline: more positive information is an increase (orange), more negative
 * information a decrease (blue), and shrinking either is the opposite. The hover image
 * (server/rnnlens/lsp/glyph_text.py) draws the same; a test compares the two.
 */
export function deltaColour(part: "positive" | "negative", delta: number): string {
  const increase = part === "positive" ? delta >= 0 : delta < 0;
  return increase ? ORANGE : BLUE;
}

/**
 * A robust full-colour magnitude: the `clip` quantile of |values| (0.98 by default: outliers do
 * not wash out the rest; a lower clip saturates more values, 1 scales to the largest).
 */
export function robustScale(values: ArrayLike<number>, clip = 0.98): number {
  const n = values.length;
  if (n === 0) return 1;
  const magnitudes = new Float32Array(n);
  for (let i = 0; i < n; i++) magnitudes[i] = Math.abs(values[i]);
  magnitudes.sort();
  const q = magnitudes[Math.min(n - 1, Math.floor(Math.min(1, Math.max(0, clip)) * (n - 1)))];
  return q > 0 ? q : 1;
}

/** Part-of-speech colours (Brown tag families) for the optional cloud colouring. */
const POS_COLOURS: [RegExp, string, string][] = [
  [/^N/, "#6a9f58", "noun"],
  [/^V|^B|^H|^DO|^MD/, "#b07aa1", "verb"],
  [/^J/, "#d4a020", "adjective"],
  [/^R/, "#9c755f", "adverb"],
  [/^P|^W/, "#e15759", "pronoun"],
  [/^IN|^CC|^CS|^TO/, "#76b7b2", "function word"],
  [/^A|^DT|^CD|^OD|^Q/, "#ff9da7", "determiner / number"],
];

export function posColour(tag: string | null | undefined): string | null {
  if (!tag) return null;
  const upper = tag.toUpperCase();
  for (const [pattern, colour] of POS_COLOURS) if (pattern.test(upper)) return colour;
  return null;
}

export function posLegend(): { label: string; colour: string }[] {
  return POS_COLOURS.map(([, colour, label]) => ({ label, colour }));
}
