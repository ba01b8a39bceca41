/**
 * Word clouds, one per word cluster (d3-cloud): font size by the word's strength in its
 * cluster, optional colouring by part of speech. Clicking a word selects it (shift/ctrl adds
 * a second or third word for comparison).
 */
import cloud from "d3-cloud";
import type { G } from "./svg";
import { asButton } from "./svg";
import { posColour } from "./colors";
import type { Rect } from "./layout";
import type { CloudWord } from "./viewModel";

export interface CloudHandlers {
  onWord(word: string, additive: boolean): void;
}

interface Placed {
  text: string;
  size: number;
  x: number;
  y: number;
  pos?: string | null;
  strength: number;
}

/** A seeded generator so the same data always gives the same picture (and screenshot). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

let sharedCanvas: HTMLCanvasElement | null = null;

/** Lay out one cloud synchronously (d3-cloud finishes in one step with timeInterval Infinity). */
export function layoutCloud(words: CloudWord[], box: Rect, limit: number): Placed[] {
  const shown = [...words].sort((a, b) => b.strength - a.strength).slice(0, limit);
  if (shown.length === 0) return [];
  const max = shown[0].strength || 1;
  const min = shown[shown.length - 1].strength;
  const span = max - min || 1;
  const biggest = Math.max(11, Math.min(24, box.height / 3));
  const placed: Placed[] = [];
  sharedCanvas ??= document.createElement("canvas");
  cloud<CloudWord & { text: string; size: number }>()
    .size([Math.max(32, Math.floor(box.width)), Math.max(16, Math.floor(box.height))])
    .canvas(() => sharedCanvas as HTMLCanvasElement)
    .words(shown.map((w) => ({ ...w, text: w.word, size: 9 + (biggest - 9) * Math.sqrt((w.strength - min) / span) })))
    .padding(1)
    .rotate(0)
    .font("sans-serif")
    .fontSize((d) => d.size)
    .random(seededRandom(shown.length * 7919 + Math.floor(box.y)))
    // "end" hands over final positions (relative to the box centre); "word" fires before that shift.
    .on("end", (tags: any[]) => {
      for (const d of tags) placed.push({ text: d.text, size: d.size, x: d.x, y: d.y, pos: d.pos, strength: d.strength });
    })
    .start();
  return placed;
}

export function drawClouds(
  group: G,
  clusters: CloudWord[][],
  boxes: Rect[],
  limit: number,
  posColours: boolean,
  selected: string[],
  handlers: CloudHandlers,
): void {
  group.selectAll("*").remove();
  clusters.forEach((words, cluster) => {
    const box = boxes[cluster];
    if (!box) return;
    const placed = layoutCloud(words, box, limit);
    const g = group
      .append("g")
      .attr("class", "cloud")
      .attr("data-cluster", cluster)
      .attr("role", "group")
      .attr("aria-label", `Word cluster ${cluster + 1}: ${words.length} words`);
    g.append("rect").attr("class", "cloud-frame").attr("x", box.x).attr("y", box.y).attr("width", box.width).attr("height", box.height).attr("rx", 6);
    g.append("text").attr("class", "chip-label").attr("x", box.x + box.width - 4).attr("y", box.y + 10).attr("text-anchor", "end").text(`W${cluster + 1}`);
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;
    const texts = g
      .selectAll<SVGTextElement, Placed>("text.word")
      .data(placed)
      .join("text")
      .attr("class", (d) => `word${selected.includes(d.text) ? " selected" : ""}`)
      .attr("data-word", (d) => d.text)
      .attr("text-anchor", "middle")
      .attr("x", (d) => (cx + d.x).toFixed(1))
      .attr("y", (d) => (cy + d.y).toFixed(1))
      .attr("font-size", (d) => d.size.toFixed(1))
      .text((d) => d.text)
      .on("click", (event: MouseEvent, d) => handlers.onWord(d.text, event.shiftKey || event.ctrlKey || event.metaKey));
    if (posColours) texts.attr("fill", (d) => posColour(d.pos) ?? null);
    asButton(texts, (d: Placed) => `Word ${d.text}${d.pos ? ` (${d.pos})` : ""}, strength ${d.strength.toFixed(2)}`);
  });
}
