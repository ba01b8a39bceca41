/**
 * Geometry of the main view, as pure functions: where each memory chip, cell, word cloud,
 * glyph row and link goes. Drawing code only reads these numbers, so they are testable
 * without a browser.
 */

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface ChipLayout extends Rect {
  cluster: number;
  columns: number;
  /** Top-left corner of every cell, in the cluster's unit order. */
  cells: { unit: number; x: number; y: number }[];
}

export interface MainLayout {
  width: number;
  height: number;
  cellSize: number;
  glyphColumn: Rect | null;
  chips: ChipLayout[];
  clouds: Rect[];
  rows: Rect[];
}

export interface LayoutOptions {
  width: number;
  /** Width of the sentence-glyph column; 0 hides it. */
  glyphWidth: number;
  glyphHeight: number;
  minRowHeight: number;
  /** Room between the sentence column and the chips for the token links, taken from the chips' column (the clouds keep their width). */
  linkRoom?: number;
}

const GAP = 1;
const HEADER = 18;

/** Biggest cell size (px) for which every chip fits its column at a pleasant height. */
export function chooseCellSize(largestCluster: number, chipWidth: number): number {
  for (const size of [12, 10, 9, 8, 7, 6, 5, 4]) {
    const columns = Math.max(1, Math.floor(chipWidth / (size + GAP)));
    if (Math.ceil(largestCluster / columns) * (size + GAP) <= 110) return size;
  }
  return 3;
}

export function layoutMain(unitClusters: number[][], options: LayoutOptions): MainLayout {
  const width = Math.max(320, options.width);
  const glyphWidth = options.glyphWidth;
  // Room on the left for the chips' labels (U1, U2, ...) when there is no sentence column.
  const left = glyphWidth > 0 ? glyphWidth + 16 : 22;
  const usable = width - left;
  const room = options.linkRoom ?? 0;
  const chipWidth = Math.max(60, Math.floor(usable * 0.3) - room);
  const linkGap = Math.max(40, Math.floor(usable * 0.16));
  const cloudX = left + room + chipWidth + linkGap;
  const cloudWidth = Math.max(80, width - cloudX - 4);
  const largest = unitClusters.reduce((m, c) => Math.max(m, c.length), 1);
  const cellSize = chooseCellSize(largest, chipWidth);
  const step = cellSize + GAP;
  const columns = Math.max(1, Math.floor(chipWidth / step));

  const chips: ChipLayout[] = [];
  const clouds: Rect[] = [];
  const rows: Rect[] = [];
  let y = HEADER;
  unitClusters.forEach((units, cluster) => {
    const cellRows = Math.max(1, Math.ceil(units.length / columns));
    const chipHeight = cellRows * step + 2;
    const rowHeight = Math.max(options.minRowHeight, chipHeight + 14);
    const chipY = y + (rowHeight - chipHeight) / 2;
    const usedColumns = Math.min(columns, Math.max(1, units.length));
    const chipX = left + room + chipWidth - usedColumns * step - 2;
    const cells = units.map((unit, i) => ({
      unit,
      x: chipX + 1 + (i % columns) * step,
      y: chipY + 1 + Math.floor(i / columns) * step,
    }));
    chips.push({ cluster, columns, cells, x: chipX, y: chipY, width: usedColumns * step + 2, height: chipHeight });
    clouds.push({ x: cloudX, y: y + 2, width: cloudWidth, height: rowHeight - 4 });
    rows.push({ x: 0, y, width, height: rowHeight });
    y += rowHeight;
  });
  const glyphColumn = glyphWidth > 0 ? { x: 0, y: HEADER, width: glyphWidth, height: options.glyphHeight } : null;
  const height = Math.max(y, glyphColumn ? HEADER + options.glyphHeight : 0) + 8;
  return { width, height, cellSize, glyphColumn, chips, clouds, rows };
}

export interface LinkShape {
  wordCluster: number;
  unitCluster: number;
  strength: number;
  width: number;
  path: string;
}

/** Which links a filter keeps: min <= |strength| / max|strength| <= max (both 0..1), and the widest link's px. */
export interface LinkFilter {
  min: number;
  max: number;
  width: number;
}

/** Keeps a strength when its share of the strongest lies in the filter's range (a zero link never). */
export function keepsLink(strength: number, strongest: number, filter: LinkFilter): boolean {
  const share = Math.abs(strength) / strongest;
  // A tolerance, so that the strongest link survives a max of 1 and a min of 1 despite rounding.
  return Math.abs(strength) > 0 && share >= filter.min - 1e-6 && share <= filter.max + 1e-6;
}

/** A link's stroke width: 0.75 px plus a share of the widest, by strength. */
export function linkWidth(strength: number, strongest: number, widest: number): number {
  return 0.75 + Math.max(0, widest - 0.75) * (Math.abs(strength) / strongest);
}

/**
 * Links kept by the filter (a range of shares of the strongest link).
 * Width grows with |strength|; the path is a horizontal S-curve from chip to cloud.
 */
export function layoutLinks(links: Float32Array, k: number, layout: MainLayout, filter: LinkFilter): LinkShape[] {
  let max = 0;
  for (let i = 0; i < links.length; i++) max = Math.max(max, Math.abs(links[i]));
  if (max === 0) return [];
  const shapes: LinkShape[] = [];
  const perChip = new Array<number>(k).fill(0);
  const perCloud = new Array<number>(k).fill(0);
  const kept: [number, number, number][] = [];
  for (let w = 0; w < k; w++) {
    for (let u = 0; u < k; u++) {
      const s = links[w * k + u];
      if (keepsLink(s, max, filter)) {
        kept.push([w, u, s]);
        perChip[u]++;
        perCloud[w]++;
      }
    }
  }
  const chipSeen = new Array<number>(k).fill(0);
  const cloudSeen = new Array<number>(k).fill(0);
  // Spread the ends of several links over the chip's/cloud's height so they stay apart.
  kept.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
  for (const [w, u, s] of kept) {
    const chip = layout.chips[u];
    const cloud = layout.clouds[w];
    if (!chip || !cloud) continue;
    const x0 = chip.x + chip.width + 2;
    const y0 = chip.y + chip.height * ((chipSeen[u]++ + 1) / (perChip[u] + 1));
    const x1 = cloud.x - 2;
    const y1 = cloud.y + cloud.height * ((cloudSeen[w]++ + 1) / (perCloud[w] + 1));
    const mid = (x0 + x1) / 2;
    shapes.push({
      wordCluster: w,
      unitCluster: u,
      strength: s,
      width: linkWidth(s, max, filter.width),
      path: `M${x0.toFixed(1)},${y0.toFixed(1)}C${mid.toFixed(1)},${y0.toFixed(1)} ${mid.toFixed(1)},${y1.toFixed(1)} ${x1.toFixed(1)},${y1.toFixed(1)}`,
    });
  }
  return shapes;
}
