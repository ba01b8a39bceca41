/** Small helpers for building SVG with d3 selections (typed once, used by every view). */
import type { Selection } from "d3-selection";

export type G = Selection<SVGGElement, unknown, null, undefined>;
export type Svg = Selection<SVGSVGElement, unknown, null, undefined>;

/** Make an SVG element focusable and operable like a button (Enter/Space = click). */
export function asButton<E extends Element>(
  selection: Selection<E, any, any, any>,
  label: (d: any) => string,
): Selection<E, any, any, any> {
  return selection
    .attr("tabindex", 0)
    .attr("role", "button")
    .attr("aria-label", label)
    .on("keydown.button", function (this: E, rawEvent: Event) {
      const event = rawEvent as KeyboardEvent;
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        (this as Element).dispatchEvent(new MouseEvent("click", { bubbles: true, shiftKey: event.shiftKey }));
      }
    });
}

export function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
