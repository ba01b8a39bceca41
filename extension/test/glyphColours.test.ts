/**
 * The panel's sentence glyphs and the hover image draw a change the same colour: the hover's
 * PNG is drawn and decoded by Python (extension/test/support/hover_glyph_colours.py) for
 * planted glyph rows, and every change bar's colour is compared with the panel's.
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { BLUE, ORANGE, deltaColour } from "../panel/src/colors";

const repo = resolve(__dirname, "../..");
const python = resolve(repo, ".venv/bin/python");

// Each cluster plants one case: positive information growing / shrinking, negative growing / shrinking.
const ROWS = [
  { positive: [1, 1, 0.6, 0.6], negative: [1, 1, 0.6, 0.6], delta_positive: [0.5, -0.5, 0.3, -0.3], delta_negative: [0.5, -0.5, -0.3, 0.3], kept: [0.5, 0.5, 0.5, 0.5] },
  { positive: [0.2, 0.9, 0.1], negative: [0.9, 0.2, 0.8], delta_positive: [-0.2, 0.9, 0.1], delta_negative: [0.9, -0.2, -0.8], kept: [1, 0, 0.3] },
];

function hoverColours(): { positive: string[]; negative: string[] }[] {
  const run = spawnSync(python, [resolve(repo, "extension/test/support/hover_glyph_colours.py")], { cwd: repo, input: JSON.stringify(ROWS), encoding: "utf8" });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

const name = (colour: string) => (colour === ORANGE ? "orange" : colour === BLUE ? "blue" : colour);

describe("glyph colours", () => {
  it("the panel colours every change bar as the hover image does", () => {
    const hover = hoverColours();
    ROWS.forEach((row, r) => {
      expect(row.delta_positive.map((d) => name(deltaColour("positive", d)))).toEqual(hover[r].positive);
      expect(row.delta_negative.map((d) => name(deltaColour("negative", d)))).toEqual(hover[r].negative);
    });
  });

  it("more negative information is a decrease (blue); less of it an increase (orange)", () => {
    expect(deltaColour("negative", 0.4)).toBe(BLUE);
    expect(deltaColour("negative", -0.4)).toBe(ORANGE);
    expect(deltaColour("positive", 0.4)).toBe(ORANGE);
    expect(deltaColour("positive", -0.4)).toBe(BLUE);
  });
});
