// Small SVG charts (line, step, points) with axes, enough for pain, QoL, DVH and Kaplan-Meier
// curves. SVG attributes only (no inline styles), so the page runs under a strict CSP.
import { s } from './dom';

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  step?: boolean; // Kaplan-Meier: horizontal then vertical
  marks?: [number, number][]; // censoring marks (+)
}

export interface ChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  xMax?: number;
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
  below?: { label: string; values: [number, string][] }; // numbers at risk row
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

export function chart(series: Series[], o: ChartOptions): SVGElement {
  const W = o.width ?? 560, H = o.height ?? 300;
  const L = 56, R = 130, T = 28, B = o.below ? 76 : 44;
  const all = series.flatMap((x) => x.points);
  const xMax = o.xMax ?? Math.max(1, ...all.map((p) => p[0]));
  const yMin = o.yMin ?? Math.min(0, ...all.map((p) => p[1]));
  const yMax = o.yMax ?? Math.max(1, ...all.map((p) => p[1]));
  const X = (x: number) => L + ((W - L - R) * x) / xMax;
  const Y = (y: number) => T + ((H - T - B) * (yMax - y)) / (yMax - yMin || 1);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, class: 'chart', role: 'img', 'aria-label': o.title });
  svg.append(s('text', { x: L, y: 16, class: 'chart-title' }, o.title));
  for (const t of ticks(yMin, yMax)) {
    svg.append(s('line', { x1: L, x2: W - R, y1: Y(t), y2: Y(t), stroke: '#ddd' }));
    svg.append(s('text', { x: L - 6, y: Y(t) + 4, 'text-anchor': 'end', class: 'tick' }, String(t)));
  }
  for (const t of ticks(0, xMax)) {
    svg.append(s('line', { x1: X(t), x2: X(t), y1: H - B, y2: H - B + 4, stroke: '#555' }));
    svg.append(s('text', { x: X(t), y: H - B + 16, 'text-anchor': 'middle', class: 'tick' }, String(t)));
  }
  svg.append(s('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#555' }));
  svg.append(s('line', { x1: L, x2: L, y1: T, y2: H - B, stroke: '#555' }));
  svg.append(s('text', { x: (L + W - R) / 2, y: H - B + 32, 'text-anchor': 'middle', class: 'axis' }, o.xLabel));
  svg.append(s('text', { x: 14, y: (T + H - B) / 2, transform: `rotate(-90 14 ${(T + H - B) / 2})`, 'text-anchor': 'middle', class: 'axis' }, o.yLabel));
  series.forEach((sr, i) => {
    let d = '';
    sr.points.forEach(([x, y], k) => {
      if (k === 0) d += `M${X(x)},${Y(y)}`;
      else if (sr.step) d += `H${X(x)}V${Y(y)}`;
      else d += `L${X(x)},${Y(y)}`;
    });
    if (sr.step && sr.points.length) d += `H${X(xMax)}`;
    svg.append(s('path', { d, fill: 'none', stroke: sr.color, 'stroke-width': 2, class: 'series' }));
    if (!sr.step)
      for (const [x, y] of sr.points) svg.append(s('circle', { cx: X(x), cy: Y(y), r: 3, fill: sr.color }));
    for (const [x, y] of sr.marks ?? [])
      svg.append(s('path', { d: `M${X(x) - 4},${Y(y)}h8M${X(x)},${Y(y) - 4}v8`, stroke: sr.color, 'stroke-width': 1.5 }));
    svg.append(s('line', { x1: W - R + 10, x2: W - R + 28, y1: T + 8 + i * 16, y2: T + 8 + i * 16, stroke: sr.color, 'stroke-width': 3 }));
    svg.append(s('text', { x: W - R + 32, y: T + 12 + i * 16, class: 'legend' }, sr.name));
  });
  if (o.below) {
    svg.append(s('text', { x: L - 6, y: H - 10, 'text-anchor': 'end', class: 'tick' }, o.below.label));
    for (const [x, v] of o.below.values)
      svg.append(s('text', { x: X(x), y: H - 10, 'text-anchor': 'middle', class: 'tick risk' }, v));
  }
  return svg;
}
