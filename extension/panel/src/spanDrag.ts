/**
 * Drag across the sentence view's tokens to select a span (pattern search): a press on one token
 * row and a release on another. A press and release on the same row stays a click.
 */
export function listenForSpanDrag(container: HTMLElement, onSpan: (first: number, last: number) => void): void {
  let from: number | null = null;
  const tokenUnder = (event: MouseEvent): number | null => {
    const row = (event.target as Element | null)?.closest?.("svg.main-view g.glyph[data-token]");
    return row ? Number(row.getAttribute("data-token")) : null;
  };
  container.addEventListener("mousedown", (event) => {
    from = event.button === 0 ? tokenUnder(event) : null;
  });
  container.addEventListener("mouseup", (event) => {
    const to = tokenUnder(event);
    if (from !== null && to !== null && to !== from) onSpan(Math.min(from, to), Math.max(from, to));
    from = null;
  });
}
