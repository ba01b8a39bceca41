/**
 * Detail views: a unit's response distribution for its top words (box plots: 25-75 box,
 * 9-91 whiskers, median line, mean diamond) and the response profile of the selected
 * word(s) over all units, in chip order, with up to three words overlaid.
 */
import { scaleBand, scaleLinear, type ScaleLinear } from "d3-scale";
import { create } from "d3-selection";
import { axisBottom, axisLeft } from "d3-axis";
import type { Svg } from "./svg";
import { BLUE, ORANGE } from "./colors";
import type { UnitDetail, WordDistribution } from "./viewModel";

/** Stroke styles that tell overlaid words apart without breaking the orange/blue rule. */
export const OVERLAY_DASHES = ["", "5 3", "1.5 2.5"];

export function drawUnitDetail(detail: UnitDetail, width: number): SVGSVGElement {
  // Each row carries its own index: d3's filter() renumbers, so positions must not come from it.
  const rows: (WordDistribution & { sign: number; row: number })[] = [
    ...detail.positive.map((d) => ({ ...d, sign: 1 })),
    ...detail.negative.map((d) => ({ ...d, sign: -1 })),
  ].map((d, row) => ({ ...d, row }));
  // Room for the longest "word (count)" label at about 6.5 px a character of the 11 px axis font.
  const longest = Math.max(0, ...rows.map((r) => wordLabel(r).length));
  const margin = { top: 22, right: 12, bottom: 26, left: Math.max(84, Math.ceil(6.5 * longest) + 8) };
  const height = margin.top + margin.bottom + rows.length * 16;
  const svg = create("svg")
    .attr("class", "detail unit-detail")
    .attr("xmlns", "http://www.w3.org/2000/svg")
    .attr("width", width)
    .attr("height", height)
    .attr("role", "img")
    .attr("aria-label", `Response distribution of unit ${detail.unit} for its top words`) as unknown as Svg;
  // Percentiles are NaN for words whose distribution was not sketched: those show the mean only.
  const hasBox = (d: WordDistribution) => [d.p9, d.p25, d.p50, d.p75, d.p91].every(Number.isFinite);
  let lo = 0;
  let hi = 0;
  for (const r of rows) {
    for (const v of hasBox(r) ? [r.p9, r.p91, r.mean] : [r.mean]) {
      if (Number.isFinite(v)) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    }
  }
  if (hi - lo < 1e-9) hi = lo + 1;
  const x = scaleLinear().domain([lo, hi]).nice().range([margin.left, width - margin.right]);
  const y = scaleBand<number>().domain(rows.map((_, i) => i)).range([margin.top, height - margin.bottom]).padding(0.25);
  svg.append("text").attr("class", "view-title").attr("x", 0).attr("y", 13)
    .text(`Unit ${detail.unit} (layer ${detail.layer}, ${detail.state}): response to its top words`);
  svg.append("g").attr("class", "axis").attr("transform", `translate(0,${height - margin.bottom})`).call(axisBottom(x).ticks(5));
  svg.append("g").attr("class", "axis").attr("transform", `translate(${margin.left},0)`)
    .call(axisLeft(y).tickFormat((i) => wordLabel(rows[i as number])).tickSize(0));
  svg.append("line").attr("class", "zero").attr("x1", x(0)).attr("x2", x(0)).attr("y1", margin.top).attr("y2", height - margin.bottom);
  const box = svg.selectAll("g.box").data(rows).join("g").attr("class", "box").attr("data-word", (d) => d.word);
  const boxed = box.filter((d) => hasBox(d));
  const band = y.bandwidth();
  boxed.append("line").attr("class", "whisker").attr("x1", (d) => x(d.p9)).attr("x2", (d) => x(d.p91))
    .attr("y1", (d) => (y(d.row) ?? 0) + band / 2).attr("y2", (d) => (y(d.row) ?? 0) + band / 2);
  for (const end of ["p9", "p91"] as const) {
    boxed.append("line").attr("class", "whisker").attr("x1", (d) => x(d[end])).attr("x2", (d) => x(d[end]))
      .attr("y1", (d) => (y(d.row) ?? 0) + 2).attr("y2", (d) => (y(d.row) ?? 0) + band - 2);
  }
  boxed.append("rect").attr("x", (d) => x(Math.min(d.p25, d.p75))).attr("y", (d) => y(d.row) ?? 0)
    .attr("width", (d) => Math.max(1, Math.abs(x(d.p75) - x(d.p25)))).attr("height", band)
    .attr("fill", (d) => (d.sign > 0 ? ORANGE : BLUE)).attr("fill-opacity", 0.55).attr("stroke", (d) => (d.sign > 0 ? ORANGE : BLUE));
  boxed.append("line").attr("class", "median").attr("x1", (d) => x(d.p50)).attr("x2", (d) => x(d.p50))
    .attr("y1", (d) => y(d.row) ?? 0).attr("y2", (d) => (y(d.row) ?? 0) + band);
  box.filter((d) => Number.isFinite(d.mean)).append("path").attr("class", "mean")
    .attr("d", (d) => {
      const cx = x(d.mean);
      const cy = (y(d.row) ?? 0) + band / 2;
      return `M${cx},${cy - 4}L${cx + 4},${cy}L${cx},${cy + 4}L${cx - 4},${cy}Z`;
    })
    .attr("fill", (d) => (hasBox(d) ? null : d.sign > 0 ? ORANGE : BLUE))
    .append("title").text((d) => `${d.word}: mean ${d.mean.toFixed(3)}${hasBox(d) ? `, median ${d.p50.toFixed(3)}` : " (no distribution recorded)"}${d.count !== undefined ? `, seen ${d.count.toLocaleString("en-US")}×` : ""}`);
  return svg.node() as SVGSVGElement;
}

/** A word with how often the corpus has it: a mean over 20 occurrences is not one over 2,000. */
function wordLabel(d: WordDistribution): string {
  return d.count !== undefined ? `${d.word} (${d.count.toLocaleString("en-US")})` : d.word;
}

export interface ProfileSeries {
  word: string;
  response: Float32Array;
}

/** Response profile over all units, in chip order: bars for the first word, lines for overlays. */
export function drawWordProfile(series: ProfileSeries[], unitOrder: number[][], width: number): SVGSVGElement {
  const margin = { top: 22, right: 8, bottom: 18, left: 40 };
  const height = 170;
  const order = unitOrder.flat();
  const svg = create("svg")
    .attr("class", "detail word-profile")
    .attr("xmlns", "http://www.w3.org/2000/svg")
    .attr("width", width)
    .attr("height", height)
    .attr("role", "img")
    .attr("aria-label", `Response profile over all units of ${series.map((s) => s.word).join(", ")}`) as unknown as Svg;
  let max = 1e-9;
  for (const s of series) for (const u of order) max = Math.max(max, Math.abs(s.response[u] ?? 0));
  const x = scaleLinear().domain([0, Math.max(1, order.length)]).range([margin.left, width - margin.right]);
  const y = scaleLinear().domain([-max, max]).nice().range([height - margin.bottom, margin.top]);
  svg.append("text").attr("class", "view-title").attr("x", 0).attr("y", 13)
    .text(`Response over all ${order.length} units (chip order): ${series.map((s) => s.word).join(" / ")}`);
  drawChipAxes(svg, x, y, unitOrder, margin, width, height);
  const barWidth = Math.max(0.5, x(1) - x(0) - 0.2);
  const first = series[0];
  if (first) {
    // Two paths (orange up, blue down) instead of one rect per unit: thousands of units stay cheap.
    let up = "";
    let down = "";
    const zero = y(0);
    order.forEach((unit, i) => {
      const v = first.response[unit] ?? 0;
      const bar = `M${x(i).toFixed(1)},${zero.toFixed(1)}h${barWidth.toFixed(2)}V${y(v).toFixed(1)}h${(-barWidth).toFixed(2)}Z`;
      if (v >= 0) up += bar;
      else down += bar;
    });
    const bars = svg.append("g").attr("class", "profile-bars");
    bars.append("path").attr("d", up).attr("fill", ORANGE);
    bars.append("path").attr("d", down).attr("fill", BLUE);
  }
  series.slice(1).forEach((s, n) => {
    const points = order.map((unit, i) => `${(x(i) + barWidth / 2).toFixed(1)},${y(s.response[unit] ?? 0).toFixed(1)}`);
    svg.append("polyline").attr("class", "overlay").attr("data-word", s.word).attr("points", points.join(" "))
      .attr("fill", "none").attr("stroke-dasharray", OVERLAY_DASHES[n + 1] ?? "");
  });
  const legend = svg.append("g").attr("class", "legend").attr("transform", `translate(${width - margin.right - 150},${margin.top})`);
  series.forEach((s, n) => {
    legend.append("line").attr("class", n === 0 ? "legend-bar" : "overlay").attr("x1", 0).attr("x2", 18).attr("y1", n * 12).attr("y2", n * 12)
      .attr("stroke-dasharray", OVERLAY_DASHES[n] ?? "");
    legend.append("text").attr("x", 22).attr("y", n * 12 + 4).text(s.word);
  });
  return svg.node() as SVGSVGElement;
}

interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/**
 * The value axis, the zero line and the chip boundaries (labelled U1, U2, ...) of a plot over all
 * units in chip order, so a profile reads chip by chip.
 */
export function drawChipAxes(
  svg: Svg,
  x: ScaleLinear<number, number>,
  y: ScaleLinear<number, number>,
  unitOrder: number[][],
  margin: Margin,
  width: number,
  height: number,
): void {
  svg.append("g").attr("class", "axis").attr("transform", `translate(${margin.left},0)`).call(axisLeft(y).ticks(4));
  svg.append("line").attr("class", "zero").attr("x1", margin.left).attr("x2", width - margin.right).attr("y1", y(0)).attr("y2", y(0));
  let offset = 0;
  unitOrder.forEach((units, c) => {
    svg.append("line").attr("class", "boundary").attr("x1", x(offset)).attr("x2", x(offset)).attr("y1", margin.top).attr("y2", height - margin.bottom);
    svg.append("text").attr("class", "chip-label").attr("x", x(offset + units.length / 2)).attr("y", height - 4).attr("text-anchor", "middle").text(`U${c + 1}`);
    offset += units.length;
  });
}
