// Plan review: three CT views (axial, sagittal, coronal) rendered by the server with structure
// outlines and isodose lines; scroll with the slider or the mouse wheel; window/level. Then the
// DVH, dwell positions and times, the second check, and the physicist's approval.
import { ApiError, get, Me, post } from '../api';
import { chart } from '../chart';
import { clear, fmt, h, table } from '../dom';

interface PlanRow { id: string; plan_id?: string; patient?: string; level?: string; engine?: string; prescription_gy?: number; approved?: boolean; approved_by?: string; error?: string }
interface PlanData {
  id: string;
  plan: { id: string; level: string; prescription: Record<string, unknown>; approval: { state: 'draft' | 'approved'; by: string; at: string; checksum: string }; engine: Record<string, unknown> };
  summary: Record<string, any> | null;
  dvh: { engine: string; structure: string; volume_cc: number; dose_gy: number[]; volume_fraction: number[] }[];
  dwell: { access: string; position_lps: number[]; time_s: number | null }[];
  slices: Record<string, number>; start: Record<string, number>;
  structures: { name: string; color: string }[]; isodose: { percent: number; color: string; dose_gy: number }[];
}

export async function planListPage(app: HTMLElement) {
  const plans = await get<PlanRow[]>('/api/plans');
  clear(app, h('h1', {}, 'Plans'), plans.length ? table(['Folder', 'Plan', 'Patient', 'Level', 'Engine', 'Prescription', 'State'], plans.map((p) => [
    h('a', { href: `#/plan/${p.id}` }, p.id), fmt(p.plan_id), fmt(p.patient), fmt(p.level), fmt(p.engine),
    p.prescription_gy ? `${p.prescription_gy} Gy` : '–', p.error ? `unreadable: ${p.error}` : p.approved ? `approved by ${p.approved_by}` : 'draft']), { id: 'plans-table' })
    : h('p', {}, 'No plans: start kiort serve with --plans DIR.'));
}

export async function planPage(app: HTMLElement, me: Me, id: string) {
  const d = await get<PlanData>(`/api/plans/${encodeURIComponent(id)}`);
  let wl = { window: 400, level: 40 };
  const views = (['axial', 'sagittal', 'coronal'] as const).map((axis) => {
    const img = h('img', { alt: `${axis} slice`, class: 'slice', id: `slice-${axis}` }) as HTMLImageElement;
    const slider = h('input', { type: 'range', min: 0, max: d.slices[axis] - 1, value: d.start[axis], id: `index-${axis}`, 'aria-label': `${axis} slice index` }) as HTMLInputElement;
    const label = h('span', {});
    const load = () => {
      img.src = `/api/plans/${encodeURIComponent(id)}/slice?axis=${axis}&index=${slider.value}&wl=${wl.window},${wl.level}`;
      label.textContent = `${axis} ${Number(slider.value) + 1} / ${d.slices[axis]}`;
    };
    slider.addEventListener('input', load);
    img.addEventListener('wheel', (e) => {
      e.preventDefault();
      slider.value = String(Math.min(d.slices[axis] - 1, Math.max(0, Number(slider.value) + Math.sign(e.deltaY))));
      load();
    });
    load();
    return { box: h('figure', { class: 'view' }, img, h('figcaption', {}, label, slider)), load };
  });
  const win = h('input', { type: 'number', id: 'window', value: wl.window, min: 1 }) as HTMLInputElement;
  const lev = h('input', { type: 'number', id: 'level', value: wl.level }) as HTMLInputElement;
  const applyWl = () => { wl = { window: Math.max(1, Number(win.value) || 400), level: Number(lev.value) || 0 }; views.forEach((v) => v.load()); };
  win.addEventListener('change', applyWl);
  lev.addEventListener('change', applyWl);
  const preset = (name: string, w: number, l: number) => h('button', { type: 'button', onclick: () => { win.value = String(w); lev.value = String(l); applyWl(); } }, name);

  const legend = h('div', { class: 'legend' },
    h('strong', {}, 'Isodose '), ...d.isodose.map((i) => h('span', { class: 'swatch-label' }, h('span', { class: 'swatch', 'data-color': i.color }), `${i.percent} % (${fmt(i.dose_gy, 2)} Gy)`)),
    h('br', {}), h('strong', {}, 'Structures '), ...d.structures.map((s) => h('span', { class: 'swatch-label' }, h('span', { class: 'swatch', 'data-color': s.color }), s.name)));
  // Colours set through the DOM (not inline style attributes), so the strict CSP holds.
  legend.querySelectorAll<HTMLElement>('.swatch').forEach((el) => { el.style.background = el.dataset.color ?? ''; });

  const palette = ['#c0392b', '#2471a3', '#229954', '#d68910', '#7d3c98', '#17a589', '#839192', '#a04000', '#1b4f72'];
  const primary = d.dvh.filter((c) => c.engine === (d.dvh[0]?.engine ?? ''));
  const dvh = chart(primary.map((c, i) => ({ name: c.structure, color: d.structures.find((s) => s.name === c.structure)?.color ?? palette[i % palette.length],
    points: c.dose_gy.map((x, k) => [x, 100 * c.volume_fraction[k]] as [number, number]) })),
  { title: `DVH (${primary[0]?.engine ?? '–'} engine)`, xLabel: 'dose (Gy)', yLabel: 'volume (%)', yMin: 0, yMax: 100, width: 640 });

  const sc = d.summary?.second_check ?? null;
  // plan.json's approval.state (src/plan/plan.cpp plan_to_json) is the one source of truth.
  const approval = d.plan.approval;
  const approved = approval.state === 'approved';
  const status = h('p', { id: 'approval', class: approved ? 'approved' : 'draft' },
    approved ? `Approved by ${approval.by} at ${approval.at} (SHA-256 ${approval.checksum.slice(0, 16)}…)` : 'Draft: not approved');
  const approveBtn = me.may_approve_plans && !approved ? h('button', { type: 'button', id: 'approve', onclick: async () => {
    if (!confirm(`Approve plan ${d.plan.id} as ${me.user}? An approved plan cannot be changed.`)) return;
    try {
      const r = await post<{ by: string; at: string; checksum: string }>(`/api/plans/${encodeURIComponent(id)}/approve`);
      status.textContent = `Approved by ${r.by} at ${r.at} (SHA-256 ${r.checksum.slice(0, 16)}…)`;
      status.className = 'approved';
      approveBtn?.remove();
    } catch (err) {
      status.textContent = `Not approved: ${err instanceof ApiError ? err.message : String(err)}`;
    }
  } }, 'Approve plan') : null;

  const rx = d.plan.prescription;
  clear(app,
    h('h1', {}, `Plan ${d.plan.id} (${d.plan.level})`),
    h('p', { class: 'facts' }, `Prescription ${fmt(rx.dose_gy)} Gy at ${fmt(rx.depth_mm)} mm (${fmt(rx.kind)}), engine ${fmt(d.plan.engine.engine)}`),
    status, approveBtn,
    h('div', { class: 'toolbar' }, h('label', { for: 'window' }, 'Window'), win, h('label', { for: 'level' }, 'Level'), lev,
      preset('Soft tissue', 400, 40), preset('Bone', 1800, 400)),
    h('div', { class: 'views' }, ...views.map((v) => v.box)), legend,
    h('div', { class: 'charts' }, dvh),
    h('h2', {}, 'Dwell positions and times'),
    table(['Access', 'Position LPS (mm)', 'Time (s)'], d.dwell.map((w) => [w.access, w.position_lps.map((x) => x.toFixed(1)).join(', '), fmt(w.time_s)]), { id: 'dwell-table' }),
    h('h2', {}, 'Second check'),
    sc ? table(['Method', 'Deviation', 'Tolerance', 'Result'], [[fmt(sc.method), `${(100 * Number(sc.deviation)).toFixed(2)} %`, `${(100 * Number(sc.tolerance)).toFixed(0)} %`,
      h('span', { class: sc.flagged ? 'badge overdue' : 'badge ok' }, sc.flagged ? 'FLAGGED' : 'pass')]], { id: 'second-check' }) : h('p', {}, 'No second check in summary.json.'),
    h('h2', {}, 'Messages'), (d.summary?.messages ?? []).length
      ? h('ul', {}, ...((d.summary?.messages ?? []) as string[]).map((m) => h('li', {}, m))) : h('p', {}, 'None.'));
}
