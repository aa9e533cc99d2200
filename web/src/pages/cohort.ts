// The cohort: overall survival (Kaplan-Meier with its 95 % confidence band, censoring marks and
// the numbers at risk under their own ticks), worst pain and the consensus pain response by
// scheduled event (in days from the procedure, counting patients), complications; CSV and PNG
// export. Every number comes from the server's outcomes module (src/outcomes via /api/cohort):
// the page draws and serializes them, it computes no statistic of its own.
import './cohort.css';
import { get } from '../api';
import { chart, chartPng, download } from '../chart';
import { clear, fmt, h, table } from '../dom';

interface Desc { n: number; mean: number | null; sd: number | null; median: number | null }
interface PainRow {
  event: string; label: string; day: number | null; n_visits: number; n_assessed: number; pain: Desc; n_paired: number; change: Desc;
  n_evaluable: number; n_responders: number; response: Record<string, number>;
}
interface KmRow { time_days: number; surv: number; n_risk: number; n_event: number; n_censor: number; lower: number | null; upper: number | null }
interface Cohort {
  empty: boolean; message?: string; n_patients: number; n_procedures: number; n_levels: number; n_deaths: number;
  km: KmRow[]; at_risk: { time_days: number; n: number }[]; censored_days: number[]; median_os_days: number | null;
  baseline_pain: Desc; pain: PainRow[]; as_of?: string;
  complications: { type: string; severity: string; ctcae_grade: number | null; n: number }[];
  n_procedures_with_complication: number;
}
const MONTH = 365.25 / 12;
const RESPONSES = ['complete', 'partial', 'indeterminate', 'progression'];

// RFC 4180 CSV: fields with a comma, quote or line break are quoted.
function csv(head: string[], rows: unknown[][]): Blob {
  const cell = (v: unknown) => {
    const t = v === null || v === undefined ? '' : String(v);
    return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return new Blob([[head, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n'], { type: 'text/csv' });
}

export async function cohortPage(app: HTMLElement) {
  const c = await get<Cohort>('/api/cohort');
  if (c.empty) return clear(app, h('h1', {}, 'Cohort'), h('p', {}, c.message ?? 'No procedures yet.'));

  const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);
  const pts: [number, number][] = [[0, 1], ...c.km.map((r) => [r.time_days / MONTH, r.surv] as [number, number])];
  const band: [number, number, number][] = [[0, 1, 1], ...c.km.filter((r) => finite(r.lower) && finite(r.upper))
    .map((r) => [r.time_days / MONTH, r.lower as number, r.upper as number] as [number, number, number])];
  const survAt = (t: number) => { let v = 1; for (const r of c.km) if (r.time_days <= t) v = r.surv; return v; };
  const riskMonths = c.at_risk.map((r) => r.time_days / MONTH);
  const km = chart([{ name: 'overall survival', color: '#1f618d', points: pts, step: true, band, marks: c.censored_days.map((t) => [t / MONTH, survAt(t)]) },
    { name: '95 % CI (band)', color: '#1f618d', points: [], legend: true }],
  { id: 'km-chart', title: 'Overall survival (Kaplan-Meier, 95 % band)', xLabel: 'months after the first procedure', yLabel: 'survival', yMin: 0, yMax: 1,
    xMax: Math.max(...riskMonths, ...pts.map((p) => p[0])), xTicks: riskMonths, xTickLabel: (m) => String(Math.round(m)),
    below: { label: 'at risk', values: c.at_risk.map((r) => [r.time_days / MONTH, String(r.n)]) }, width: 470 });

  // Pain by the event's scheduled day; the baseline at day 0. Error bars: ± 1 SD.
  const withDay = c.pain.filter((p) => finite(p.day) && finite(p.pain.mean));
  const painPts: [number, number][] = [];
  const errs: [number, number, number][] = [];
  if (finite(c.baseline_pain.mean)) {
    painPts.push([0, c.baseline_pain.mean]);
    if (finite(c.baseline_pain.sd)) errs.push([0, Math.max(0, c.baseline_pain.mean - c.baseline_pain.sd), Math.min(10, c.baseline_pain.mean + c.baseline_pain.sd)]);
  }
  for (const p of withDay) {
    painPts.push([p.day as number, p.pain.mean as number]);
    if (finite(p.pain.sd)) errs.push([p.day as number, Math.max(0, (p.pain.mean as number) - p.pain.sd), Math.min(10, (p.pain.mean as number) + p.pain.sd)]);
  }
  const painChart = chart([{ name: 'mean worst pain', color: '#c0392b', points: painPts, errors: errs, dots: true }, { name: '± 1 SD', color: '#c0392b', points: [] }],
    { id: 'pain-chart', title: 'Worst pain by scheduled visit (day 0 = baseline)', xLabel: 'days after the procedure (scheduled)', yLabel: 'worst pain (0-10)', yMin: 0, yMax: 10,
      xMax: Math.max(30, ...painPts.map((p) => p[0])), width: 470 });

  const painHead = ['event', 'label', 'scheduled_day', 'n_patients', 'n_visits', 'pain_mean', 'pain_sd', 'change_mean', 'change_sd', 'n_paired', 'n_evaluable', ...RESPONSES, 'n_responders'];
  const painCsv = () => csv(painHead, [
    ['baseline', 'baseline', 0, c.baseline_pain.n, '', c.baseline_pain.mean, c.baseline_pain.sd, '', '', '', '', '', '', '', '', ''],
    ...c.pain.map((p) => [p.event, p.label, p.day, p.n_assessed, p.n_visits, p.pain.mean, p.pain.sd, p.change.mean, p.change.sd, p.n_paired, p.n_evaluable,
      ...RESPONSES.map((k) => p.response[k] ?? 0), p.n_responders])]);
  const kmCsv = () => csv(['time_days', 'survival', 'lower_95', 'upper_95', 'n_risk', 'n_event', 'n_censor'],
    c.km.map((r) => [r.time_days, r.surv, r.lower, r.upper, r.n_risk, r.n_event, r.n_censor]));
  const exportBtn = (id: string, text: string, f: () => Promise<Blob> | Blob, name: string) =>
    h('button', { type: 'button', id, onclick: async () => download(await f(), name) }, text);

  const meanSd = (x: Desc) => (finite(x.mean) ? `${x.mean.toFixed(1)} (${finite(x.sd) ? x.sd.toFixed(1) : '–'})` : '–');
  clear(app,
    h('h1', {}, 'Cohort'),
    h('p', { class: 'facts' }, `${c.n_patients} patients, ${c.n_procedures} procedures, ${c.n_levels} levels; ${c.n_deaths} deaths; median overall survival ${c.median_os_days === null ? 'not reached' : `${fmt(c.median_os_days / MONTH)} months`}${c.as_of ? `; visits up to ${c.as_of}` : ''}`),
    h('div', { class: 'toolbar export' }, h('span', {}, 'Export'),
      exportBtn('export-km-csv', 'Survival table (CSV)', kmCsv, 'kiort-overall-survival.csv'),
      exportBtn('export-km-png', 'Survival plot (PNG)', () => chartPng(km), 'kiort-overall-survival.png'),
      exportBtn('export-pain-csv', 'Pain table (CSV)', painCsv, 'kiort-pain-by-visit.csv'),
      exportBtn('export-pain-png', 'Pain plot (PNG)', () => chartPng(painChart), 'kiort-pain-by-visit.png')),
    h('div', { class: 'charts' }, km, painChart),
    h('h2', {}, 'Pain response by scheduled visit (consensus, Chow 2012)'),
    h('p', { class: 'hint' }, 'Counted in patients: one visit per patient and event. n: patients with a worst pain at that visit; SD: standard deviation.'),
    table(['Visit (scheduled day)', 'n', 'Worst pain mean (SD)', 'Change from baseline mean (SD), n paired', 'Evaluable', 'Complete / partial / indeterminate / progression', 'Responders'],
      [['baseline (day ≤ 0)', c.baseline_pain.n, meanSd(c.baseline_pain), '', '', '', ''],
        ...c.pain.map((p) => [`${p.label}${finite(p.day) && p.label !== `day ${p.day}` ? ` (day ${p.day})` : ''}`, p.n_assessed, meanSd(p.pain), `${meanSd(p.change)}, ${p.n_paired}`, p.n_evaluable,
          RESPONSES.map((k) => fmt(p.response[k] ?? 0)).join(' / '), p.n_evaluable ? `${p.n_responders}/${p.n_evaluable}` : '–'])], { id: 'pain-table' }),
    h('h2', {}, 'Complications'),
    h('p', {}, `${c.n_procedures_with_complication} of ${c.n_procedures} procedures with a complication`),
    table(['Type', 'Severity', 'CTCAE grade', 'n'], c.complications.map((x) => [x.type, x.severity, fmt(x.ctcae_grade), x.n]), { id: 'complications-table' }));
}
