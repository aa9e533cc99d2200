// Visit entry and correction, in clinical words: the heading names the patient, the procedure
// (date, levels) and the visit's window; each field has its unit and range. The registry decides
// (its entry rules, the same as `kiort registry add`): every refused field comes back at once and
// is shown beside its field (aria-invalid, aria-describedby), focus on the first; a visit outside
// its window comes back as a warning to confirm. Saving sends an Idempotency-Key, so a double
// click or Enter saves once; Save is disabled while the request is in flight and after success.
// Routes: #/visit/PROCEDURE[?event=E&status=missed] (new), #/visit/PROCEDURE?edit=VISIT.
import { ApiError, del, FieldMessage, get, Me, postOnce, putOnce } from '../api';
import { clear, h } from '../dom';

interface Column { name: string; type: string; description: string; min?: number; max?: number; choices?: string[]; not_null: boolean;
  items?: { count: number; min: number; max: number; wide_from: number; wide_max: number } }
interface SchedEvent { event: string; label: string; day: number; window_before: number; window_after: number; repeat_days: number }
interface Forms { tables: Record<string, Column[]>; events: SchedEvent[]; drugs: { drug: string; route: string; dose_unit: string }[] }
type R = Record<string, string | null>;
interface Context { procedure: R; patient: R; levels: R[]; visits: { id: number; event: string; visit_date: string; visit_status: string }[];
  vital_status: R | null; due: { event: string; status: string }[]; today: string }

// Labels, units and help in the words of the clinic; the schema's description stays as the
// title (for the data manager).
const LABELS: Record<string, [string, string]> = {
  event: ['Scheduled visit', 'the follow-up event this visit belongs to'],
  visit_date: ['Visit date', 'the day the patient was seen or called'],
  visit_status: ['Visit took place?', ''],
  status_reason: ['Reason', 'why the visit was missed or not done'],
  pain_worst: ['Worst pain at the treated site', 'numeric rating scale, 0 (no pain) to 10 (worst imaginable)'],
  frankel: ['Frankel grade', 'A (complete) to E (normal)'],
  asia: ['ASIA impairment scale', 'A (complete) to E (normal)'],
  local_control: ['Local control at the treated level', 'from imaging'],
  new_fracture: ['New vertebral fracture', 'from imaging'],
  imaging_notes: ['Imaging findings', 'free text'],
  analgesics_assessed: ['Analgesic use asked?', 'yes: the list below is complete (none listed = no analgesics)'],
  complications_assessed: ['Complications looked for?', 'yes: none listed = none found'],
};
const STATUS_TEXT: Record<string, string> = { done: 'Yes, the visit took place', missed: 'Missed (did not come, not reached)', not_done: 'Not done (too ill, moved away)' };
const CHOICE_TEXT: Record<string, string> = {
  controlled: 'controlled', progression: 'progression', not_assessed: 'not assessed', none: 'none', adjacent: 'adjacent level',
  other_level: 'other level', treated_level: 'treated level', yes: 'yes', no: 'no',
};
const VISIT_FIELDS = ['visit_date', 'pain_worst', 'frankel', 'asia', 'local_control', 'new_fracture', 'imaging_notes',
  'analgesics_assessed', 'complications_assessed'];

const addDays = (date: string, days: number) => new Date(Date.parse(date) + days * 86400000).toISOString().slice(0, 10);

// One instance of an event name: its target day and window (late_2 of an event that recurs).
function eventWindow(events: SchedEvent[], name: string, procedureDate: string) {
  for (const e of events) {
    let day: number | null = null;
    if (e.event === name && !e.repeat_days) day = e.day;
    const m = e.repeat_days ? name.match(new RegExp(`^${e.event}_([1-9][0-9]*)$`)) : null;
    if (m) day = e.day + (Number(m[1]) - 1) * e.repeat_days;
    if (day !== null)
      return { label: e.label || e.event, day, target: addDays(procedureDate, day),
        from: addDays(procedureDate, day - e.window_before), to: addDays(procedureDate, day + e.window_after) };
  }
  return null;
}

let uid = 0;
// A labelled control with its help and an error slot tied to it (aria-describedby).
function field(name: string, input: HTMLElement, opts: { label: string; help?: string; required?: boolean; table?: string }) {
  const id = input.id || `f-${name}-${++uid}`;
  input.id = id;
  const helpId = `${id}-help`, errId = `${id}-error`;
  input.setAttribute('aria-describedby', opts.help ? `${helpId} ${errId}` : errId);
  if (opts.required) input.setAttribute('aria-required', 'true');
  const key = opts.table === '' ? name : `${opts.table ?? 'visits'}.${name}`;
  return h('div', { class: 'field', 'data-field': key },
    h('label', { for: id }, opts.label, opts.required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : ''),
    input, opts.help ? h('small', { id: helpId }, opts.help) : '', h('div', { class: 'field-error', id: errId }));
}

function control(col: Column, id: string, value = ''): HTMLElement {
  if (col.choices) return h('select', { id, name: col.name }, h('option', { value: '' }, '— not recorded —'),
    ...col.choices.map((c) => h('option', { value: c, selected: c === value }, CHOICE_TEXT[c] ?? c)));
  const type = col.type === 'date' ? 'date' : col.type === 'integer' || col.type === 'number' ? 'number' : 'text';
  return h('input', { id, name: col.name, type, value, min: col.min, max: col.max, step: col.type === 'number' ? 'any' : undefined,
    inputmode: col.type === 'integer' ? 'numeric' : undefined });
}

// Questionnaire items by number with their answer range (the licensed item texts are not shipped).
function itemsSet(name: string, title: string, prefix: string, count: number, first: number, min: number, max: number,
  wideFrom: number, wideMax: number, values: string[]) {
  const cells: HTMLElement[] = [];
  for (let i = 1; i <= count; i++) {
    const hi = wideFrom && i >= wideFrom ? wideMax : max;
    const n = first + i - 1;
    const sel = h('select', { id: `${prefix}-${i}`, 'aria-label': `${title} item ${n} (answer ${min} to ${hi})` }, h('option', { value: '' }, '–'),
      ...Array.from({ length: hi - min + 1 }, (_, k) => h('option', { value: String(min + k), selected: values[i - 1] === String(min + k) }, String(min + k))));
    cells.push(h('label', { class: 'item' }, h('span', { 'aria-hidden': 'true' }, String(n)), sel));
  }
  const errId = `${prefix}-error`;
  const ranges = wideFrom ? `items ${first}–${first + wideFrom - 2}: ${min}–${max}; items ${first + wideFrom - 1}–${first + count - 1}: ${min}–${wideMax}`
    : `each ${min}–${max}`;
  return h('fieldset', { class: 'field', 'data-field': `visits.${name}`, 'aria-describedby': errId },
    h('legend', {}, `${title}: items ${first}–${first + count - 1} (${ranges}); leave an item empty if unanswered`),
    h('div', { class: 'items' }, ...cells), h('div', { class: 'field-error', id: errId }));
}

export async function visitPage(app: HTMLElement, me: Me, arg: string) {
  const [pid, query = ''] = arg.split('?');
  const params = new URLSearchParams(query);
  const editId = params.get('edit');
  const [forms, ctx] = await Promise.all([get<Forms>('/api/forms'), get<Context>(`/api/procedures/${encodeURIComponent(pid)}`)]);
  const stored = editId ? await get<{ visit: R; analgesics: R[] }>(`/api/visits/${encodeURIComponent(editId)}`) : null;
  const v = stored?.visit ?? {};
  const cols = (t: string) => Object.fromEntries(forms.tables[t].map((c) => [c.name, c]));
  const vc = cols('visits'), ac = cols('analgesics'), cc = cols('complications');
  const procDate = String(ctx.procedure.procedure_date);
  const died = ctx.vital_status?.death_date ?? null;
  const recorded = new Set(ctx.visits.filter((x) => String(x.id) !== editId).map((x) => x.event));

  // Events: the schedule's (recurring ones by instance), the unscheduled visit; those already
  // recorded for this procedure are marked and not offered by default.
  const names: string[] = [];
  for (const e of forms.events) {
    if (!e.repeat_days) names.push(e.event);
    else for (let i = 1; i <= 8; i++) names.push(`${e.event}_${i}`);
  }
  names.push('unscheduled');
  const wanted = v.event ?? params.get('event') ?? ctx.due[0]?.event
    ?? names.find((n) => n !== 'preop' && n !== 'unscheduled' && !recorded.has(n)) ?? 'unscheduled';
  if (!names.includes(wanted)) names.unshift(wanted);
  const eventText = (n: string) => {
    const w = eventWindow(forms.events, n, procDate);
    const base = n === 'unscheduled' ? 'unscheduled visit' : w ? `${n}: ${w.label} (day ${w.day})` : n;
    return recorded.has(n) && n !== 'unscheduled' ? `${base}, already recorded` : base;
  };
  const eventSel = h('select', { id: 'f-event', name: 'event' }, ...names.map((n) => h('option', { value: n, selected: n === wanted }, eventText(n)))) as HTMLSelectElement;

  const windowNote = h('p', { id: 'visit-window', class: 'window' });
  const showWindow = () => {
    const w = eventWindow(forms.events, eventSel.value, procDate);
    windowNote.textContent = w ? `Window for ${eventSel.value}: ${w.from} to ${w.to} (target ${w.target}).` : 'Unscheduled visit: no window.';
  };

  const form = h('form', { id: 'visit-form', novalidate: true }) as HTMLFormElement;
  const summary = h('div', { id: 'form-errors', class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  form.append(summary);
  form.append(field('event', eventSel, { label: LABELS.event[0], help: LABELS.event[1], required: true }));

  // Visit status: took place / missed / not done (with its reason).
  const status = (v.visit_status ?? params.get('status') ?? 'done') as string;
  const statusSel = h('select', { id: 'f-visit_status', name: 'visit_status' },
    ...['done', 'missed', 'not_done'].map((s) => h('option', { value: s, selected: s === status }, STATUS_TEXT[s]))) as HTMLSelectElement;
  form.append(field('visit_status', statusSel, { label: LABELS.visit_status[0] }));
  const reasonField = field('status_reason', h('input', { id: 'f-status_reason', name: 'status_reason', type: 'text', value: v.status_reason ?? '' }),
    { label: LABELS.status_reason[0], help: LABELS.status_reason[1], required: true });
  form.append(reasonField);

  // A deceased patient: no date is proposed (a visit after the death date is refused).
  const today = ctx.today;
  const defaultDate = v.visit_date ?? (died ? '' : today);
  const findings: HTMLElement[] = [];
  for (const name of VISIT_FIELDS) {
    const col = vc[name];
    const input = control(col, `f-${name}`, name === 'visit_date' ? defaultDate : (v[name] ?? ''));
    if (name === 'visit_date') input.setAttribute('max', today);
    const [label, help] = LABELS[name] ?? [name, ''];
    const range = col.min !== undefined && col.max !== undefined ? ` (${col.min}–${col.max})` : '';
    const el = field(name, input, { label: label + range, help, required: name === 'visit_date' || name === 'pain_worst' });
    el.title = col.description;
    form.append(el);
    if (name !== 'visit_date') findings.push(el);
  }
  const c30 = vc['qlq_c30'].items!, bm22 = vc['qlq_bm22'].items!, odi = vc['odi'].items!;
  const split = (s: string | null | undefined) => (s ?? '').split(',');
  const qol = [
    itemsSet('qlq_c30', 'EORTC QLQ-C30', 'c30', c30.count, 1, c30.min, c30.max, c30.wide_from, c30.wide_max, split(v.qlq_c30)),
    itemsSet('qlq_bm22', 'EORTC QLQ-BM22', 'bm22', bm22.count, 31, bm22.min, bm22.max, 0, 0, split(v.qlq_bm22)),
    itemsSet('odi', 'Oswestry Disability Index', 'odi', odi.count, 1, odi.min, odi.max, 0, 0, split(v.odi)),
  ];
  form.append(...qol);
  findings.push(...qol);

  // Analgesics: drug, route, daily dose, each labelled.
  const analgesics = h('div', { id: 'analgesics' });
  const drugs = [...new Set(forms.drugs.map((d) => d.drug))];
  let rowN = 0;
  const addAnalgesic = (a: R = {}) => {
    const n = ++rowN;
    const drug = h('select', { id: `an-drug-${n}`, name: 'drug' }, ...drugs.map((d) => h('option', { value: d, selected: d === a.drug }, d)));
    const route = control(ac['route'], `an-route-${n}`, a.route ?? 'oral');
    const dose = h('input', { id: `an-dose-${n}`, name: 'daily_dose', type: 'number', step: 'any', min: 0, value: a.daily_dose ?? '' });
    analgesics.append(h('div', { class: 'row analgesic' },
      h('label', { for: drug.id }, `Drug ${n}`), drug, h('label', { for: route.id }, 'Route'), route,
      h('label', { for: dose.id }, 'Daily dose (mg/day; fentanyl patch mcg/h)'), dose,
      h('button', { type: 'button', 'aria-label': `Remove drug ${n}`, onclick: (e: Event) => (e.target as HTMLElement).parentElement!.remove() }, 'Remove')));
  };
  for (const a of stored?.analgesics ?? []) addAnalgesic(a);
  const anSet = h('fieldset', { class: 'field', 'data-field': 'analgesics', 'aria-describedby': 'analgesics-error' }, h('legend', {}, 'Analgesics taken now'), analgesics,
    h('button', { type: 'button', id: 'add-analgesic', onclick: () => addAnalgesic() }, 'Add analgesic'), h('div', { class: 'field-error', id: 'analgesics-error' }));
  form.append(anSet);
  findings.push(anSet);

  // Complications (new visits only: a complication belongs to the procedure).
  const complications = h('div', { id: 'complications' });
  const compLabels: Record<string, string> = { type: 'Type', level: 'Level', leak_location: 'Leak location', ctcae_grade: 'CTCAE grade (1–5)',
    severity: 'Severity', onset_date: 'Onset date', description: 'Description' };
  const addComplication = () => {
    const n = ++rowN;
    const parts: HTMLElement[] = [];
    for (const name of Object.keys(compLabels)) {
      const c = control(cc[name], `co-${name}-${n}`);
      parts.push(h('label', { for: c.id }, compLabels[name]), c);
    }
    complications.append(h('div', { class: 'row complication' }, ...parts,
      h('button', { type: 'button', 'aria-label': `Remove complication ${n}`, onclick: (e: Event) => (e.target as HTMLElement).parentElement!.remove() }, 'Remove')));
  };
  if (!editId)
    form.append(h('fieldset', { class: 'field', 'data-field': 'complications', 'aria-describedby': 'complications-error' }, h('legend', {}, 'Complications'), complications,
      h('button', { type: 'button', id: 'add-complication', onclick: addComplication }, 'Add complication'), h('div', { class: 'field-error', id: 'complications-error' })));

  // A correction says why.
  const why = h('input', { id: 'f-reason', name: 'reason', type: 'text' }) as HTMLInputElement;
  if (editId) form.append(field('reason', why, { label: 'Reason for the correction', help: 'kept in the audit trail with your name', required: true, table: '' }));

  const showStatus = () => {
    const done = statusSel.value === 'done';
    reasonField.hidden = done;
    for (const el of findings) el.hidden = !done;
  };
  statusSel.addEventListener('change', showStatus);
  eventSel.addEventListener('change', showWindow);
  showStatus();
  showWindow();

  const confirmBox = h('div', { id: 'confirm', class: 'warning-box', hidden: true });
  const statusLine = h('p', { id: 'form-status', role: 'status' });
  const save = h('button', { type: 'submit', id: 'save-visit', disabled: !me.may_edit_registry }, editId ? 'Save correction' : 'Save visit') as HTMLButtonElement;
  form.append(confirmBox, save, statusLine);

  // One key per form: a second click or Enter while the first is on its way returns the first
  // result; a new key only after a success (a new form) or a change after a refusal.
  let key = crypto.randomUUID();
  let busy = false, saved = false;
  form.addEventListener('input', () => { if (!busy && !saved) key = crypto.randomUUID(); });

  const clearErrors = () => {
    form.querySelectorAll('.field').forEach((f) => {
      f.classList.remove('invalid');
      const e = f.querySelector(':scope > .field-error');
      if (e) e.textContent = '';
      f.querySelectorAll('input,select').forEach((x) => x.removeAttribute('aria-invalid'));
    });
    summary.hidden = true;
    clear(summary);
    confirmBox.hidden = true;
    clear(confirmBox);
  };
  const showErrors = (errors: FieldMessage[]) => {
    let first: HTMLElement | null = null;
    const items: HTMLElement[] = [];
    for (const e of errors) {
      const target = (form.querySelector(`[data-field="${e.field}"]`) ?? form.querySelector(`[data-field="${e.field.split('.')[0]}"]`)) as HTMLElement | null;
      const label = target?.querySelector('label,legend')?.textContent?.replace(/ \*$/, '') ?? e.field;
      if (target) {
        target.hidden = false;
        target.classList.add('invalid');
        const slot = target.querySelector(':scope > .field-error')!;
        slot.textContent = slot.textContent ? `${slot.textContent} ${e.message}` : e.message;
        const inputs = target.matches('fieldset') ? [] : Array.from(target.querySelectorAll('input,select'));
        inputs.forEach((x) => x.setAttribute('aria-invalid', 'true'));
        first ??= (inputs[0] as HTMLElement) ?? (target.querySelector('input,select') as HTMLElement);
      }
      const link = h('a', { href: '#', onclick: (ev: Event) => { ev.preventDefault(); (target?.querySelector('input,select') as HTMLElement | null)?.focus(); } }, `${label}: ${e.message}`);
      items.push(h('li', {}, link));
    }
    summary.hidden = false;
    clear(summary, h('p', {}, `${errors.length} ${errors.length === 1 ? 'field needs' : 'fields need'} correcting; nothing was saved:`), h('ul', {}, ...items));
    // Focus on the first refused field in the form's order.
    first = (form.querySelector('.field.invalid:not(fieldset) input, .field.invalid:not(fieldset) select, .field.invalid select') as HTMLElement | null) ?? first;
    (first ?? summary).focus();
  };

  const body = (confirm: boolean) => {
    // An older visit without a status stays without one when it is corrected as "took place".
    const st = editId && !v.visit_status && statusSel.value === 'done' ? '' : statusSel.value;
    const visit: Record<string, unknown> = { procedure_id: Number(pid), event: eventSel.value, visit_status: st,
      status_reason: statusSel.value === 'done' ? '' : (form.querySelector('#f-status_reason') as HTMLInputElement).value };
    const done = statusSel.value === 'done';
    for (const name of VISIT_FIELDS) {
      const val = (form.querySelector(`#f-${name}`) as HTMLInputElement).value;
      visit[name] = done || name === 'visit_date' ? val : '';
    }
    const items = (prefix: string, n: number) => {
      const vals = Array.from({ length: n }, (_, i) => (form.querySelector(`#${prefix}-${i + 1}`) as HTMLSelectElement).value);
      return !done || vals.every((x) => x === '') ? '' : vals.join(',');
    };
    visit.qlq_c30 = items('c30', c30.count);
    visit.qlq_bm22 = items('bm22', bm22.count);
    visit.odi = items('odi', odi.count);
    const rowValues = (row: Element) => Object.fromEntries(Array.from(row.querySelectorAll('input,select'))
      .map((x) => [(x as HTMLInputElement).name, (x as HTMLInputElement).value]));
    const b: Record<string, unknown> = { visit, analgesics: done ? Array.from(analgesics.children).map(rowValues) : [] };
    if (!editId) b.complications = Array.from(complications.children).map(rowValues);
    else b.reason = why.value;
    if (confirm) b.confirm = true;
    return b;
  };

  const submit = async (confirm: boolean) => {
    if (busy || saved) return;
    busy = true;
    save.disabled = true;
    save.setAttribute('aria-busy', 'true');
    clearErrors();
    statusLine.textContent = 'Saving…';
    try {
      const r = editId
        ? await putOnce<{ id: number }>(`/api/visits/${editId}`, body(confirm), key)
        : await postOnce<{ id: number }>('/api/visits', body(confirm), key);
      saved = true;
      form.classList.add('saved');
      clear(statusLine, `Visit ${r.id} ${editId ? 'corrected' : 'saved'}. `,
        h('a', { href: `#/patient/${ctx.patient.id}`, id: 'back-to-patient' }, `Back to ${ctx.patient.pseudonym}`), ' · ',
        h('a', { href: `#/history/${r.id}` }, 'History of this visit'));
      statusLine.focus?.();
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.warnings.length) {
        statusLine.textContent = 'Not saved yet: please confirm.';
        confirmBox.hidden = false;
        const ok = h('button', { type: 'button', id: 'confirm-save', onclick: () => submit(true) }, 'Save anyway') as HTMLButtonElement;
        clear(confirmBox, h('p', {}, 'Please check:'), h('ul', {}, ...err.warnings.map((w) => h('li', {}, w.message))), ok,
          h('span', {}, ' or correct the form and save again.'));
        busy = false;
        save.disabled = false;
        save.removeAttribute('aria-busy');
        ok.focus();
        return;
      }
      const errors = err instanceof ApiError && err.errors.length ? err.errors
        : [{ field: err instanceof ApiError && err.field ? err.field : 'visits', message: err instanceof Error ? err.message : String(err) }];
      showErrors(errors);
      statusLine.textContent = `Not saved: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      if (!saved) {
        busy = false;
        save.disabled = !me.may_edit_registry;
        save.removeAttribute('aria-busy');
      } else save.removeAttribute('aria-busy');
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); submit(false); });

  // Deletion: the data manager only, with a reason.
  let deleteBox: HTMLElement | string = '';
  if (editId && me.may_delete_records) {
    const delWhy = h('input', { id: 'delete-reason', type: 'text' }) as HTMLInputElement;
    const delMsg = h('p', { id: 'delete-status', role: 'status' });
    deleteBox = h('section', { class: 'danger', 'aria-labelledby': 'delete-title' }, h('h2', { id: 'delete-title' }, 'Delete this visit'),
      h('label', { for: 'delete-reason' }, 'Reason for deleting (kept in the audit trail)'), delWhy,
      h('button', { type: 'button', id: 'delete-visit', onclick: async () => {
        try {
          await del(`/api/visits/${editId}`, { reason: delWhy.value });
          clear(delMsg, 'Deleted. ', h('a', { href: `#/history/${editId}` }, 'History'), ' · ', h('a', { href: `#/patient/${ctx.patient.id}` }, 'Back to the patient'));
        } catch (err) {
          delMsg.textContent = `Not deleted: ${err instanceof Error ? err.message : String(err)}`;
          delWhy.setAttribute('aria-invalid', 'true');
          delWhy.focus();
        }
      } }, 'Delete visit'), delMsg);
  }

  const levels = ctx.levels.map((l) => l.level).join(', ') || 'no level recorded';
  clear(app,
    h('h1', {}, `${editId ? 'Correct' : 'Enter'} a follow-up visit: ${ctx.patient.pseudonym}`),
    h('p', { class: 'facts', id: 'visit-context' }, `Procedure ${procDate}, ${levels}`,
      died ? h('strong', { class: 'deceased' }, ` · died ${died}: visits after that date are refused`) : ''),
    windowNote,
    h('p', { class: 'hint' }, 'Fields marked * are required. ', h('a', { href: `#/patient/${ctx.patient.id}` }, 'Back to the patient')),
    form, deleteBox);
}
