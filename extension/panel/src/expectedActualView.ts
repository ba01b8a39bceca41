/**
 * A word's expected response over all units (chip order) with its percentile bands (25-75 and
 * 9-91 over the statistics' kept samples), and the actual response at a clicked token of that
 * word overlaid: where this occurrence departs from how the word usually moves the memory.
 */
import { scaleLinear } from "d3-scale";
import { create } from "d3-selection";
import type { Svg } from "./svg";
import { BLUE, ORANGE } from "./colors";
import { drawChipAxes } from "./detailView";

export interface ExpectedActual {
  word: string;
  /** Mean response per unit (H). */
  expected: Float32Array;
  /** Percentiles 9/25/50/75/91 per unit, row-major 5 x H; null when the word was not sketched. */
  percentiles: Float32Array | null;
  /** The response at the clicked token (H), with the token's text; null for a word alone. */
  actual: { token: string; response: Float32Array } | null;
}

/** Units whose actual response lies inside the word's 9-91 band (the count shown and tested). */
export function insideBand(percentiles: Float32Array, actual: Float32Array): number {
  const h = actual.length;
  let inside = 0;
  for (let u = 0; u < h; u++) if (actual[u] >= percentiles[u] && actual[u] <= percentiles[4 * h + u]) inside++;
  return inside;
}

export function drawExpectedActual(data: ExpectedActual, unitOrder: number[][], width: number): SVGSVGElement {
  const margin = { top: 22, right: 8, bottom: 18, left: 40 };
  const height = 190;
  const order = unitOrder.flat();
  const h = data.expected.length;
  const p = data.percentiles;
  const actual = data.actual;
  const svg = create("svg")
    .attr("class", "detail word-profile expected-actual")
    .attr("xmlns", "http://www.w3.org/2000/svg")
    .attr("width", width)
    .attr("height", height)
    .attr("role", "img")
    .attr("aria-label", `Expected response of ${data.word}${p ? " with percentile bands" : ""}${actual ? ` and the actual response at ${actual.token}` : ""}`) as unknown as Svg;
  let lo = 0;
  let hi = 0;
  const see = (v: number) => {
    if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
  };
  for (const u of order) {
    see(data.expected[u]);
    if (p) (see(p[u]), see(p[4 * h + u]));
    if (actual) see(actual.response[u]);
  }
  if (hi - lo < 1e-9) hi = lo + 1;
  const x = scaleLinear().domain([0, Math.max(1, order.length)]).range([margin.left, width - margin.right]);
  const y = scaleLinear().domain([lo, hi]).nice().range([height - margin.bottom, margin.top]);
  const inside = p && actual ? insideBand(p, actual.response) : null;
  const title = actual
    ? `“${data.word}”: expected response vs actual at this token${inside !== null ? ` (${inside} of ${h} units inside the 9–91 % band)` : ""}`
    : `“${data.word}”: expected response${p ? " with 25–75 % and 9–91 % bands" : ""}`;
  svg.append("text").attr("class", "view-title").attr("x", 0).attr("y", 13).text(title);
  drawChipAxes(svg, x, y, unitOrder, margin, width, height);
  const step = x(1) - x(0);
  if (p) {
    // One path per band (a rectangle per unit): thousands of units stay one element each.
    const band = (low: number, high: number) => {
      let d = "";
      order.forEach((unit, i) => {
        const top = y(p[high * h + unit]);
        const bottom = y(p[low * h + unit]);
        d += `M${x(i).toFixed(1)},${top.toFixed(1)}h${Math.max(0.5, step).toFixed(2)}V${bottom.toFixed(1)}h${(-Math.max(0.5, step)).toFixed(2)}Z`;
      });
      return d;
    };
    svg.append("path").attr("class", "band band-9-91").attr("d", band(0, 4));
    svg.append("path").attr("class", "band band-25-75").attr("d", band(1, 3));
  }
  const line = (values: Float32Array) => order.map((unit, i) => `${(x(i) + step / 2).toFixed(1)},${y(values[unit] ?? 0).toFixed(1)}`).join(" ");
  svg.append("polyline").attr("class", "expected").attr("points", line(data.expected)).attr("fill", "none");
  if (actual) {
    // The actual response as marks coloured by sign (orange up, blue down), one path per colour.
    let up = "";
    let down = "";
    const size = Math.max(1.5, Math.min(4, step));
    order.forEach((unit, i) => {
      const v = actual.response[unit] ?? 0;
      const mark = `M${(x(i) + step / 2 - size / 2).toFixed(1)},${(y(v) - size / 2).toFixed(1)}h${size.toFixed(1)}v${size.toFixed(1)}h${(-size).toFixed(1)}Z`;
      if (v >= 0) up += mark;
      else down += mark;
    });
    const marks = svg.append("g").attr("class", "actual").attr("data-inside", inside ?? "");
    marks.append("path").attr("d", up).attr("fill", ORANGE);
    marks.append("path").attr("d", down).attr("fill", BLUE);
  }
  const legend = svg.append("g").attr("class", "legend").attr("transform", `translate(${width - margin.right - 190},${margin.top})`);
  const entries: [string, string][] = [["expected", `expected (mean of “${data.word}”)`]];
  if (p) entries.push(["band band-25-75", "25–75 % of its kept samples"], ["band band-9-91", "9–91 %"]);
  if (actual) entries.push(["actual-key", `actual at “${actual.token}”`]);
  entries.forEach(([kind, label], n) => {
    if (kind === "expected") legend.append("line").attr("class", "expected").attr("x1", 0).attr("x2", 18).attr("y1", n * 12).attr("y2", n * 12);
    else if (kind === "actual-key") legend.append("rect").attr("x", 6).attr("y", n * 12 - 3).attr("width", 6).attr("height", 6).attr("fill", ORANGE);
    else legend.append("rect").attr("class", kind).attr("x", 0).attr("y", n * 12 - 4).attr("width", 18).attr("height", 8);
    legend.append("text").attr("x", 22).attr("y", n * 12 + 4).text(label);
  });
  return svg.node() as SVGSVGElement;
}
