import { describe, expect, it } from "vitest";
import { BLUE, NEUTRAL, ORANGE, divergingColour, robustScale } from "../panel/src/colors";
import { alignToA } from "../panel/src/compareView";
import { displayOrder } from "../panel/src/fromProtocol";
import { layoutLinks, layoutMain } from "../panel/src/layout";

const clusters = [[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [13, 14], [15, 16, 17, 18, 19]];

describe("main view geometry", () => {
  const layout = layoutMain(clusters, { width: 900, glyphWidth: 170, glyphHeight: 300, minRowHeight: 60 });

  it("places one cell per unit inside its chip, chips one above the other", () => {
    layout.chips.forEach((chip, c) => {
      expect(chip.cells.map((cell) => cell.unit)).toEqual(clusters[c]);
      for (const cell of chip.cells) {
        expect(cell.x).toBeGreaterThanOrEqual(chip.x);
        expect(cell.x + layout.cellSize).toBeLessThanOrEqual(chip.x + chip.width);
        expect(cell.y + layout.cellSize).toBeLessThanOrEqual(chip.y + chip.height);
      }
      if (c > 0) expect(chip.y).toBeGreaterThanOrEqual(layout.chips[c - 1].y + layout.chips[c - 1].height);
    });
  });

  it("keeps chips right of the sentence column and clouds right of the chips", () => {
    for (const chip of layout.chips) expect(chip.x).toBeGreaterThan(170);
    for (const [i, cloud] of layout.clouds.entries()) expect(cloud.x).toBeGreaterThan(layout.chips[i].x + layout.chips[i].width);
  });

  it("takes the token links' room from the chips' column: the clouds keep their place and width", () => {
    const roomy = layoutMain(clusters, { width: 900, glyphWidth: 170, glyphHeight: 300, minRowHeight: 60, linkRoom: 48 });
    expect(roomy.clouds).toEqual(layout.clouds);
    for (const chip of roomy.chips) expect(chip.x).toBeGreaterThanOrEqual(170 + 16 + 48 - 1);
  });

  it("keeps the links the filter allows, wider for stronger links", () => {
    const links = Float32Array.from([0.9, -0.1, 0, -0.5, 0.3, 0.05, 0, 0, -0.2]);
    const all = layoutLinks(links, 3, layout, { min: 0, max: 1, width: 6.75 });
    expect(all.length).toBe(6); // zeros are never drawn
    const strong = layoutLinks(links, 3, layout, { min: 0.5, max: 1, width: 6.75 });
    expect(strong.map((l) => l.strength)).toEqual([Math.fround(0.9), Math.fround(-0.5)]);
    expect(strong[0].width).toBeGreaterThan(strong[1].width);
  });

  it("keeps only the links inside a range of the strongest, and the widest is as wide as asked", () => {
    const links = Float32Array.from([0.9, -0.1, 0, -0.5, 0.3, 0.05, 0, 0, -0.2]);
    // 0.2..0.6 of 0.9: |0.5| (0.56) and |0.3| (0.33) and |0.2| (0.22); not 0.9, 0.1, 0.05.
    const middle = layoutLinks(links, 3, layout, { min: 0.2, max: 0.6, width: 6.75 });
    expect(middle.map((l) => l.strength).sort()).toEqual([-0.5, -0.2, 0.3].map(Math.fround).sort());
    const wide = layoutLinks(links, 3, layout, { min: 0, max: 1, width: 12 });
    expect(Math.max(...wide.map((l) => l.width))).toBeCloseTo(12);
    expect(Math.max(...layoutLinks(links, 3, layout, { min: 0, max: 1, width: 6.75 }).map((l) => l.width))).toBeCloseTo(6.75);
  });
});

describe("colours", () => {
  it("takes the full-colour magnitude at the colour clip's quantile of |values|", () => {
    const values = Float32Array.from({ length: 101 }, (_, i) => (i % 2 ? -i : i));
    expect(robustScale(values, 1)).toBe(100);
    expect(robustScale(values, 0.5)).toBe(50);
    expect(robustScale(values)).toBe(98);
  });

  it("maps sign to orange / blue and zero to neutral", () => {
    expect(divergingColour(1, 1)).toBe(divergingColour(5, 1));
    expect(divergingColour(0, 1)).toBe(NEUTRAL);
    expect(divergingColour(1, 1)).toMatch(/rgb\(242, 142, 43\)/); // ORANGE at full strength
    expect(divergingColour(-1, 1)).toMatch(/rgb\(59, 120, 194\)/); // BLUE at full strength
    expect([ORANGE, BLUE]).toEqual(["#f28e2b", "#3b78c2"]);
  });

  it("scales colours by a robust maximum, so one outlier does not wash out the rest", () => {
    const values = new Float32Array(100).fill(1);
    values[0] = 100;
    expect(robustScale(values)).toBe(1);
  });
});

describe("cluster order and comparison", () => {
  it("completes the server's display order with any cluster it left out", () => {
    expect(displayOrder([2, 0, 2, 7], 4)).toEqual([2, 0, 1, 3]);
  });

  it("reorders model B so matched clusters share a row", () => {
    const view = (model: string, words: string[][]) => ({
      model, layer: 1, state: "h", k: words.length, units: words.length, clusterIds: words.map((_, i) => i),
      unitClusters: words.map((_, i) => [i]), wordClusters: words.map((ws) => ws.map((word) => ({ word, strength: 1 }))),
      links: Float32Array.from({ length: words.length ** 2 }, (_, i) => i),
    });
    const a = view("a", [["the", "a"], ["run", "go"]]);
    const b = view("b", [["go", "run"], ["a", "the"]]);
    const { b: aligned, scores } = alignToA({ a, b, matches: [[0, 1, 1], [1, 0, 1]], similarity: 1, glyphsA: null, glyphsB: null });
    expect(aligned.wordClusters.map((ws) => ws.map((w) => w.word))).toEqual([["a", "the"], ["go", "run"]]);
    expect(Array.from(aligned.links)).toEqual([3, 2, 1, 0]); // both link axes follow the new order
    expect(scores).toEqual([1, 1]);
  });

  it("moves B's glyph columns with its chips, so each bar sits under its own cluster", () => {
    const view = (model: string, k: number) => ({
      model, layer: 1, state: "h", k, units: k, clusterIds: [...Array(k).keys()],
      unitClusters: [...Array(k).keys()].map((i) => [i]), wordClusters: [...Array(k).keys()].map((i) => [{ word: `w${i}`, strength: 1 }]),
      links: new Float32Array(k * k),
    });
    // One token, three clusters: B's cluster c has positive information 10 + c.
    const row = (base: number) => Float32Array.from([base, base + 1, base + 2]);
    const glyphs = { text: "x", documentOffset: 0, tokens: [{ text: "x", start: 0, end: 1 }], k: 3, positive: row(10), negative: row(20), deltaPositive: row(30), deltaNegative: row(40), kept: row(50), update: row(60) };
    const { b, glyphsB } = alignToA({ a: view("a", 3), b: view("b", 3), matches: [[0, 2, 1], [1, 0, 1], [2, 1, 1]], similarity: 1, glyphsA: null, glyphsB: glyphs });
    expect(b.unitClusters).toEqual([[2], [0], [1]]);
    expect(b.clusterIds).toEqual([2, 0, 1]);
    expect(Array.from(glyphsB!.positive)).toEqual([12, 10, 11]);
    expect(Array.from(glyphsB!.deltaNegative)).toEqual([42, 40, 41]);
    expect(Array.from(glyphsB!.kept)).toEqual([52, 50, 51]);
    expect(Array.from(glyphsB!.update)).toEqual([62, 60, 61]);
  });
});
