// Small SVG charts (line, step, points) with axes, enough for pain, QoL, DVH and Kaplan-Meier
// curves: confidence bands, error bars, dashed series, vertical reference lines, a zoomable x
// range (drag across the plot) and ticks placed where the caller says (numbers at risk under
// their own ticks). SVG attributes only (no inline styles), so the page runs under a strict CSP.
import { s } from './dom';

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  step?: boolean; // Kaplan-Meier: horizontal then vertical
  marks?: [number, number][]; // censoring marks (+)
  dots?: boolean; // a dot per point (default: only for lines of up to 40 points, never for steps)
  dash?: string; // stroke-dasharray, e.g. '6 4'
  band?: [number, number, number][]; // (x, low, high): a shaded confidence band (step when step)
  errors?: [number, number, number][]; // (x, low, high): error bars
  legend?: boolean; // false: not listed in the legend (a second engine's curve of the same name)
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  xMin?: number;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
  xTicks?: number[]; // where the x ticks go (default: round numbers)
  xTickLabel?: (x: number) => string;
  below?: { label: string; values: [number, string][] }; // numbers at risk row
  vlines?: { x: number; label: string; color: string }[]; // e.g. the prescription dose
  styles?: { name: string; dash?: string }[]; // extra legend rows: what a line style means
  onZoom?: (x0: number, x1: number) => void; // drag across the plot to choose an x range
  id?: string;
}

function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((x) => x >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(+v.toFixed(6));
  return out;
}

// Clips a polyline to x in [lo, hi] (interpolating at the edges), so a zoomed chart draws nothing
// outside its plot.
function clip(points: [number, number][], lo: number, hi: number, step: boolean): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < points.length; k++) {
    const [x, y] = points[k];
    const prev = points[k - 1];
    if (x < lo) continue;
    if (prev && prev[0] < lo) out.push([lo, step ? prev[1] : prev[1] + ((y - prev[1]) * (lo - prev[0])) / (x - prev[0] || 1)]);
    if (x > hi) {
      if (prev && prev[0] <= hi) out.push([hi, step ? prev[1] : prev[1] + ((y - prev[1]) * (hi - prev[0])) / (x - prev[0] || 1)]);
      break;
    }
    out.push([x, y]);
  }
  return out;
}

export function chart(series: Series[], o: ChartOptions): SVGElement {
  const W = o.width ?? 560, H = o.height ?? 300;
  const L = 56, R = 130, T = 28, B = o.below ? 76 : 44;
  const all = series.flatMap((x) => x.points);
  const xMin = o.xMin ?? 0;
  const xMax = Math.max(xMin + 1e-9, o.xMax ?? Math.max(1, ...all.map((p) => p[0])));
  const yMin = o.yMin ?? Math.min(0, ...all.map((p) => p[1]));
  const yMax = o.yMax ?? Math.max(1, ...all.map((p) => p[1]));
  const X = (x: number) => L + ((W - L - R) * (x - xMin)) / (xMax - xMin);
  const Y = (y: number) => T + ((H - T - B) * (yMax - y)) / (yMax - yMin || 1);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart', role: 'img', 'aria-label': o.title, id: o.id });
  svg.append(s('title', {}, o.title));
  svg.append(s('text', { x: L, y: 16, class: 'chart-title' }, o.title));
  for (const t of ticks(yMin, yMax)) {
    svg.append(s('line', { x1: L, x2: W - R, y1: Y(t), y2: Y(t), stroke: '#ddd' }));
    svg.append(s('text', { x: L - 6, y: Y(t) + 4, 'text-anchor': 'end', class: 'tick' }, String(t)));
  }
  const xt = (o.xTicks ?? ticks(xMin, xMax)).filter((t) => t >= xMin - 1e-9 && t <= xMax + 1e-9);
  for (const t of xt) {
    svg.append(s('line', { x1: X(t), x2: X(t), y1: H - B, y2: H - B + 4, stroke: '#555', class: 'xtick' }));
    svg.append(s('text', { x: X(t), y: H - B + 16, 'text-anchor': 'middle', class: 'tick' }, o.xTickLabel ? o.xTickLabel(t) : String(t)));
  }
  svg.append(s('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#555' }));
  svg.append(s('line', { x1: L, x2: L, y1: T, y2: H - B, stroke: '#555' }));
  svg.append(s('text', { x: (L + W - R) / 2, y: H - B + 32, 'text-anchor': 'middle', class: 'axis' }, o.xLabel));
  svg.append(s('text', { x: 14, y: (T + H - B) / 2, transform: `rotate(-90 14 ${(T + H - B) / 2})`, 'text-anchor': 'middle', class: 'axis' }, o.yLabel));
  let legendRow = 0;
  const legend = (color: string, name: string, dash?: string) => {
    const y = T + 8 + legendRow++ * 16;
    svg.append(s('line', { x1: W - R + 10, x2: W - R + 28, y1: y, y2: y, stroke: color, 'stroke-width': 3, 'stroke-dasharray': dash }));
    svg.append(s('text', { x: W - R + 32, y: y + 4, class: 'legend' }, name));
  };
  // A step function's corners (x0, y0), (x1, y0), (x1, y1), ... up to xEnd; a line's own points.
  const vertices = (pts: [number, number][], step: boolean, xEnd: number): [number, number][] => {
    if (!step) return pts;
    const out: [number, number][] = [];
    pts.forEach(([x, y], k) => {
      if (k > 0) out.push([x, pts[k - 1][1]]);
      out.push([x, y]);
    });
    if (pts.length) out.push([xEnd, pts[pts.length - 1][1]]);
    return out;
  };
  for (const sr of series) {
    if (!sr.band?.length) continue;
    const lo = vertices(clip(sr.band.map(([x, l]) => [x, l] as [number, number]), xMin, xMax, !!sr.step), !!sr.step, xMax);
    const hi = vertices(clip(sr.band.map(([x, , u]) => [x, u] as [number, number]), xMin, xMax, !!sr.step), !!sr.step, xMax);
    const poly = [...hi, ...lo.reverse()];
    if (poly.length < 3) continue;
    const d = poly.map(([x, y], k) => `${k ? 'L' : 'M'}${X(x)},${Y(y)}`).join('') + 'Z';
    svg.append(s('path', { d, fill: sr.color, 'fill-opacity': 0.15, stroke: 'none', class: 'band' }));
  }
  series.forEach((sr) => {
    const pts = clip(sr.points, xMin, xMax, !!sr.step);
    let d = '';
    pts.forEach(([x, y], k) => {
      if (k === 0) d += `M${X(x)},${Y(y)}`;
      else if (sr.step) d += `H${X(x)}V${Y(y)}`;
      else d += `L${X(x)},${Y(y)}`;
    });
    if (sr.step && pts.length && (sr.points[sr.points.length - 1]?.[0] ?? 0) >= xMin) d += `H${X(xMax)}`;
    svg.append(s('path', { d, fill: 'none', stroke: sr.color, 'stroke-width': 2, 'stroke-dasharray': sr.dash, class: 'series', 'data-name': sr.name }));
    for (const [x, lo, hi] of sr.errors ?? []) {
      if (x < xMin || x > xMax) continue;
      svg.append(s('path', { d: `M${X(x)},${Y(lo)}V${Y(hi)}M${X(x) - 4},${Y(lo)}h8M${X(x) - 4},${Y(hi)}h8`, stroke: sr.color, 'stroke-width': 1.2, fill: 'none', class: 'errorbar' }));
    }
    if (sr.dots ?? (!sr.step && sr.points.length <= 40))
      for (const [x, y] of pts) svg.append(s('circle', { cx: X(x), cy: Y(y), r: 3, fill: sr.color, class: 'dot' }));
    for (const [x, y] of sr.marks ?? [])
      if (x >= xMin && x <= xMax) svg.append(s('path', { d: `M${X(x) - 4},${Y(y)}h8M${X(x)},${Y(y) - 4}v8`, stroke: sr.color, 'stroke-width': 1.5 }));
    if (sr.legend !== false) legend(sr.color, sr.name, sr.dash);
  });
  for (const st of o.styles ?? []) legend('#444', st.name, st.dash);
  for (const v of o.vlines ?? []) {
    if (v.x < xMin || v.x > xMax) continue;
    svg.append(s('line', { x1: X(v.x), x2: X(v.x), y1: T, y2: H - B, stroke: v.color, 'stroke-width': 1.5, 'stroke-dasharray': '2 3', class: 'vline' }));
    svg.append(s('text', { x: X(v.x) + 4, y: T + 10, class: 'legend' }, v.label));
  }
  if (o.below) {
    svg.append(s('text', { x: L - 6, y: H - 10, 'text-anchor': 'end', class: 'tick' }, o.below.label));
    for (const [x, v] of o.below.values)
      if (x >= xMin - 1e-9 && x <= xMax + 1e-9)
        svg.append(s('text', { x: X(x), y: H - 10, 'text-anchor': 'middle', class: 'tick risk' }, v));
  }
  if (o.onZoom) {
    // Drag across the plot: the x range between press and release becomes the new axis.
    const sel = s('rect', { x: 0, y: T, width: 0, height: H - T - B, fill: '#1b4f72', 'fill-opacity': 0.15, class: 'zoom-select' });
    svg.append(sel);
    const toData = (e: PointerEvent) => {
      const r = (svg as unknown as SVGSVGElement).getBoundingClientRect();
      const px = ((e.clientX - r.left) * W) / (r.width || W);
      return { px: Math.min(W - R, Math.max(L, px)), x: xMin + ((Math.min(W - R, Math.max(L, px)) - L) * (xMax - xMin)) / (W - L - R) };
    };
    let start: { px: number; x: number } | null = null;
    svg.addEventListener('pointerdown', (e) => { start = toData(e as PointerEvent); (svg as Element).setPointerCapture?.((e as PointerEvent).pointerId); });
    svg.addEventListener('pointermove', (e) => {
      if (!start) return;
      const p = toData(e as PointerEvent);
      sel.setAttribute('x', String(Math.min(start.px, p.px)));
      sel.setAttribute('width', String(Math.abs(p.px - start.px)));
    });
    svg.addEventListener('pointerup', (e) => {
      if (!start) return;
      const p = toData(e as PointerEvent);
      const [a, b] = [Math.min(start.x, p.x), Math.max(start.x, p.x)];
      start = null;
      sel.setAttribute('width', '0');
      if (b - a > (xMax - xMin) / 100) o.onZoom?.(a, b);
    });
  }
  return svg;
}

// The chart as a PNG file (for export): the SVG drawn on a canvas at twice its size, white behind.
export async function chartPng(svg: SVGElement): Promise<Blob> {
  const clone = svg.cloneNode(true) as SVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const style = document.createElementNS('http://www.w3.org/2000/svg', 'style');
  style.textContent = 'text{font:11px sans-serif;fill:#1c2833}.chart-title{font-size:13px;font-weight:bold}';
  clone.prepend(style);
  const W = Number(svg.getAttribute('width')), H = Number(svg.getAttribute('height'));
  const xml = new XMLSerializer().serializeToString(clone);
  const img = new Image();
  img.src = 'data:image/svg+xml;base64,' + btoa(unescape(encodeURIComponent(xml)));
  await img.decode();
  const c = document.createElement('canvas');
  c.width = 2 * W;
  c.height = 2 * H;
  const g = c.getContext('2d')!;
  g.fillStyle = '#fff';
  g.fillRect(0, 0, c.width, c.height);
  g.drawImage(img, 0, 0, c.width, c.height);
  return new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error('no PNG'))), 'image/png'));
}

// Offers a file to download (CSV, PNG) under a name.
export function download(blob: Blob, name: string) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}
