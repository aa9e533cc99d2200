// Vital status: last contact, death date and cause. Checked by the registry's rules (a death date
// before a recorded visit or in the future is refused at the field); changing a recorded vital
// status needs a reason, kept in the audit trail. The last contact also follows the visits.
import { ApiError, get, Me, put } from '../api';
import { clear, h } from '../dom';

type R = Record<string, string | null>;
interface PatientData { patient: R; vital_status: R | null }

export async function vitalPage(app: HTMLElement, me: Me, id: string) {
  const d = await get<PatientData>(`/api/patients/${encodeURIComponent(id)}`);
  const vs = d.vital_status ?? {};
  const today = new Date().toISOString().slice(0, 10);
  const mk = (name: string, label: string, type: string, help: string, value = '') => {
    const input = h('input', { id: `vs-${name}`, name, type, value, max: type === 'date' ? today : undefined, 'aria-describedby': `vs-${name}-help vs-${name}-error` });
    return h('div', { class: 'field', 'data-field': name === 'reason' ? 'reason' : `vital_status.${name}` }, h('label', { for: input.id }, label), input,
      h('small', { id: `vs-${name}-help` }, help), h('div', { class: 'field-error', id: `vs-${name}-error` }));
  };
  const form = h('form', { id: 'vital-form', novalidate: true }) as HTMLFormElement;
  form.append(
    mk('last_contact_date', 'Last contact', 'date', 'the last day the patient was known to be alive (moves forward with each visit)', vs.last_contact_date ?? ''),
    mk('death_date', 'Date of death', 'date', 'leave empty while the patient lives', vs.death_date ?? ''),
    mk('death_cause', 'Cause of death', 'text', 'e.g. progression of the primary, infection', vs.death_cause ?? ''));
  if (d.vital_status) form.append(mk('reason', 'Reason for the change', 'text', 'kept in the audit trail with your name'));
  const status = h('p', { id: 'vital-status-msg', role: 'status' });
  const save = h('button', { type: 'submit', id: 'save-vital', disabled: !me.may_edit_registry }, 'Save vital status') as HTMLButtonElement;
  form.append(save, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (save.getAttribute('aria-busy')) return;
    save.setAttribute('aria-busy', 'true');
    save.disabled = true;
    form.querySelectorAll('.field').forEach((f) => { f.classList.remove('invalid'); f.querySelector('.field-error')!.textContent = ''; f.querySelector('input')!.removeAttribute('aria-invalid'); });
    const body: Record<string, string> = {};
    for (const n of ['last_contact_date', 'death_date', 'death_cause', 'reason']) {
      const el = form.querySelector(`#vs-${n}`) as HTMLInputElement | null;
      if (el) body[n] = el.value;
    }
    try {
      await put(`/api/patients/${encodeURIComponent(id)}/vital-status`, body);
      clear(status, 'Vital status saved. ', h('a', { href: `#/patient/${id}`, id: 'back-to-patient' }, `Back to ${d.patient.pseudonym}`));
    } catch (err) {
      const errors = err instanceof ApiError && err.errors.length ? err.errors
        : [{ field: err instanceof ApiError && err.field ? err.field : '', message: err instanceof Error ? err.message : String(err) }];
      let first: HTMLElement | null = null;
      for (const x of errors) {
        const f = form.querySelector(`[data-field="${x.field}"]`);
        if (!f) continue;
        f.classList.add('invalid');
        const slot = f.querySelector('.field-error')!;
        slot.textContent = slot.textContent ? `${slot.textContent} ${x.message}` : x.message;
        const input = f.querySelector('input')!;
        input.setAttribute('aria-invalid', 'true');
        first ??= input;
      }
      status.textContent = `Not saved: ${err instanceof Error ? err.message : String(err)}`;
      first?.focus();
    } finally {
      save.removeAttribute('aria-busy');
      save.disabled = !me.may_edit_registry;
    }
  });
  clear(app, h('h1', {}, `Vital status: ${d.patient.pseudonym}`), form);
}
