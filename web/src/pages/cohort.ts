// The cohort: overall survival (Kaplan-Meier, censoring marks, numbers at risk), worst pain and
// the consensus pain response per visit, complications.
import { get } from '../api';
import { chart } from '../chart';
import { clear, fmt, h, table } from '../dom';

interface Desc { n: number; mean: number | null; sd: number | null; median: number | null }
interface Cohort {
  empty: boolean; message?: string; n_patients: number; n_procedures: number; n_levels: number; n_deaths: number;
  km: { time_days: number; surv: number; n_risk: number; n_event: number; n_censor: number }[];
  at_risk: { time_days: number; n: number }[]; censored_days: number[]; median_os_days: number | null;
  baseline_pain: Desc;
  pain: { event: string; label: string; n_assessed: number; pain: Desc; n_paired: number; change: Desc; n_evaluable: number; n_responders: number; response: Record<string, number> }[];
  complications: { type: string; severity: string; ctcae_grade: number | null; n: number }[];
  n_procedures_with_complication: number;
}
const MONTH = 365.25 / 12;

export async function cohortPage(app: HTMLElement) {
  const c = await get<Cohort>('/api/cohort');
  if (c.empty) return clear(app, h('h1', {}, 'Cohort'), h('p', {}, c.message ?? 'No procedures yet.'));
  const pts: [number, number][] = [[0, 1]];
  for (const r of c.km) pts.push([r.time_days / MONTH, r.surv]);
  const survAt = (t: number) => { let v = 1; for (const r of c.km) if (r.time_days <= t) v = r.surv; return v; };
  const km = chart([{ name: 'overall survival', color: '#1f618d', points: pts, step: true, marks: c.censored_days.map((t) => [t / MONTH, survAt(t)]) }],
    { title: 'Overall survival (Kaplan-Meier)', xLabel: 'months after the first procedure', yLabel: 'survival', yMin: 0, yMax: 1,
      xMax: Math.max(...c.at_risk.map((r) => r.time_days / MONTH), ...pts.map((p) => p[0])),
      below: { label: 'at risk', values: c.at_risk.map((r) => [r.time_days / MONTH, String(r.n)]) } });
  const painPts: [number, number][] = c.pain.map((p, i) => [i + 1, p.pain.mean ?? 0]);
  const painChart = chart([{ name: 'mean worst pain', color: '#c0392b', points: [[0, c.baseline_pain.mean ?? 0], ...painPts] }],
    { title: 'Worst pain by visit (0 = baseline)', xLabel: 'visit number', yLabel: 'pain', yMin: 0, yMax: 10 });
  clear(app,
    h('h1', {}, 'Cohort'),
    h('p', { class: 'facts' }, `${c.n_patients} patients, ${c.n_procedures} procedures, ${c.n_levels} levels; ${c.n_deaths} deaths; median overall survival ${c.median_os_days === null ? 'not reached' : `${fmt(c.median_os_days / MONTH)} months`}`),
    h('div', { class: 'charts' }, km, painChart),
    h('h2', {}, 'Pain response per visit (consensus, Chow 2012)'),
    table(['Visit', 'Assessed', 'Worst pain mean (SD)', 'Paired', 'Change mean', 'Evaluable', 'Complete', 'Partial', 'Indeterminate', 'Progression', 'Responders'],
      [['baseline', c.baseline_pain.n, `${fmt(c.baseline_pain.mean)} (${fmt(c.baseline_pain.sd)})`, '', '', '', '', '', '', '', ''],
        ...c.pain.map((p) => [p.label, p.n_assessed, `${fmt(p.pain.mean)} (${fmt(p.pain.sd)})`, p.n_paired, fmt(p.change.mean), p.n_evaluable,
          fmt(p.response['complete'] ?? 0), fmt(p.response['partial'] ?? 0), fmt(p.response['indeterminate'] ?? 0), fmt(p.response['progression'] ?? 0),
          p.n_evaluable ? `${p.n_responders}/${p.n_evaluable}` : '–'])], { id: 'pain-table' }),
    h('h2', {}, 'Complications'),
    h('p', {}, `${c.n_procedures_with_complication} of ${c.n_procedures} procedures with a complication`),
    table(['Type', 'Severity', 'CTCAE grade', 'n'], c.complications.map((x) => [x.type, x.severity, fmt(x.ctcae_grade), x.n]), { id: 'complications-table' }));
}
