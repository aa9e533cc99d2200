// The evidence base (issue 22): the references with a search box (#/evidence, #/evidence?q=...),
// a reference with its findings and the statements citing it grouped supporting / contrasting /
// mentioning with their counts (#/evidence/ID), and the classification of a new statement
// (#/classify/CITED) with the stance model's suggestion beside the person's choice. Every group,
// count, search hit and suggestion comes from the server (src/evidence via /api/evidence); the
// page only draws them. Read-only users browse; the server refuses their classifications too.
import './evidence.css';
import { ApiError, get, Me, post } from '../api';
import { Child, clear, fmt, h, table } from '../dom';

interface Counts { supporting: number; contrasting: number; mentioning: number; total: number }
interface RefRow { id: string; label: string; year: number | null; type: string; citing: Counts; findings: number }
interface Hit { kind: string; id: string; reference: string; label: string; text: string; score: number }
interface Statement {
  id: string; citing: string; cited: string; stance: string; section: string; claim: string; citation_seen: boolean;
  evidence: string; classified_by: string; classified_from: string; source: string; origin: 'curated' | 'user';
}
interface Show {
  reference: Record<string, any>; label: string; vancouver: string; findings: Record<string, any>[];
  citing: { counts: Counts; supporting: Statement[]; contrasting: Statement[]; mentioning: Statement[] }; cites: Statement[];
}
interface Suggestion { stance: string; probability: Record<string, number>; because: { word: string; log_ratio: number }[]; trained_on: number }

export const mayClassify = (me: Me) => me.role !== 'read-only';

// "3 supporting · 1 contrasting · 2 mentioning", as scite's badges.
export function countBadges(c: Counts): HTMLElement {
  return h('span', { class: 'stance-counts' },
    h('span', { class: 'stance supports' }, `${c.supporting} supporting`),
    h('span', { class: 'stance contrasts' }, `${c.contrasting} contrasting`),
    h('span', { class: 'stance mentions' }, `${c.mentioning} mentioning`));
}

export async function evidenceListPage(app: HTMLElement) {
  const q = new URLSearchParams(location.hash.split('?')[1] ?? '').get('q') ?? '';
  const [list, found] = await Promise.all([
    get<{ base_version: string; references: RefRow[]; n_statements: number; n_user_statements: number }>('/api/evidence'),
    q.trim() ? get<{ hits: Hit[] }>(`/api/evidence/search?q=${encodeURIComponent(q)}`) : Promise.resolve(null)]);
  const box = h('input', { type: 'search', id: 'evidence-q', name: 'q', value: q, maxlength: 200, 'aria-describedby': 'evidence-q-help' }) as HTMLInputElement;
  const form = h('form', { role: 'search', id: 'evidence-search', onsubmit: (e: Event) => {
    e.preventDefault();
    location.hash = box.value.trim() ? `#/evidence?q=${encodeURIComponent(box.value.trim())}` : '#/evidence';
  } }, h('label', { for: 'evidence-q' }, 'Search the evidence base '), box, h('button', { type: 'submit' }, 'Search'),
  h('p', { id: 'evidence-q-help', class: 'help' }, 'Every word must occur in a reference, a finding or a citation statement.'));
  const ref = (id: string) => h('a', { href: `#/evidence/${encodeURIComponent(id)}` }, id);
  clear(app,
    h('h1', {}, 'Evidence base'),
    h('p', {}, `Version ${list.base_version}: ${list.references.length} references, ${list.n_statements} curated citation statements`,
      list.n_user_statements ? `, ${list.n_user_statements} classified here by users` : '', '.'),
    form,
    found ? h('section', { id: 'search-results', 'aria-live': 'polite' }, h('h2', {}, `${found.hits.length} hit(s) for “${q}”`),
      found.hits.length ? table(['Kind', 'Entry', 'Reference', 'What matched'], found.hits.map((x) => [x.kind, x.id, h('span', {}, ref(x.reference), ` ${x.label}`), x.text.slice(0, 240)]), { id: 'hits-table' })
        : h('p', {}, 'Nothing matches every word.')) : null,
    h('h2', {}, 'References'),
    table(['Reference', 'Citation', 'Year', 'Findings', 'Cited by'], list.references.map((r) => [ref(r.id), r.label, fmt(r.year), r.findings, countBadges(r.citing)]), { id: 'references-table' }));
}

function statementList(list: Statement[], show: 'citing' | 'cited'): Child {
  if (!list.length) return h('p', { class: 'none' }, 'None.');
  return h('ul', { class: 'statements' }, ...list.map((s) => h('li', { 'data-id': s.id },
    h('a', { href: `#/evidence/${encodeURIComponent(s[show])}` }, s[show]), `, ${s.section}: `, s.claim,
    s.origin === 'user' ? h('span', { class: 'badge user' }, 'classified here') : null,
    h('div', { class: 'meta' }, `${s.id}; ${s.citation_seen ? 'citation seen' : 'citation inferred'}; classified by ${s.classified_by} from ${s.classified_from}`))));
}

export async function evidencePage(app: HTMLElement, me: Me, id: string) {
  const d = await get<Show>(`/api/evidence/references/${encodeURIComponent(id)}`);
  const c = d.citing;
  const group = (name: string, key: 'supporting' | 'contrasting' | 'mentioning', stance: string) =>
    h('section', { class: `group ${stance}`, id: `group-${key}` }, h('h3', {}, `${name} (${c[key].length})`), statementList(c[key], 'citing'));
  const doi = d.reference.DOI as string | undefined;
  clear(app,
    h('p', {}, h('a', { href: '#/evidence' }, '← All references')),
    h('h1', {}, d.label),
    h('p', { class: 'citation', id: 'vancouver' }, d.vancouver),
    doi ? h('p', {}, 'DOI ', h('a', { href: `https://doi.org/${doi}`, rel: 'noreferrer' }, doi)) : null,
    h('h2', {}, `Findings (${d.findings.length})`),
    d.findings.length ? h('ul', { id: 'findings' }, ...d.findings.map((f) => h('li', {}, f.text, h('span', { class: 'meta' }, ` [${f.where}]`)))) : h('p', {}, 'No findings recorded.'),
    h('h2', {}, 'Cited by'),
    h('p', { id: 'citing-counts' }, `${c.counts.total} statement(s): `, countBadges(c.counts)),
    group('Supporting', 'supporting', 'supports'), group('Contrasting', 'contrasting', 'contrasts'), group('Mentioning', 'mentioning', 'mentions'),
    h('h2', {}, `Statements this reference makes (${d.cites.length})`), statementList(d.cites, 'cited'),
    mayClassify(me) ? h('p', {}, h('a', { class: 'button', id: 'classify-link', href: `#/classify/${encodeURIComponent(id)}` }, 'Classify a new statement citing this reference')) : null);
}

// A new statement: the person's claim in their own words, the section, the papers; the model's
// suggestion (as the server computes it) shown beside the three choices; the person decides.
export async function classifyPage(app: HTMLElement, me: Me, cited: string) {
  if (!mayClassify(me)) {
    clear(app, h('h1', {}, 'Classify a citation statement'),
      h('p', { class: 'error', role: 'alert', id: 'classify-refused' }, `Your role (${me.role}) may browse the evidence base but not classify statements.`));
    return;
  }
  const list = await get<{ references: RefRow[] }>('/api/evidence');
  const options = (selected: string) => [h('option', { value: '' }, '— choose —'),
    ...list.references.map((r) => h('option', { value: r.id, selected: r.id === selected }, `${r.id}: ${r.label}`))];
  const citing = h('select', { id: 'citing', name: 'citing', required: true }, ...options('')) as HTMLSelectElement;
  const citedSel = h('select', { id: 'cited', name: 'cited', required: true }, ...options(cited)) as HTMLSelectElement;
  const claim = h('textarea', { id: 'claim', name: 'claim', rows: 3, maxlength: 2000, required: true, 'aria-describedby': 'claim-help' }) as HTMLTextAreaElement;
  const section = h('input', { id: 'section', name: 'section', maxlength: 100, required: true, placeholder: 'e.g. Discussion' }) as HTMLInputElement;
  const suggestion = h('div', { id: 'suggestion', 'aria-live': 'polite' }, h('p', { class: 'help' }, 'Write the claim and the section, then ask for a suggestion.'));
  const error = h('p', { class: 'error', role: 'alert', id: 'classify-error' });
  const done = h('div', { id: 'classify-done', 'aria-live': 'polite' });
  const radio = (value: string, label: string) => h('label', { class: 'radio' },
    h('input', { type: 'radio', name: 'stance', value, id: `stance-${value}`, required: true }), ` ${label}`);
  const suggest = async () => {
    error.textContent = '';
    try {
      const s = await get<Suggestion>(`/api/evidence/suggest?claim=${encodeURIComponent(claim.value)}&section=${encodeURIComponent(section.value)}`);
      clear(suggestion, h('p', {}, 'The model suggests ', h('strong', { id: 'suggested-stance' }, s.stance),
        ` (supports ${(100 * s.probability.supports).toFixed(0)} %, contrasts ${(100 * s.probability.contrasts).toFixed(0)} %, mentions ${(100 * s.probability.mentions).toFixed(0)} %; naive Bayes on ${s.trained_on} curated statements).`),
      s.because.length ? h('p', { class: 'help' }, `Words that pushed it: ${s.because.map((b) => b.word).join(', ')}.`) : null,
      h('p', { class: 'help' }, 'A suggestion only: choose the stance yourself.'));
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : String(err);
    }
  };
  const form = h('form', { id: 'classify-form', novalidate: true, onsubmit: async (e: Event) => {
    e.preventDefault();
    error.textContent = '';
    const stance = (form.querySelector('input[name=stance]:checked') as HTMLInputElement | null)?.value ?? '';
    if (!stance) { error.textContent = 'Choose supporting, contrasting or mentioning.'; return; }
    try {
      const r = await post<Statement & { suggestion: Suggestion; agrees_with_suggestion: boolean }>('/api/evidence/statements',
        { citing: citing.value, cited: citedSel.value, claim: claim.value, section: section.value, stance });
      clear(done, h('p', { class: 'saved' }, `Saved as ${r.id}: ${r.stance}, classified by ${r.classified_by} `,
        `(the model had suggested ${r.suggestion.stance}). `, h('a', { href: `#/evidence/${encodeURIComponent(r.cited)}` }, `Back to ${r.cited}`)));
      claim.value = '';
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : String(err);
      if (err instanceof ApiError && err.field) (form.querySelector(`[name=${err.field}]`) as HTMLElement | null)?.focus();
    }
  } },
  h('label', { for: 'citing' }, 'Citing reference (the paper that makes the statement)'), citing,
  h('label', { for: 'cited' }, 'Cited reference'), citedSel,
  h('label', { for: 'claim' }, 'Claim, in your own words'), claim,
  h('p', { id: 'claim-help', class: 'help' }, 'What the citing paper says about the cited one; no copied sentences.'),
  h('label', { for: 'section' }, 'Section of the citing paper'), section,
  h('p', {}, h('button', { type: 'button', id: 'suggest', onclick: suggest }, 'Suggest a stance')), suggestion,
  h('fieldset', { class: 'stance-choice' }, h('legend', {}, 'Stance (your decision)'),
    radio('supports', 'supporting'), radio('contrasts', 'contrasting'), radio('mentions', 'mentioning')),
  h('button', { type: 'submit', id: 'classify-save' }, 'Save classification'), error, done);
  clear(app, h('p', {}, h('a', { href: cited ? `#/evidence/${encodeURIComponent(cited)}` : '#/evidence' }, '← Back')),
    h('h1', {}, 'Classify a citation statement'),
    h('p', {}, 'Saved with your name and the time, beside the registry’s users file; the curated base stays as shipped.'), form);
}

// The plan's rationale (plan.json or summary.json "rationale": reference and finding ids of the
// evidence base), each reference with its short citation and the stances of the statements
// citing it, from /api/evidence/rationale.
export async function rationaleSection(rationale: any): Promise<HTMLElement> {
  const refs: string[] = Array.isArray(rationale?.references) ? rationale.references : [];
  const finds: string[] = Array.isArray(rationale?.findings) ? rationale.findings : [];
  const sec = h('section', { id: 'rationale' }, h('h2', {}, 'Prescription rationale'));
  if (!refs.length && !finds.length) {
    sec.append(h('p', { id: 'no-rationale' }, 'No rationale recorded (kiort plan rationale links the prescription to the evidence base).'));
    return sec;
  }
  try {
    const q = `references=${refs.map(encodeURIComponent).join(',')}&findings=${finds.map(encodeURIComponent).join(',')}`;
    const r = await get<{ base_version: string; references: { id: string; known: boolean; label?: string; citing?: Counts }[]; findings: { id: string; known: boolean; text?: string; finding?: Record<string, any> }[] }>(`/api/evidence/rationale?${q}`);
    sec.append(h('p', {}, `Linked from evidence base ${fmt(rationale.evidence_base)} (this server holds ${r.base_version}).`));
    if (r.references.length) sec.append(table(['Reference', 'Citation', 'Statements citing it'], r.references.map((x) => x.known
        ? [h('a', { href: `#/evidence/${encodeURIComponent(x.id)}` }, x.id), x.label, countBadges(x.citing!)]
        : [x.id, h('span', { class: 'error' }, 'not in this evidence base'), '']), { id: 'rationale-table' }));
    if (r.findings.length) sec.append(h('ul', { id: 'rationale-findings' }, ...r.findings.map((f) => h('li', {}, `${f.id}: `,
        f.known ? `${f.text} (${f.finding!.reference})` : h('span', { class: 'error' }, 'not in this evidence base')))));
  } catch (err) {
    sec.append(h('p', { class: 'error' }, `The rationale's references could not be looked up: ${err instanceof Error ? err.message : String(err)}`));
  }
  return sec;
}
