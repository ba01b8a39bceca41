/**
 * Export of the current view as one SVG file (styles inlined, so it looks the same outside the
 * panel and in either theme) or as a PNG rendered from that SVG.
 */

const STYLE_PROPERTIES = ["fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-dasharray", "opacity", "font-size", "font-family", "font-weight", "text-decoration"];

function inlineStyles(source: Element, target: Element): void {
  const computed = getComputedStyle(source);
  // Through the CSSOM, not setAttribute("style"): the page's CSP (no 'unsafe-inline') refuses
  // style attributes but allows this, and the serialised SVG carries it as a style attribute.
  const style = (target as SVGElement | HTMLElement).style;
  for (const p of STYLE_PROPERTIES) style.setProperty(p, computed.getPropertyValue(p));
  for (let i = 0; i < source.children.length; i++) inlineStyles(source.children[i], target.children[i]);
}

/** Stack the given SVGs vertically into one standalone SVG document. */
export function composeSvg(svgs: SVGSVGElement[], background: string): { text: string; width: number; height: number } {
  const ns = "http://www.w3.org/2000/svg";
  let width = 0;
  let height = 0;
  const root = document.createElementNS(ns, "svg");
  root.setAttribute("xmlns", ns);
  const bg = document.createElementNS(ns, "rect");
  root.append(bg);
  const placed: { svg: SVGSVGElement; x: number; y: number }[] = [];
  let x = 0;
  for (const svg of svgs) {
    // Side-by-side comparison views share a row; everything else stacks.
    const sideB = svg.classList.contains("side-b");
    const w = Number(svg.getAttribute("width")) || svg.getBoundingClientRect().width;
    const h = Number(svg.getAttribute("height")) || svg.getBoundingClientRect().height;
    const top = sideB && placed.length ? placed[placed.length - 1].y : height;
    const left = sideB ? x + 24 : 0;
    placed.push({ svg, x: left, y: top });
    x = left + w;
    width = Math.max(width, left + w);
    height = Math.max(height, top + h + 8);
  }
  for (const { svg, x: left, y: top } of placed) {
    const clone = svg.cloneNode(true) as SVGSVGElement;
    inlineStyles(svg, clone);
    clone.setAttribute("x", String(left));
    clone.setAttribute("y", String(top));
    root.append(clone);
  }
  bg.setAttribute("width", String(width));
  bg.setAttribute("height", String(height));
  bg.setAttribute("fill", background);
  root.setAttribute("width", String(width));
  root.setAttribute("height", String(height));
  root.setAttribute("viewBox", `0 0 ${width} ${height}`);
  return { text: new XMLSerializer().serializeToString(root), width, height };
}

export async function svgToPng(svg: { text: string; width: number; height: number }, scale = 2): Promise<Uint8Array> {
  const image = new Image();
  const url = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg.text)}`;
  await new Promise<void>((resolve, reject) => {
    image.onload = () => resolve();
    image.onerror = () => reject(new Error("could not render the SVG"));
    image.src = url;
  });
  const canvas = document.createElement("canvas");
  canvas.width = Math.ceil(svg.width * scale);
  canvas.height = Math.ceil(svg.height * scale);
  const context = canvas.getContext("2d");
  if (!context) throw new Error("no 2D canvas");
  context.scale(scale, scale);
  context.drawImage(image, 0, 0);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, "image/png"));
  if (!blob) throw new Error("could not encode the PNG");
  return new Uint8Array(await blob.arrayBuffer());
}
