/**
 * The attribution heat strip: the sentence's tokens in reading order, each attributed token on a
 * cell coloured by its integrated-gradients score for the output at the selected token (orange
 * raises it, blue lowers it), with the convergence delta in the caption. A refused attribution
 * shows its sentence instead of colours that would not add up.
 */
import { create } from "d3-selection";
import { divergingColour } from "./colors";
import { shorten } from "./svg";
import type { TokenAttribution } from "./viewModel";

const ROW = 22;
const CHAR = 6.6;
const PAD = 8;

function describeTarget(a: TokenAttribution): string {
  if (a.role === "class") return `the log-probability of class '${a.target}'`;
  if (a.role === "next") return `the log-probability of the next word '${a.target}'`;
  return `the log-probability of the top prediction '${a.target}'`;
}

export function attributionCaption(a: TokenAttribution, tokenText: string): string {
  const what = `Which words drive ${describeTarget(a)} at “${tokenText}”`;
  if (a.refused) return `${what}: not shown. ${a.refused}`;
  const difference = (a.output ?? 0) - (a.baselineOutput ?? 0);
  const delta = a.delta ?? 0;
  const percent = difference !== 0 ? ` (${((Math.abs(delta) / Math.abs(difference)) * 100).toFixed(1)} % of the output difference ${difference.toFixed(3)})` : "";
  return `${what}: integrated gradients from a zero-embedding baseline, ${a.steps} steps; convergence delta ${delta.toPrecision(2)}${percent}.`;
}

export function drawAttribution(a: TokenAttribution, tokens: { text: string }[], width: number): HTMLElement {
  const figure = document.createElement("figure");
  figure.className = "attribution";
  const caption = document.createElement("figcaption");
  caption.className = a.refused ? "attribution-refused" : "attribution-caption";
  caption.textContent = attributionCaption(a, tokens[a.token]?.text ?? `#${a.token}`);
  figure.append(caption);
  if (a.refused) return figure;

  let scale = 1e-9;
  for (const s of a.scores) scale = Math.max(scale, Math.abs(s));
  // Lay the tokens out like text, wrapping at the panel's width.
  const boxes: { x: number; y: number; w: number }[] = [];
  let x = 0;
  let y = 0;
  for (const token of tokens) {
    const w = Math.min(160, shorten(token.text, 20).length * CHAR + PAD);
    if (x > 0 && x + w > width) ((x = 0), (y += ROW + 4));
    boxes.push({ x, y, w });
    x += w + 3;
  }
  const svg = create("svg")
    .attr("class", "attribution-strip")
    .attr("width", width)
    .attr("height", y + ROW + 2)
    .attr("role", "img")
    .attr("aria-label", caption.textContent ?? "");
  tokens.forEach((token, i) => {
    const box = boxes[i];
    const index = i - a.start;
    const attributed = index >= 0 && index < a.scores.length;
    const score = attributed ? a.scores[index] : 0;
    const g = svg.append("g").attr("class", `attribution-token${i === a.token ? " selected" : ""}`).attr("data-token", i);
    const rect = g.append("rect").attr("x", box.x).attr("y", box.y).attr("width", box.w).attr("height", ROW).attr("rx", 3);
    if (attributed) {
      rect.attr("class", "attribution").attr("fill", divergingColour(score, scale)).attr("data-score", score.toPrecision(4));
      g.append("title").text(`${token.text}: ${score >= 0 ? "+" : ""}${score.toPrecision(3)}`);
    } else {
      rect.attr("class", "attribution-none");
      const why = i > a.token ? "after the selected token" : "before the attributed window (held fixed in its starting state)";
      g.append("title").text(`${token.text}: ${why}, not attributed`);
    }
    g.append("text").attr("x", box.x + box.w / 2).attr("y", box.y + ROW / 2 + 4).attr("text-anchor", "middle").text(shorten(token.text, 20));
  });
  figure.append(svg.node() as SVGSVGElement);
  return figure;
}
