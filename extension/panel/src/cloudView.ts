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

/**
 * d3-cloud draws word sprites on a 2048 x 2048 canvas, resizes it for every layout and reads
 * all 16 MB of it back per batch, which dominates the panel's first paint. Its sprites are
 * packed from the top, so a 2048 x SPRITE_ROWS canvas holds every batch of a cloud's words;
 * this stand-in keeps one such canvas, ignores the resizes and reads back only those rows
 * (pixels below them were never drawn: d3-cloud reads them as empty).
 */
const SPRITE_ROWS = 512;
let spriteCanvas: HTMLCanvasElement | null = null;

function compactSpriteCanvas(): HTMLCanvasElement {
  if (!spriteCanvas) {
    const real = document.createElement("canvas");
    real.width = 2048;
    real.height = SPRITE_ROWS;
    const context = real.getContext("2d", { willReadFrequently: true }) as CanvasRenderingContext2D;
    const wrapped = new Proxy(context, {
      get(target, key) {
        if (key === "getImageData") {
          return (x: number, y: number, w: number, h: number) => target.getImageData(x, y, w, Math.max(1, Math.min(h, SPRITE_ROWS - y)));
        }
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
      set(target, key, value) {
        return Reflect.set(target, key, value, target);
      },
    });
    spriteCanvas = { getContext: () => wrapped, width: 2048, height: SPRITE_ROWS } as unknown as HTMLCanvasElement;
  }
  return spriteCanvas;
}

/** Layouts already computed, by words, box size and limit (a glyph update must not redo them). */
const layoutCache = new Map<string, Placed[]>();

/** Lay out one cloud synchronously (d3-cloud finishes in one step with timeInterval Infinity). */
/** Forget cached layouts (the benchmark measures fresh data this way). */
export function clearCloudLayouts(): void {
  layoutCache.clear();
}

export function layoutCloud(words: CloudWord[], box: Rect, limit: number): Placed[] {
  const key = `${Math.round(box.width)}x${Math.round(box.height)}|${limit}|${words.map((w) => `${w.word}:${w.strength.toFixed(4)}`).join(" ")}`;
  const cached = layoutCache.get(key);
  if (cached) return cached;
  const placed = computeLayout(words, box, limit);
  if (layoutCache.size > 200) layoutCache.clear();
  layoutCache.set(key, placed);
  return placed;
}

function computeLayout(words: CloudWord[], box: Rect, limit: number): Placed[] {
  const shown = [...words].sort((a, b) => b.strength - a.strength).slice(0, limit);
  if (shown.length === 0) return [];
  const max = shown[0].strength || 1;
  const min = shown[shown.length - 1].strength;
  const span = max - min || 1;
  // Relative sizes from 1 (weakest shown) to 2 (strongest), then one scale for the whole cloud
  // so that the words' estimated area fills about half the box: every word usually finds a
  // place, and d3-cloud does not walk its whole spiral for words that cannot fit (its slow case).
  const relative = (w: CloudWord) => 1 + Math.sqrt((w.strength - min) / span);
  const area = (w: CloudWord, size: number) => (w.word.length * size * 0.58 + 4) * (size * 1.15 + 4);
  const nominal = shown.reduce((sum, w) => sum + area(w, 10 * relative(w)), 0);
  const scale = Math.sqrt((box.width * box.height * 0.5) / Math.max(1, nominal));
  const maxSize = Math.max(11, Math.min(24, box.height / 2.6));
  const sizeOf = (w: CloudWord) => Math.max(8, Math.min(maxSize, 10 * relative(w) * scale));
  let budget = box.width * box.height * 0.65;
  const fitting = shown.filter((w) => {
    const size = sizeOf(w);
    if (w.word.length * size * 0.58 + 4 > box.width - 4) return false;
    budget -= area(w, size);
    return budget >= 0;
  });
  const placed: Placed[] = [];
  cloud<CloudWord & { text: string; size: number }>()
    .size([Math.max(32, Math.floor(box.width)), Math.max(16, Math.floor(box.height))])
    .canvas(compactSpriteCanvas)
    .words(fitting.map((w) => ({ ...w, text: w.word, size: sizeOf(w) })))
    .padding(2)
    .rotate(0)
    .font("sans-serif")
    .fontSize((d) => d.size)
    .random(seededRandom(shown.length * 7919 + Math.round(box.width)))
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
  notes?: string[],
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
    g.append("text").attr("class", "chip-label").attr("x", box.x + box.width - 4).attr("y", box.y + 10).attr("text-anchor", "end").text(`W${cluster + 1}${notes?.[cluster] ? ` · ${notes[cluster]}` : ""}`);
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
    asButton(texts, (d: Placed) => `Word ${d.text}${d.pos ? ` (Brown tag ${d.pos})` : ""}, strength ${d.strength.toFixed(2)}`);
  });
}
