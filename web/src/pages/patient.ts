// One patient: procedures and levels, the visit timeline, pain and QoL over time, complications.
import { get, Me } from '../api';
import { chart } from '../chart';
import { clear, fmt, h, table } from '../dom';

type R = Record<string, string | null>;
interface Visit extends R { }
interface Procedure {
  [k: string]: unknown;
  id: string; procedure_date: string; surgeon: string | null; levels: R[];
  visits: (R & { analgesics: R[]; scores: Record<string, number> })[]; complications: R[];
}
interface PatientData { patient: R; procedures: Procedure[]; vital_status: R | null; due: R[] }

const days = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 86400000;

export async function patientPage(app: HTMLElement, me: Me, id: string) {
  const d = await get<PatientData>(`/api/patients/${encodeURIComponent(id)}`);
  const p = d.patient;
  const parts: (HTMLElement | SVGElement)[] = [
    h('h1', {}, `Patient ${p.pseudonym}`),
    h('p', { class: 'facts' }, `${fmt(p.sex)}, born ${fmt(p.birth_year)}, primary ${fmt(p.primary_site)} (${fmt(p.histology)}), KPS ${fmt(p.kps)}, ECOG ${fmt(p.ecog)}, SINS ${fmt(p.sins_score)}, Tokuhashi ${fmt(p.tokuhashi_score)}`),
  ];
  const vs = d.vital_status;
  parts.push(h('p', { id: 'vital-line' }, vs ? `Last contact ${fmt(vs.last_contact_date)}${vs.death_date ? `; died ${vs.death_date}${vs.death_cause ? ` (${vs.death_cause})` : ''}` : ''}` : 'No vital status recorded.',
    me.may_edit_registry ? h('a', { href: `#/vital/${p.id}`, class: 'button', id: 'edit-vital' }, vs?.death_date ? 'Change vital status' : 'Record last contact or death') : ''));
  if (d.due.length) parts.push(h('p', { class: 'due-note' }, 'Follow-up: ', ...d.due.map((x) => h('span', { class: `badge ${x.status}` }, `${x.event} ${x.status} (target ${x.target_date})`))));
  const pain: [number, number][] = [], qol: [number, number][] = [];
  for (const pr of d.procedures) {
    parts.push(h('h2', {}, `Procedure ${pr.procedure_date}`, me.may_edit_registry ? h('a', { href: `#/visit/${pr.id}`, class: 'button', id: `enter-visit-${pr.id}` }, 'Enter visit') : ''));
    parts.push(h('p', {}, `Surgeon ${fmt(pr.surgeon)}, physicist ${fmt(pr.physicist as string)}`));
    parts.push(table(['Level', 'Access', 'kV', 'Dose (Gy)', 'Depth (mm)', 'Plan', 'Cement (ml)'], pr.levels.map((l) => [
      l.level, fmt(l.access), fmt(l.kv), fmt(l.dose_gy), fmt(l.ref_depth_mm), fmt(l.plan_id), fmt(l.cement_volume_ml)])));
    const visits = [...pr.visits].sort((a, b) => String(a.visit_date).localeCompare(String(b.visit_date)));
    parts.push(h('h3', {}, 'Visits'));
    parts.push(table(['Date', 'Day', 'Event', 'Status', 'Worst pain', 'OME mg/day', 'QLQ-C30 global', 'BM22 painful sites', 'Local control', 'Record'],
      visits.map((v) => {
        const day = days(pr.procedure_date, String(v.visit_date));
        const ome = v.analgesics.reduce((s, a) => s + Number(a.ome_mg_day ?? 0), 0);
        // Only visits that took place, from the baseline window on (a date entered behind
        // kiort's back years before the surgery would stretch the plot; the table still shows it).
        const done = (v.visit_status ?? 'done') === 'done' && day >= -30;
        if (done && v.pain_worst !== null) pain.push([day, Number(v.pain_worst)]);
        if (done && v.scores.qlq_c30_global !== undefined) qol.push([day, v.scores.qlq_c30_global]);
        const st = (v.visit_status ?? 'done') === 'done' ? 'done' : `${String(v.visit_status).replace('_', ' ')}: ${fmt(v.status_reason)}`;
        return [v.visit_date, Math.round(day), v.event, st, fmt(v.pain_worst), v.analgesics.length ? fmt(ome) : '–',
          fmt(v.scores.qlq_c30_global), fmt(v.scores.bm22_painful_sites), fmt(v.local_control),
          h('span', {}, me.may_edit_registry ? h('a', { href: `#/visit/${pr.id}?edit=${v.id}`, 'aria-label': `Correct visit ${v.event} of ${v.visit_date}` }, 'Correct') : '',
            ' ', h('a', { href: `#/history/${v.id}`, 'aria-label': `History of visit ${v.event} of ${v.visit_date}` }, 'History'))];
      }), { class: 'visits' }));
    if (pr.complications.length)
      parts.push(h('h3', {}, 'Complications'), table(['Type', 'Level', 'Grade', 'Severity', 'Onset', 'Description'],
        pr.complications.map((c) => [c.type, fmt(c.level), fmt(c.ctcae_grade), fmt(c.severity), fmt(c.onset_date), fmt(c.description)])));
  }
  pain.sort((a, b) => a[0] - b[0]);
  qol.sort((a, b) => a[0] - b[0]);
  const charts = h('div', { class: 'charts' },
    chart([{ name: 'worst pain', color: '#c0392b', points: pain }], { title: 'Worst pain (NRS 0-10)', xLabel: 'days after the procedure', yLabel: 'pain', yMin: 0, yMax: 10 }),
    chart([{ name: 'global health', color: '#2471a3', points: qol }], { title: 'QLQ-C30 global health status', xLabel: 'days after the procedure', yLabel: 'score', yMin: 0, yMax: 100 }));
  clear(app, parts[0], parts[1], charts, ...parts.slice(2));
}
