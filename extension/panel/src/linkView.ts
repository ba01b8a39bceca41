/** Links between memory chips and word clouds: width = strength, colour = sign, filtered. */
import type { G } from "./svg";
import { signColour } from "./colors";
import type { LinkShape } from "./layout";

export function drawLinks(group: G, shapes: LinkShape[]): void {
  group.selectAll("*").remove();
  group
    .selectAll<SVGPathElement, LinkShape>("path.link")
    .data(shapes)
    .join("path")
    .attr("class", "link")
    .attr("data-word-cluster", (d) => d.wordCluster)
    .attr("data-unit-cluster", (d) => d.unitCluster)
    .attr("d", (d) => d.path)
    .attr("fill", "none")
    .attr("stroke", (d) => signColour(d.strength))
    .attr("stroke-width", (d) => d.width.toFixed(2))
    .attr("stroke-opacity", 0.55)
    .append("title")
    .text((d) => `word cluster W${d.wordCluster + 1} - unit cluster U${d.unitCluster + 1}: ${d.strength.toFixed(3)}`);
}
