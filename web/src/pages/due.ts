// Start page: follow-up visits due and overdue on a date, and every patient.
import { get, Me } from '../api';
import { clear, fmt, h, table } from '../dom';

interface Due {
  patient: string; patient_id: number; procedure_id: number; procedure_date: string; event: string;
  target_date: string; window_start: string; window_end: string; status: string; days_overdue: number;
}
type Patient = Record<string, string | null> & { procedures: number };

export async function duePage(app: HTMLElement, me: Me) {
  const date = new URLSearchParams(location.hash.split('?')[1] ?? '').get('date') ?? new Date().toISOString().slice(0, 10);
  const [due, patients] = await Promise.all([get<{ visits: Due[] }>(`/api/due?date=${encodeURIComponent(date)}`), get<Patient[]>('/api/patients')]);
  const dateInput = h('input', { type: 'date', id: 'due-date', value: date, onchange: (e: Event) => {
    location.hash = `#/due?date=${(e.target as HTMLInputElement).value}`;
  } });
  const rows = due.visits.map((d) => [
    h('a', { href: `#/patient/${d.patient_id}` }, d.patient), d.event, d.procedure_date, d.target_date,
    `${d.window_start} – ${d.window_end}`,
    h('span', { class: `badge ${d.status}` }, d.status === 'overdue' ? `overdue ${d.days_overdue} d` : 'due'),
    me.may_edit_registry ? h('span', {}, h('a', { href: `#/visit/${d.procedure_id}?event=${encodeURIComponent(d.event)}`, class: 'button', 'aria-label': `Enter visit ${d.event} for ${d.patient}` }, 'Enter visit'),
      h('a', { href: `#/visit/${d.procedure_id}?event=${encodeURIComponent(d.event)}&status=missed`, class: 'button', 'aria-label': `Mark missed: ${d.event} of ${d.patient}` }, 'Mark missed')) : '',
  ]);
  clear(app,
    h('h1', {}, 'Follow-up due and overdue'),
    h('p', {}, h('label', { for: 'due-date' }, 'On '), dateInput, ` — ${due.visits.length} visit(s)`),
    h('details', { id: 'due-rules' }, h('summary', {}, 'How this list is made'),
      h('ul', {},
        h('li', {}, 'Each procedure starts the clock; each scheduled visit is due while its window is open and overdue once it has closed.'),
        h('li', {}, 'A visit leaves the list when it is recorded: entered, or marked missed or not done with its reason.'),
        h('li', {}, 'A recurring visit (every 6 months after the first year) lists every instance whose window has opened and is not recorded.'),
        h('li', {}, 'Nothing is listed once the patient died before the window closed.'))),
    due.visits.length ? table(['Patient', 'Event', 'Procedure', 'Target', 'Window', 'Status', 'Record'], rows, { id: 'due-table' }) : h('p', {}, 'Nothing due on this date.'),
    h('h2', {}, 'Patients'),
    table(['Pseudonym', 'Sex', 'Born', 'Primary', 'KPS', 'Procedures'], patients.map((p) => [
      h('a', { href: `#/patient/${p.id}` }, p.pseudonym ?? ''), fmt(p.sex), fmt(p.birth_year), fmt(p.primary_site), fmt(p.kps), p.procedures,
    ]), { id: 'patients-table' }));
}
