// Plan review as a planning system shows it: three CT views (axial, sagittal, coronal) rendered by
// the server with structure outlines and isodose lines, and over them the applicator, dwell and
// prescription-point markers, orientation labels, a scale bar and linked crosshairs (a click in
// one view moves the other two there); zoom; the dose under the pointer; window/level checked.
// Then the target, cord and canal metrics of every engine with the TG-186 quantities, the DVH
// (both engines, the prescription line, a zoomable dose axis), dwell positions and times, the
// second check, and the physicist's approval (password and comment, in the page).
import './plan.css';
import { ApiError, get, Me, post } from '../api';
import { chart, Series } from '../chart';
import { Child, clear, fmt, h, s, table } from '../dom';
import { rationaleSection } from './evidence';

type Axis = 'axial' | 'sagittal' | 'coronal';
const AXES: Axis[] = ['axial', 'sagittal', 'coronal'];
type At = Record<Axis, { slice: number; u: number; v: number }>;
interface ViewGeom { w: number; h: number; du_mm: number; dv_mm: number; labels: { left: string; right: string; top: string; bottom: string } }
interface Marker { kind: 'applicator' | 'dwell' | 'prescription'; label: string; lps_mm: number[]; views: At; entry_views?: At; radius_mm?: number | null }
// A document of the plan folder; stale: why it is not the approved plan's (GET answers 409 then).
interface PlanDocument { name: string; bytes: number; stale?: string }
interface Approval { state: 'draft' | 'approved'; by: string; at: string; checksum: string; comment?: string }
interface PlanRow { id: string; plan_id?: string; patient?: string; level?: string; engine?: string; prescription_gy?: number; approved?: boolean; approved_by?: string; error?: string }
interface PlanData {
  id: string;
  plan: { id: string; level: string; prescription: Record<string, unknown>; approval: Approval; engine: Record<string, unknown> };
  summary: Record<string, any> | null;
  dvh: { engine: string; structure: string; volume_cc: number; dose_gy: number[]; volume_fraction: number[] }[];
  dwell: { access: string; position_lps: number[]; time_s: number | null }[];
  slices: Record<Axis, number>; start: Record<Axis, number>;
  structures: { name: string; color: string }[]; isodose: { percent: number; color: string; dose_gy: number }[];
  views: Record<Axis, ViewGeom>; markers: Marker[]; documents: PlanDocument[];
}
interface Readout { voxel: number[]; lps_mm: number[]; hu: number; dose_gy: number; percent_of_reference: number | null; structures: string[]; views: At }

export async function planListPage(app: HTMLElement) {
  const plans = await get<PlanRow[]>('/api/plans');
  clear(app, h('h1', {}, 'Plans'), plans.length ? table(['Folder', 'Plan', 'Patient', 'Level', 'Engine', 'Prescription', 'State'], plans.map((p) => [
    h('a', { href: `#/plan/${p.id}` }, p.id), fmt(p.plan_id), fmt(p.patient), fmt(p.level), fmt(p.engine),
    p.prescription_gy ? `${p.prescription_gy} Gy` : '–', p.error ? `unreadable: ${p.error}` : p.approved ? `approved by ${p.approved_by}` : 'draft']), { id: 'plans-table' })
    : h('p', {}, 'No plans: start kiort serve with --plans DIR.'));
}

const NA = 'not available';
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
// A value from summary.json, or "not available" (never a 0 for a missing number).
const show = (v: unknown, digits = 2, unit = '') => {
  const x = num(v);
  return x === null ? h('span', { class: 'na' }, NA) : `${x.toFixed(digits)}${unit}`;
};

// The dose quantities of TG-186 (Beaulieu et al., Med Phys 39 (2012) 6208): dose to medium in
// medium (Monte Carlo), dose to water in medium, dose to water in water (the TG-43-style engine).
const QUANTITIES = [
  { key: 'dm_m', label: 'Dm,m', title: 'dose to medium in medium (Monte Carlo)' },
  { key: 'dw_m', label: 'Dw,m', title: 'dose to water in medium' },
  { key: 'dw_w', label: 'Dw,w', title: 'dose to water in water (water engine, TG-43 style)' },
] as const;
type Quantity = (typeof QUANTITIES)[number]['key'];
const METRIC_ORDER = ['volume_cc', 'D90_gy', 'D98_gy', 'Dmean_gy', 'V100_pct', 'V150_pct', 'Dmax_gy', 'D0.1cc_gy', 'D0.03cc_gy', 'anterior_wall_Dmax_gy'];
const metricLabel = (k: string) => k.replace(/_gy$/, ' (Gy)').replace(/_pct$/, ' (%)').replace(/_cc$/, ' (cc)').replace(/_/g, ' ');
const isMetric = (k: string, v: unknown) => /_(gy|pct)$/.test(k) && num(v) !== null;

// One structure group's metrics per quantity: summary.json's target/cord/canal with dm_m, dw_m,
// dw_w objects; a summary written before them has flat keys for the plan's own engine and a
// water_engine object (the water engine's Dw,w).
function groupMetrics(g: Record<string, any> | null | undefined, engine: string): Partial<Record<Quantity, Record<string, unknown>>> {
  if (!g || typeof g !== 'object') return {};
  const out: Partial<Record<Quantity, Record<string, unknown>>> = {};
  for (const q of QUANTITIES) if (g[q.key] && typeof g[q.key] === 'object') out[q.key] = g[q.key];
  if (Object.keys(out).length) return out;
  const own: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(g)) if (isMetric(k, v)) own[k] = v;
  const primary: Quantity = engine === 'mc' ? 'dm_m' : 'dw_w';
  out[primary] = own;
  if (g.water_engine && typeof g.water_engine === 'object') out.dw_w = { ...(out.dw_w ?? {}), ...g.water_engine };
  return out;
}

function metricsTable(d: PlanData): HTMLElement {
  const engine = String(d.plan.engine.engine ?? '');
  const rows: Child[][] = [];
  for (const [group, what] of [['target', 'target'], ['cord', 'spinal cord / cauda'], ['canal', 'spinal canal']] as const) {
    const g = d.summary?.[group];
    const m = groupMetrics(g, engine);
    const keys = new Set<string>();
    for (const q of QUANTITIES) for (const [k, v] of Object.entries(m[q.key] ?? {})) if (isMetric(k, v)) keys.add(k);
    const name = g?.name ? `${g.name} (${what})` : what;
    if (!keys.size) {
      rows.push([name, NA, ...QUANTITIES.map(() => show(undefined))]);
      continue;
    }
    const ordered = [...keys].sort((a, b) => (METRIC_ORDER.indexOf(a) + 1 || 99) - (METRIC_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b));
    ordered.forEach((k, i) => rows.push([i === 0 ? `${name}${num(g?.volume_cc) !== null ? `, ${num(g.volume_cc)!.toFixed(1)} cc` : ''}` : '', metricLabel(k),
      ...QUANTITIES.map((q) => show(m[q.key]?.[k], /_pct$/.test(k) ? 1 : 2))]));
  }
  const t = table(['Structure', 'Metric', ...QUANTITIES.map((q) => q.label)], rows, { id: 'metrics-table', class: 'metrics' });
  QUANTITIES.forEach((q, i) => t.querySelectorAll('th')[2 + i].setAttribute('title', q.title));
  return t;
}

function pointTable(d: PlanData): HTMLElement {
  const rx = (d.summary?.prescription ?? {}) as Record<string, any>;
  const at = rx.dose_at_point && typeof rx.dose_at_point === 'object' ? rx.dose_at_point : null;
  const engine = String(d.plan.engine.engine ?? '');
  // Before dose_at_point: the plan's own engine at the point and the water engine's.
  const legacy: Partial<Record<Quantity, unknown>> = {};
  if (!at) {
    legacy[engine === 'mc' ? 'dm_m' : 'dw_w'] = rx.dose_at_point_medium_gy;
    legacy.dw_w ??= rx.dose_at_point_water_engine_gy;
  }
  const value = (q: Quantity) => (at ? at[`${q}_gy`] : legacy[q]);
  const sigma = at ? at.sigma_rel : engine === 'mc' ? rx.sigma_at_point_rel : undefined;
  const budget = d.summary?.uncertainty_budget?.combined_rel;
  return table(['Quantity', 'Value'], [
    ['Prescribed dose', show(rx.dose_gy ?? d.plan.prescription.dose_gy, 2, ' Gy')],
    ['Point', num(rx.depth_mm) !== null ? `${num(rx.depth_mm)} mm from the ${fmt(rx.from)}` : NA],
    ...QUANTITIES.map((q) => [`${q.label} at the point (${q.title})`, show(value(q.key), 3, ' Gy')]),
    ['Monte Carlo standard uncertainty at the point (1 σ)', num(sigma) !== null ? `${(100 * num(sigma)!).toFixed(2)} %` : h('span', { class: 'na' }, NA)],
    ['Combined standard uncertainty (uncertainty budget)', num(budget) !== null ? `${(100 * num(budget)!).toFixed(1)} %` : h('span', { class: 'na' }, NA)],
    ['Method', at?.method ? String(at.method) : h('span', { class: 'na' }, NA)],
    ['Bone/water dose ratio', num(d.summary?.bone_water_ratio) !== null ? `${num(d.summary!.bone_water_ratio)!.toFixed(3)} (${fmt(d.summary!.bone_water_ratio_structure)})` : h('span', { class: 'na' }, NA)],
  ], { id: 'rx-point-table', class: 'metrics' });
}

// Colours for DVH curves: distinct on white, none pale (no yellow), one per structure.
const DVH_COLORS = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#000000', '#8c510a', '#6a3d9a', '#e31a1c', '#00838f', '#737373', '#6b8e23', '#1a237e'];

function dvhSection(d: PlanData): HTMLElement {
  const engines = [...new Set(d.dvh.map((c) => c.engine))];
  const own = String(d.plan.engine.engine ?? '');
  engines.sort((a, b) => (a === own ? -1 : b === own ? 1 : a.localeCompare(b)));
  const names = [...new Set(d.dvh.map((c) => c.structure))];
  const color = (name: string) => DVH_COLORS[names.indexOf(name) % DVH_COLORS.length];
  const dash = (e: string) => (engines.indexOf(e) === 0 ? undefined : engines.indexOf(e) === 1 ? '7 4' : '2 3');
  const series: Series[] = d.dvh.map((c) => ({
    name: c.structure, color: color(c.structure), dash: dash(c.engine), dots: false, legend: c.engine === engines[0],
    points: c.dose_gy.map((x, k) => [x, 100 * c.volume_fraction[k]] as [number, number]),
  }));
  const maxDose = Math.max(1, ...d.dvh.flatMap((c) => c.dose_gy));
  const rxGy = num(d.plan.prescription.dose_gy) ?? 0;
  const from = h('input', { type: 'number', id: 'dvh-from', step: 'any', min: 0, value: 0 }) as HTMLInputElement;
  const to = h('input', { type: 'number', id: 'dvh-to', step: 'any', min: 0, value: +maxDose.toFixed(2) }) as HTMLInputElement;
  const msg = h('span', { id: 'dvh-error', class: 'error', role: 'alert' });
  const box = h('div', { class: 'dvh-box' });
  const draw = (lo: number, hi: number) => {
    msg.textContent = '';
    for (const el of [from, to]) el.setAttribute('aria-invalid', 'false');
    from.value = String(+lo.toFixed(3));
    to.value = String(+hi.toFixed(3));
    clear(box, chart(series, {
      id: 'dvh', title: `DVH (${engines.map((e, i) => `${e}${i ? ' dashed' : ' solid'}`).join(', ') || 'none'})`, xLabel: 'dose (Gy)', yLabel: 'volume (%)',
      xMin: lo, xMax: hi, yMin: 0, yMax: 100, width: 720, height: 340,
      vlines: rxGy > 0 ? [{ x: rxGy, label: `prescription ${rxGy} Gy`, color: '#1c2833' }] : [],
      styles: engines.length > 1 ? engines.map((e) => ({ name: `engine ${e}`, dash: dash(e) })) : [],
      onZoom: (a, b) => draw(a, b),
    }));
  };
  const apply = () => {
    const lo = Number(from.value), hi = Number(to.value);
    const bad = from.value === '' || to.value === '' || !Number.isFinite(lo) || !Number.isFinite(hi) || lo < 0 || hi <= lo;
    for (const el of [from, to]) el.setAttribute('aria-invalid', String(bad));
    msg.textContent = bad ? 'The dose axis needs 0 ≤ from < to (Gy).' : '';
    if (!bad) draw(lo, hi);
  };
  from.setAttribute('aria-describedby', 'dvh-error');
  to.setAttribute('aria-describedby', 'dvh-error');
  from.addEventListener('change', apply);
  to.addEventListener('change', apply);
  draw(0, maxDose);
  return h('section', { class: 'dvh' }, h('h2', {}, 'Dose-volume histograms'),
    h('div', { class: 'toolbar' }, h('label', { for: 'dvh-from' }, 'Dose axis from (Gy)'), from, h('label', { for: 'dvh-to' }, 'to'), to,
      h('button', { type: 'button', id: 'dvh-all', onclick: () => draw(0, maxDose) }, 'Whole range'),
      rxGy > 0 ? h('button', { type: 'button', id: 'dvh-low', onclick: () => draw(0, rxGy) }, 'Low doses (0 to prescription)') : null, msg),
    h('p', { class: 'hint' }, 'Drag across the plot to zoom the dose axis.'), box);
}

export async function planPage(app: HTMLElement, me: Me, id: string) {
  const d = await get<PlanData>(`/api/plans/${encodeURIComponent(id)}`);
  const base = `/api/plans/${encodeURIComponent(id)}`;
  let wl = { window: 400, level: 40 };
  let zoom = 1;
  const cursor: Record<Axis, number> = { ...d.start };
  const nz = d.slices.axial;
  const readout = h('p', { id: 'readout', class: 'readout' }, 'Point at a view for the dose there; click to move the crosshairs.');
  const SIZE = 340; // px, each view's square viewport
  const SVG = 'http://www.w3.org/2000/svg';

  const views = AXES.map((axis) => {
    const g = d.views[axis];
    const physW = g.w * g.du_mm, physH = g.h * g.dv_mm;
    const dispW = physW >= physH ? SIZE : (SIZE * physW) / physH;
    const dispH = physW >= physH ? (SIZE * physH) / physW : SIZE;
    const sx = dispW / g.w, sy = dispH / g.h;
    const img = h('img', { alt: `${axis} CT slice with structures and isodose lines`, class: 'slice', id: `slice-${axis}`, draggable: 'false' }) as HTMLImageElement;
    img.style.width = `${dispW}px`;
    img.style.height = `${dispH}px`;
    const overlay = document.createElementNS(SVG, 'svg');
    overlay.setAttribute('class', 'overlay');
    overlay.setAttribute('id', `overlay-${axis}`);
    overlay.setAttribute('viewBox', `0 0 ${dispW} ${dispH}`);
    overlay.setAttribute('width', String(dispW));
    overlay.setAttribute('height', String(dispH));
    overlay.setAttribute('aria-hidden', 'true');
    const stage = h('div', { class: 'stage' }, img, overlay);
    stage.style.width = `${dispW}px`;
    stage.style.height = `${dispH}px`;
    const orient = (where: string, text: string) => h('span', { class: `orient orient-${where}`, 'data-testid': `orient-${axis}-${where}` }, text);
    const barLine = h('span', { class: 'bar' });
    const barText = h('span', {});
    const scalebar = h('div', { class: 'scalebar', id: `scalebar-${axis}` }, barLine, barText);
    const viewport = h('div', { class: 'viewport', id: `view-${axis}` }, stage,
      orient('left', g.labels.left), orient('right', g.labels.right), orient('top', g.labels.top), orient('bottom', g.labels.bottom), scalebar);
    const slider = h('input', { type: 'range', min: 0, max: d.slices[axis] - 1, value: cursor[axis], id: `index-${axis}`, 'aria-label': `${axis} slice index` }) as HTMLInputElement;
    const label = h('span', { class: 'slice-label' });

    // Where the crosshair point lies in this view (display pixels of the unzoomed stage).
    const cross = () => {
      const u = axis === 'sagittal' ? cursor.coronal + 0.5 : cursor.sagittal + 0.5;
      const v = axis === 'axial' ? cursor.coronal + 0.5 : nz - 1 - cursor.axial + 0.5;
      return { x: u * sx, y: v * sy };
    };
    const layout = () => {
      const c = cross();
      const place = (disp: number, at: number) => (disp * zoom <= SIZE ? (SIZE - disp * zoom) / 2 : Math.min(0, Math.max(SIZE - disp * zoom, SIZE / 2 - at * zoom)));
      stage.style.transform = `translate(${place(dispW, c.x)}px, ${place(dispH, c.y)}px) scale(${zoom})`;
      // The longest round length that fits in a quarter of the view.
      const mmPerPx = physW / (dispW * zoom);
      const len = [1, 2, 5, 10, 20, 50, 100, 200].filter((mm) => mm / mmPerPx <= SIZE / 4).pop() ?? 1;
      barLine.style.width = `${len / mmPerPx}px`;
      barText.textContent = `${len} mm`;
      scalebar.dataset.mm = String(len);
      scalebar.dataset.px = String(len / mmPerPx);
    };
    const drawOverlay = () => {
      overlay.replaceChildren();
      const c = cross();
      overlay.append(s('line', { x1: c.x, x2: c.x, y1: 0, y2: dispH, class: 'crosshair', 'vector-effect': 'non-scaling-stroke' }),
        s('line', { x1: 0, x2: dispW, y1: c.y, y2: c.y, class: 'crosshair', 'vector-effect': 'non-scaling-stroke' }));
      for (const m of d.markers) {
        const p = m.views[axis];
        const onSlice = Math.abs(p.slice - cursor[axis]) <= 0.5;
        const cls = `marker ${m.kind} ${onSlice ? 'on' : 'off'}`;
        const title = s('title', {}, `${m.label}${onSlice ? '' : ' (on another slice: projected)'}`);
        if (m.kind === 'applicator' && m.entry_views) {
          const e = m.entry_views[axis];
          const width = m.radius_mm ? (2 * m.radius_mm * sx) / g.du_mm : 3;
          overlay.append(s('g', { class: cls, 'data-label': m.label }, title,
            s('line', { x1: e.u * sx, y1: e.v * sy, x2: p.u * sx, y2: p.v * sy, class: 'applicator-body', 'stroke-width': width, 'stroke-linecap': 'round' }),
            s('line', { x1: e.u * sx, y1: e.v * sy, x2: p.u * sx, y2: p.v * sy, class: 'applicator-axis' })));
        } else if (m.kind === 'dwell') {
          overlay.append(s('g', { class: cls, 'data-label': m.label }, title, s('circle', { cx: p.u * sx, cy: p.v * sy, r: 4 })));
        } else if (m.kind === 'prescription') {
          const x = p.u * sx, y = p.v * sy;
          overlay.append(s('g', { class: cls, 'data-label': m.label }, title, s('path', { d: `M${x},${y - 7}L${x + 7},${y}L${x},${y + 7}L${x - 7},${y}Z` })));
        }
      }
    };
    const load = () => {
      img.src = `${base}/slice?axis=${axis}&index=${cursor[axis]}&wl=${wl.window},${wl.level}`;
      label.textContent = `${axis} ${cursor[axis] + 1} / ${d.slices[axis]}`;
      slider.value = String(cursor[axis]);
      drawOverlay();
      layout();
    };
    slider.addEventListener('input', () => { cursor[axis] = Number(slider.value); refresh(); });
    viewport.addEventListener('wheel', (e) => {
      e.preventDefault();
      if (e.ctrlKey) return setZoom(zoom * (e.deltaY < 0 ? 1.25 : 0.8));
      cursor[axis] = Math.min(d.slices[axis] - 1, Math.max(0, cursor[axis] + Math.sign(e.deltaY)));
      refresh();
    });
    // The slice pixel under the pointer (the image's box includes the zoom).
    const pixel = (e: MouseEvent) => {
      const r = img.getBoundingClientRect();
      const u = Math.floor(((e.clientX - r.left) / r.width) * g.w), v = Math.floor(((e.clientY - r.top) / r.height) * g.h);
      return u >= 0 && v >= 0 && u < g.w && v < g.h ? { u, v } : null;
    };
    let busy = false;
    let pending: { u: number; v: number; move: boolean } | null = null;
    const query = async (q: { u: number; v: number; move: boolean }) => {
      if (busy) { pending = q; return; }
      busy = true;
      try {
        const r = await get<Readout>(`${base}/point?axis=${axis}&index=${cursor[axis]}&u=${q.u}&v=${q.v}`);
        const [x, y, z] = r.lps_mm;
        const pct = r.percent_of_reference === null ? '' : ` (${r.percent_of_reference.toFixed(0)} % of the prescription)`;
        readout.textContent = `${axis}: ${x >= 0 ? 'L' : 'R'} ${Math.abs(x).toFixed(1)}, ${y >= 0 ? 'P' : 'A'} ${Math.abs(y).toFixed(1)}, ${z >= 0 ? 'S' : 'I'} ${Math.abs(z).toFixed(1)} mm · ${r.hu} HU · dose ${r.dose_gy.toFixed(2)} Gy${pct}${r.structures.length ? ` · in ${r.structures.join(', ')}` : ''}`;
        readout.dataset.doseGy = String(r.dose_gy);
        if (q.move) {
          cursor.sagittal = r.voxel[0];
          cursor.coronal = r.voxel[1];
          cursor.axial = r.voxel[2];
          refresh();
        }
      } catch (err) {
        readout.textContent = `No readout: ${err instanceof Error ? err.message : String(err)}`;
      } finally {
        busy = false;
        const next = pending;
        pending = null;
        if (next) void query(next);
      }
    };
    viewport.addEventListener('mousemove', (e) => { const p = pixel(e); if (p) void query({ ...p, move: false }); });
    viewport.addEventListener('click', (e) => { const p = pixel(e); if (p) void query({ ...p, move: true }); });
    return { axis, load, layout, box: h('figure', { class: 'view' }, viewport, h('figcaption', {}, label, slider)) };
  });
  const refresh = () => views.forEach((v) => v.load());
  const zoomLabel = h('span', { id: 'zoom-level' }, '100 %');
  const setZoom = (z: number) => {
    zoom = Math.min(8, Math.max(1, z));
    zoomLabel.textContent = `${Math.round(zoom * 100)} %`;
    views.forEach((v) => v.layout());
  };

  const win = h('input', { type: 'number', id: 'window', value: wl.window, min: 1, max: 10000, 'aria-describedby': 'wl-error' }) as HTMLInputElement;
  const lev = h('input', { type: 'number', id: 'level', value: wl.level, min: -2000, max: 5000, 'aria-describedby': 'wl-error' }) as HTMLInputElement;
  const wlError = h('span', { id: 'wl-error', class: 'error', role: 'alert' });
  const applyWl = () => {
    const w = Number(win.value), l = Number(lev.value);
    const badW = win.value.trim() === '' || !Number.isFinite(w) || w < 1 || w > 10000;
    const badL = lev.value.trim() === '' || !Number.isFinite(l) || l < -2000 || l > 5000;
    win.setAttribute('aria-invalid', String(badW));
    lev.setAttribute('aria-invalid', String(badL));
    const errs = [badW ? `Window must be 1 to 10000 HU (got ${win.value || 'nothing'}).` : '', badL ? `Level must be -2000 to 5000 HU (got ${lev.value || 'nothing'}).` : ''].filter(Boolean);
    wlError.textContent = errs.join(' ');
    if (errs.length) return (badW ? win : lev).focus();
    wl = { window: w, level: l };
    refresh();
  };
  win.addEventListener('change', applyWl);
  lev.addEventListener('change', applyWl);
  const preset = (name: string, w: number, l: number) => h('button', { type: 'button', onclick: () => { win.value = String(w); lev.value = String(l); applyWl(); } }, name);

  const legend = h('div', { class: 'legend' },
    h('strong', {}, 'Isodose '), ...d.isodose.map((i) => h('span', { class: 'swatch-label' }, h('span', { class: 'swatch', 'data-color': i.color }), `${i.percent} % (${fmt(i.dose_gy, 2)} Gy)`)),
    h('br', {}), h('strong', {}, 'Structures '), ...d.structures.map((x) => h('span', { class: 'swatch-label' }, h('span', { class: 'swatch', 'data-color': x.color }), x.name)),
    h('br', {}), h('strong', {}, 'Markers '),
    h('span', { class: 'swatch-label' }, h('span', { class: 'swatch key-applicator' }), 'applicator'),
    h('span', { class: 'swatch-label' }, h('span', { class: 'swatch key-dwell' }), 'dwell position (hollow: on another slice)'),
    h('span', { class: 'swatch-label' }, h('span', { class: 'swatch key-prescription' }), 'prescription point'));
  // Colours set through the DOM (not inline style attributes), so the strict CSP holds.
  legend.querySelectorAll<HTMLElement>('.swatch[data-color]').forEach((el) => { el.style.background = el.dataset.color ?? ''; });

  const sc = d.summary?.second_check ?? null;
  // plan.json's approval.state (src/plan/plan.cpp plan_to_json) is the one source of truth.
  const approval = d.plan.approval;
  const approved = approval.state === 'approved';
  const status = h('div', { id: 'approval', class: approved ? 'approved' : 'draft' },
    approved ? `Approved by ${approval.by} at ${approval.at} (SHA-256 ${approval.checksum.slice(0, 16)}…)` : 'Draft: not approved',
    approved && approval.comment ? h('p', { id: 'approval-comment' }, `Comment: ${approval.comment}`) : null);
  const illustrative = d.summary?.calibration?.illustrative === true
    ? h('p', { class: 'banner illustrative', id: 'illustrative', role: 'alert' }, 'ILLUSTRATIVE CALIBRATION - NOT FOR CLINICAL USE') : null;

  // A stale document (written for the draft, or its rewrite at the approval failed) is not the
  // approved plan's: named with the reason, never linked (the server refuses it too).
  const docLink = (f: PlanDocument, text: string) => f.stale
    ? h('li', { class: 'stale', 'data-name': f.name }, `${text}: not the approved plan's (${f.stale})`)
    : h('li', {},
      h('a', { href: `${base}/documents/${f.name.split('/').map(encodeURIComponent).join('/')}`, download: f.name.split('/').pop() ?? f.name, 'data-name': f.name }, text),
      ` ${(f.bytes / 1024).toFixed(0)} KiB`);
  const stale = d.documents.filter((f) => f.stale);
  const ct = d.documents.filter((f) => /(^|\/)ct\//.test(f.name));
  const rt = d.documents.filter((f) => !ct.includes(f));
  const documents = approved
    ? h('section', { id: 'documents' }, h('h2', {}, 'Documents (read-only)'),
      stale.length ? h('p', { class: 'banner stale', id: 'documents-stale', role: 'alert' }, `${stale.length} document(s) of the plan folder are not the approved plan's and are not served; run kiort report again.`) : null,
      d.documents.length
      ? h('div', {}, h('ul', {}, ...rt.map((f) => docLink(f, f.name === 'report.pdf' ? 'Plan report (PDF)' : `DICOM ${f.name.replace(/^dicom\//, '')}`))),
        ct.length ? h('details', {}, h('summary', {}, `CT series the DICOM set refers to (${ct.length} files)`), h('ul', {}, ...ct.map((f) => docLink(f, f.name)))) : null)
      : h('p', {}, 'No report.pdf or DICOM set in the plan folder (kiort report --dicom-out writes them).'))
    : null;

  const rx = d.plan.prescription;
  // The prescription's rationale (issue 22): plan.json's (the current links), else the copy in
  // summary.json (what the last computation carried).
  const rationale = await rationaleSection((d.plan as Record<string, unknown>).rationale ?? d.summary?.rationale);
  clear(app,
    h('h1', {}, `Plan ${d.plan.id} (${d.plan.level})`),
    illustrative,
    h('p', { class: 'facts' }, `Prescription ${fmt(rx.dose_gy)} Gy at ${fmt(rx.depth_mm)} mm (${fmt(rx.kind)}), engine ${fmt(d.plan.engine.engine)}`),
    status, me.may_approve_plans && !approved ? approvalDialog(app, me, id, d) : null, documents,
    h('div', { class: 'toolbar' }, h('label', { for: 'window' }, 'Window (HU)'), win, h('label', { for: 'level' }, 'Level (HU)'), lev,
      preset('Soft tissue', 400, 40), preset('Bone', 1800, 400),
      h('span', { class: 'sep' }), h('span', {}, 'Zoom'),
      h('button', { type: 'button', id: 'zoom-out', 'aria-label': 'zoom out', onclick: () => setZoom(zoom / 1.5) }, '−'), zoomLabel,
      h('button', { type: 'button', id: 'zoom-in', 'aria-label': 'zoom in', onclick: () => setZoom(zoom * 1.5) }, '+'),
      h('button', { type: 'button', id: 'zoom-reset', onclick: () => setZoom(1) }, 'Fit')),
    wlError,
    h('div', { class: 'views' }, ...views.map((v) => v.box)), readout, legend,
    h('h2', {}, 'Dose metrics'), metricsTable(d),
    h('h2', {}, 'At the prescription point (TG-186 quantities)'), pointTable(d),
    dvhSection(d),
    h('h2', {}, 'Dwell positions and times'),
    table(['Access', 'Position LPS (mm)', 'Time (s)'], d.dwell.map((w) => [w.access, w.position_lps.map((x) => x.toFixed(1)).join(', '), fmt(w.time_s)]), { id: 'dwell-table' }),
    h('h2', {}, 'Second check'),
    sc ? table(['Method', 'Deviation', 'Tolerance', 'Result'], [[fmt(sc.method), `${(100 * Number(sc.deviation)).toFixed(2)} %`, `${(100 * Number(sc.tolerance)).toFixed(0)} %`,
      h('span', { class: sc.flagged ? 'badge overdue' : 'badge ok' }, sc.flagged ? 'FLAGGED' : 'pass')]], { id: 'second-check' }) : h('p', {}, 'No second check in summary.json.'),
    rationale,
    h('h2', {}, 'Messages'), (d.summary?.messages ?? []).length
      ? h('ul', {}, ...((d.summary?.messages ?? []) as string[]).map((m) => h('li', {}, m))) : h('p', {}, 'None.'));
  refresh();
}

// The approval in the page: the physicist's password again (the server checks it) and a comment
// stored with the approval; errors at their field. After approval the page is drawn anew from
// the server, so what it shows is what plan.json says.
function approvalDialog(app: HTMLElement, me: Me, id: string, d: PlanData): HTMLElement {
  const password = h('input', { type: 'password', id: 'approve-password', name: 'password', autocomplete: 'current-password', required: true, 'aria-describedby': 'approve-error' }) as HTMLInputElement;
  const comment = h('textarea', { id: 'approve-comment', name: 'comment', rows: 3, maxlength: 2000 }) as HTMLTextAreaElement;
  const error = h('p', { id: 'approve-error', class: 'error', role: 'alert' });
  const confirmBtn = h('button', { type: 'submit', id: 'approve-confirm' }, 'Approve') as HTMLButtonElement;
  const dialog = h('dialog', { id: 'approve-dialog', 'aria-labelledby': 'approve-title' }) as HTMLDialogElement;
  const form = h('form', { id: 'approve-form', novalidate: true, onsubmit: async (e: Event) => {
    e.preventDefault();
    error.textContent = '';
    password.removeAttribute('aria-invalid');
    if (!password.value) {
      password.setAttribute('aria-invalid', 'true');
      error.textContent = 'Enter your password to approve.';
      return password.focus();
    }
    confirmBtn.disabled = true;
    try {
      await post(`/api/plans/${encodeURIComponent(id)}/approve`, { password: password.value, comment: comment.value });
      dialog.close();
      await planPage(app, me, id);
    } catch (err) {
      const m = err instanceof ApiError ? err.message : String(err);
      error.textContent = `Not approved: ${m}`;
      if (err instanceof ApiError && err.field === 'password') {
        password.setAttribute('aria-invalid', 'true');
        password.select();
        password.focus();
      }
    } finally {
      confirmBtn.disabled = false;
    }
  } },
  h('h2', { id: 'approve-title' }, `Approve plan ${d.plan.id}`),
  h('p', {}, `You approve as ${me.user}. The approved plan is locked by its checksum; any change needs a new draft (kiort plan copy).`),
  h('label', { for: 'approve-password' }, 'Your password (required)'), password,
  h('label', { for: 'approve-comment' }, 'Comment (stored with the approval)'), comment,
  error,
  h('div', { class: 'row' }, confirmBtn, h('button', { type: 'button', id: 'approve-cancel', onclick: () => dialog.close() }, 'Cancel')));
  dialog.append(form);
  const open = h('button', { type: 'button', id: 'approve', onclick: () => { dialog.showModal(); password.focus(); } }, 'Approve plan…');
  return h('div', { class: 'approve' }, open, dialog);
}
