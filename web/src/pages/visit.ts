// Visit entry: the fields come from the registry's own schema (/api/forms), and the registry's
// validation comes back naming a field (visits.pain_worst, analgesics.daily_dose, ...), which is
// shown at that field. The browser's own checks are off (novalidate) so the registry decides.
import { ApiError, get, Me, post } from '../api';
import { clear, h } from '../dom';

interface Column { name: string; type: string; description: string; min?: number; max?: number; choices?: string[]; not_null: boolean;
  items?: { count: number; min: number; max: number; wide_from: number; wide_max: number } }
interface Forms { tables: Record<string, Column[]>; events: { event: string; label: string; repeat_days: number }[];
  drugs: { drug: string; route: string; dose_unit: string }[] }

const VISIT_FIELDS = ['event', 'visit_date', 'pain_worst', 'frankel', 'asia', 'local_control', 'new_fracture', 'imaging_notes'];

function fieldFor(col: Column, id: string, value = ''): HTMLElement {
  if (col.choices) return h('select', { id, name: col.name }, h('option', { value: '' }, '—'),
    ...col.choices.map((c) => h('option', { value: c, selected: c === value }, c)));
  const type = col.type === 'date' ? 'date' : col.type === 'integer' || col.type === 'number' ? 'number' : 'text';
  return h('input', { id, name: col.name, type, value, min: col.min, max: col.max, step: col.type === 'number' ? 'any' : undefined });
}

function wrap(label: string, input: HTMLElement, field: string, help = ''): HTMLElement {
  return h('div', { class: 'field', 'data-field': field }, h('label', { for: input.id }, label), input,
    help ? h('small', {}, help) : '', h('div', { class: 'field-error', role: 'alert' }));
}

function itemsGrid(prefix: string, count: number, first: number, min: number, max: number, wideFrom: number, wideMax: number) {
  const cells: HTMLElement[] = [];
  for (let i = 1; i <= count; i++) {
    const hi = wideFrom && i >= wideFrom ? wideMax : max;
    const sel = h('select', { id: `${prefix}-${i}`, 'aria-label': `item ${first + i - 1}` }, h('option', { value: '' }, '–'),
      ...Array.from({ length: hi - min + 1 }, (_, k) => h('option', { value: String(min + k) }, String(min + k))));
    cells.push(h('label', { class: 'item' }, h('span', {}, String(first + i - 1)), sel));
  }
  return h('div', { class: 'items' }, ...cells);
}

export async function visitPage(app: HTMLElement, me: Me, procedureId: string) {
  const [pid, query = ''] = procedureId.split('?');
  const forms = await get<Forms>('/api/forms');
  const cols = (t: string) => Object.fromEntries(forms.tables[t].map((c) => [c.name, c]));
  const vc = cols('visits'), ac = cols('analgesics'), cc = cols('complications');
  const wanted = new URLSearchParams(query).get('event') ?? '';
  const events = forms.events.map((e) => e.event).filter((e) => !forms.events.find((x) => x.event === e)?.repeat_days);
  for (const e of forms.events.filter((x) => x.repeat_days)) for (let i = 1; i <= 6; i++) events.push(`${e.event}_${i}`);
  events.push('unscheduled');
  if (wanted && !events.includes(wanted)) events.unshift(wanted);

  const form = h('form', { id: 'visit-form', novalidate: true }) as HTMLFormElement;
  const fields: Record<string, HTMLElement> = {};
  for (const name of VISIT_FIELDS) {
    const col = vc[name];
    const input = name === 'event'
      ? h('select', { id: 'f-event', name }, ...events.map((e) => h('option', { value: e, selected: e === wanted }, e)))
      : fieldFor(col, `f-${name}`, name === 'visit_date' ? new Date().toISOString().slice(0, 10) : '');
    fields[name] = wrap(name.replace(/_/g, ' '), input, `visits.${name}`, col.description);
    form.append(fields[name]);
  }
  const c30 = vc['qlq_c30'].items!, bm22 = vc['qlq_bm22'].items!;
  form.append(h('fieldset', { class: 'field', 'data-field': 'visits.qlq_c30' }, h('legend', {}, 'EORTC QLQ-C30 (items 1-30)'),
    itemsGrid('c30', c30.count, 1, c30.min, c30.max, c30.wide_from, c30.wide_max), h('div', { class: 'field-error', role: 'alert' })));
  form.append(h('fieldset', { class: 'field', 'data-field': 'visits.qlq_bm22' }, h('legend', {}, 'EORTC QLQ-BM22 (items 31-52)'),
    itemsGrid('bm22', bm22.count, 31, bm22.min, bm22.max, 0, 0), h('div', { class: 'field-error', role: 'alert' })));

  const analgesics = h('div', { id: 'analgesics' });
  const drugs = [...new Set(forms.drugs.map((d) => d.drug))];
  const addAnalgesic = () => analgesics.append(h('div', { class: 'row analgesic' },
    h('select', { name: 'drug', 'aria-label': 'drug' }, ...drugs.map((d) => h('option', { value: d }, d))),
    fieldFor(ac['route'], '', 'oral'), h('input', { name: 'daily_dose', type: 'number', step: 'any', placeholder: 'daily dose', 'aria-label': 'daily dose' }),
    h('button', { type: 'button', onclick: (e: Event) => (e.target as HTMLElement).parentElement!.remove() }, 'remove')));
  form.append(h('fieldset', { class: 'field', 'data-field': 'analgesics' }, h('legend', {}, 'Analgesics (daily dose: mg/day; fentanyl patch mcg/h)'), analgesics,
    h('button', { type: 'button', id: 'add-analgesic', onclick: addAnalgesic }, 'Add analgesic'), h('div', { class: 'field-error', role: 'alert' })));

  const complications = h('div', { id: 'complications' });
  const addComplication = () => complications.append(h('div', { class: 'row complication' },
    ...['type', 'level', 'leak_location', 'ctcae_grade', 'severity', 'onset_date', 'description'].map((n) => {
      const f = fieldFor(cc[n], '');
      f.setAttribute('aria-label', n);
      return f;
    }), h('button', { type: 'button', onclick: (e: Event) => (e.target as HTMLElement).parentElement!.remove() }, 'remove')));
  form.append(h('fieldset', { class: 'field', 'data-field': 'complications' }, h('legend', {}, 'Complications'), complications,
    h('button', { type: 'button', id: 'add-complication', onclick: addComplication }, 'Add complication'), h('div', { class: 'field-error', role: 'alert' })));

  const status = h('p', { id: 'form-status', role: 'status' });
  form.append(h('button', { type: 'submit', id: 'save-visit', disabled: !me.may_edit_registry }, 'Save visit'), status);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    form.querySelectorAll('.field').forEach((f) => { f.classList.remove('invalid'); f.querySelector('.field-error')!.textContent = ''; });
    status.textContent = '';
    const visit: Record<string, unknown> = { procedure_id: Number(pid) };
    for (const name of VISIT_FIELDS) visit[name] = (form.querySelector(`[name=${name}]`) as HTMLInputElement).value;
    const items = (prefix: string, n: number) => {
      const v = Array.from({ length: n }, (_, i) => (form.querySelector(`#${prefix}-${i + 1}`) as HTMLSelectElement).value);
      return v.every((x) => x === '') ? '' : v.join(',');
    };
    visit.qlq_c30 = items('c30', c30.count);
    visit.qlq_bm22 = items('bm22', bm22.count);
    const rowValues = (row: Element) => Object.fromEntries(Array.from(row.querySelectorAll('input,select'))
      .map((x) => [(x as HTMLInputElement).name || x.getAttribute('aria-label'), (x as HTMLInputElement).value]));
    const body = {
      visit,
      analgesics: Array.from(analgesics.children).map(rowValues),
      complications: Array.from(complications.children).map(rowValues),
    };
    try {
      const r = await post<{ id: number }>('/api/visits', body);
      status.textContent = `Visit ${r.id} saved.`;
      form.classList.add('saved');
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      const field = err instanceof ApiError && err.field ? err.field : '';
      const target = form.querySelector(`[data-field="${field}"]`) ?? form.querySelector(`[data-field="${field.split('.')[0]}"]`);
      if (target) {
        target.classList.add('invalid');
        target.querySelector('.field-error')!.textContent = msg;
        target.scrollIntoView({ block: 'center' });
      }
      status.textContent = `Not saved: ${msg}`;
    }
  });
  clear(app, h('h1', {}, `Enter a follow-up visit (procedure ${pid})`), form);
}
