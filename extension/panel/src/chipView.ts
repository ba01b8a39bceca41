/**
 * Memory chips: each unit cluster is a rectangle of small square cells, one per hidden unit.
 * Cells are coloured by the response of the selected word(s); with 2-3 words each cell is
 * split into vertical stripes, one per word, so the responses compare side by side. Coloured by
 * effect instead, all cells of a chip share its ablation effect at the selected token. Under each
 * chip, its output label ("→ positive"): which outputs the cluster pushes over the corpus.
 */
import type { G } from "./svg";
import { asButton, shorten } from "./svg";
import { NEUTRAL, divergingColour } from "./colors";
import type { ChipLayout } from "./layout";
import type { ChipOutput } from "./viewModel";

const OUTPUT_LABEL_CHARS = 22;

export interface ChipHandlers {
  onUnit(unit: number): void;
}

export interface DrawnChips {
  /** Colour every cell by one response vector per selected word (empty list = neutral). */
  recolour(responses: Float32Array[], scale: number): void;
  /** Colour every cell of chip i (display order) by values[i]: one colour a chip. */
  colourByChip(values: Float32Array, scale: number): void;
  /** Each chip's output label (display order); null removes them. */
  setOutputs(outputs: (ChipOutput | null)[] | null): void;
  /** Each chip's effect as a line of its tooltip and a data-effect attribute (null: none). */
  setEffects(lines: string[] | null, values: Float32Array | null): void;
}

export function drawChips(group: G, chips: ChipLayout[], cellSize: number, handlers: ChipHandlers): DrawnChips {
  group.selectAll("*").remove();
  const chipGroups = group
    .selectAll<SVGGElement, ChipLayout>("g.chip")
    .data(chips)
    .join("g")
    .attr("class", "chip")
    .attr("data-cluster", (d) => d.cluster);
  asButton(chipGroups, (d) => `Memory chip ${d.cluster + 1}: ${d.cells.length} units. Enter shows its first unit`)
    .on("click", (event: MouseEvent, d) => {
      const target = event.target as Element;
      const unit = target.getAttribute("data-unit");
      handlers.onUnit(unit !== null ? Number(unit) : d.cells[0].unit);
    });
  chipGroups
    .append("rect")
    .attr("class", "chip-frame")
    .attr("x", (d) => d.x)
    .attr("y", (d) => d.y)
    .attr("width", (d) => d.width)
    .attr("height", (d) => d.height)
    .attr("rx", 2);
  chipGroups
    .append("text")
    .attr("class", "chip-label")
    .attr("x", (d) => d.x - 4)
    .attr("y", (d) => d.y + 9)
    .attr("text-anchor", "end")
    .text((d) => `U${d.cluster + 1}`);
  const cellLayer = chipGroups.append("g").attr("class", "cells");
  const outputText = chipGroups
    .append("text")
    .attr("class", "chip-output")
    .attr("x", (d) => d.x + d.width)
    .attr("y", (d) => d.y + d.height + 8)
    .attr("text-anchor", "end");
  const titles = chipGroups.append("title");
  let outputLines: string[] = chips.map(() => "");
  let effectLines: string[] = chips.map(() => "");
  const writeTitles = () =>
    titles.text((d, i) => [`Memory chip U${d.cluster + 1}: ${d.cells.length} units`, outputLines[i], effectLines[i]].filter(Boolean).join("\n"));
  writeTitles();

  // One flat list of cells (the hot path of a word click touches only these).
  let cellNodes: SVGRectElement[] = [];
  let cellUnits: number[] = [];
  let cellChips: number[] = [];
  let cellFills: string[] = [];
  let stripes = 0;

  function build(count: number): void {
    cellLayer.selectAll("*").remove();
    cellNodes = [];
    cellUnits = [];
    cellChips = [];
    cellFills = [];
    const width = cellSize / count;
    cellLayer.each(function (chip, chipIndex) {
      const layer = this as SVGGElement;
      for (const cell of chip.cells) {
        for (let s = 0; s < count; s++) {
          const rect = document.createElementNS("http://www.w3.org/2000/svg", "rect");
          rect.setAttribute("class", "cell");
          rect.setAttribute("data-unit", String(cell.unit));
          rect.setAttribute("x", (cell.x + s * width).toFixed(2));
          rect.setAttribute("y", String(cell.y));
          rect.setAttribute("width", width.toFixed(2));
          rect.setAttribute("height", String(cellSize));
          rect.setAttribute("fill", NEUTRAL);
          layer.appendChild(rect);
          cellNodes.push(rect);
          cellUnits.push(cell.unit);
          cellChips.push(chipIndex);
          cellFills.push(NEUTRAL);
        }
      }
    });
    stripes = count;
  }
  build(1);

  // Touch only cells whose colour changes: fewer DOM writes, less to repaint.
  function paintCell(i: number, fill: string): void {
    if (fill !== cellFills[i]) {
      cellNodes[i].setAttribute("fill", fill);
      cellFills[i] = fill;
    }
  }

  return {
    recolour(responses: Float32Array[], scale: number): void {
      const count = Math.max(1, responses.length);
      if (count !== stripes) build(count);
      for (let i = 0; i < cellNodes.length; i++) {
        const response = responses[i % count];
        paintCell(i, response ? divergingColour(response[cellUnits[i]], scale) : NEUTRAL);
      }
    },
    colourByChip(values: Float32Array, scale: number): void {
      if (stripes !== 1) build(1);
      for (let i = 0; i < cellNodes.length; i++) paintCell(i, divergingColour(values[cellChips[i]] ?? 0, scale));
    },
    setOutputs(outputs: (ChipOutput | null)[] | null): void {
      outputText.text((_, i) => shorten(outputs?.[i]?.label ?? "", OUTPUT_LABEL_CHARS));
      outputLines = chips.map((_, i) => {
        const output = outputs?.[i];
        if (!output) return "";
        const raises = output.raises.length ? `raises ${output.raises.join(", ")}` : "";
        const lowers = output.lowers.length ? `lowers ${output.lowers.join(", ")}` : "";
        return [`over the corpus ${output.label || "pushes no output up"}`, raises, lowers].filter(Boolean).join("; ");
      });
      writeTitles();
    },
    setEffects(lines: string[] | null, values: Float32Array | null): void {
      effectLines = chips.map((_, i) => lines?.[i] ?? "");
      chipGroups.attr("data-effect", (_, i) => (values ? values[i].toPrecision(4) : null));
      writeTitles();
    },
  };
}
