// kiort's web front end: hash routes (#/due, #/patient/ID, #/visit/PROCEDURE, #/plans, #/plan/ID,
// #/cohort, #/evidence[/ID], #/classify/CITED), one module per page. The server decides who may
// do what; the page only hides buttons a role cannot use.
import './style.css';
import { ApiError, get, Me, post, setCsrf, setReauthenticate } from './api';
import { clear, h } from './dom';
import { duePage } from './pages/due';
import { patientPage } from './pages/patient';
import { visitPage } from './pages/visit';
import { historyPage } from './pages/history';
import { vitalPage } from './pages/vital';
import { planListPage, planPage } from './pages/plan';
import { cohortPage } from './pages/cohort';
import { classifyPage, evidenceListPage, evidencePage } from './pages/evidence';

const app = document.getElementById('app')!;
const nav = document.getElementById('nav')!;
let me: Me | null = null;

function renderNav() {
  if (!me) return clear(nav);
  const link = (href: string, text: string) => h('a', { href, class: location.hash.startsWith(href) ? 'active' : '' }, text);
  clear(nav, h('span', { class: 'brand' }, 'kiort'), link('#/due', 'Follow-up due'), link('#/plans', 'Plans'),
    link('#/cohort', 'Cohort'), link('#/evidence', 'Evidence'), h('span', { class: 'spacer' }),
    h('span', { class: 'who', 'data-testid': 'who' }, `${me.user} (${me.role})`),
    h('button', { type: 'button', id: 'logout', onclick: async () => {
      await post('/api/logout').catch(() => undefined);
      me = null;
      go('#/login');
    } }, 'Log out'));
}

// Log in (the session cookie and its CSRF token), then who that is: the login page and the
// dialog after the session ended.
async function logIn(user: string, password: string) {
  const r = await post<Me>('/api/login', { user, password });
  setCsrf(r.csrf);
  me = await get<Me>('/api/me');
}

function loginPage() {
  const user = h('input', { id: 'user', name: 'user', autocomplete: 'username', required: true }) as HTMLInputElement;
  const pass = h('input', { id: 'password', name: 'password', type: 'password', autocomplete: 'current-password', required: true }) as HTMLInputElement;
  const msg = h('p', { class: 'error', role: 'alert' });
  const form = h('form', { class: 'login', onsubmit: async (e: Event) => {
    e.preventDefault();
    try {
      await logIn(user.value, pass.value);
      // Stay on the page the user asked for before logging in.
      go(location.hash === '' || location.hash.startsWith('#/login') ? '#/due' : location.hash);
    } catch (err) {
      msg.textContent = err instanceof ApiError ? err.message : String(err);
    }
  } }, h('h1', {}, 'kiort: Kypho-IORT'), h('label', { for: 'user' }, 'User'), user,
    h('label', { for: 'password' }, 'Password'), pass, h('button', { type: 'submit' }, 'Log in'), msg);
  clear(app, form);
  user.focus();
}

// The session ended while a page was open (idle timeout, a restart, a logout elsewhere): ask for
// the password in a dialog over the page, so that what was typed into a form stays, then let the
// request go again (api.ts). One dialog for all the requests that found the session gone.
let relogin: Promise<void> | null = null;
function reloginDialog(): Promise<void> {
  if (relogin) return relogin;
  relogin = new Promise<void>((resolve) => {
    const user = h('input', { id: 'relogin-user', name: 'user', autocomplete: 'username', value: me?.user ?? '' }) as HTMLInputElement;
    const pass = h('input', { id: 'relogin-password', name: 'password', type: 'password', autocomplete: 'current-password' }) as HTMLInputElement;
    const msg = h('p', { class: 'error', role: 'alert', id: 'relogin-error' });
    const dialog = h('dialog', { id: 'relogin', 'aria-labelledby': 'relogin-title', 'aria-describedby': 'relogin-why' }) as HTMLDialogElement;
    const form = h('form', { class: 'login', onsubmit: async (e: Event) => {
      e.preventDefault();
      try {
        await logIn(user.value, pass.value);
        renderNav();
        dialog.close();
        dialog.remove();
        relogin = null;
        resolve();
      } catch (err) {
        msg.textContent = err instanceof ApiError ? err.message : String(err);
        pass.focus();
      }
    } }, h('h2', { id: 'relogin-title' }, 'Your session has ended'),
    h('p', { id: 'relogin-why' }, 'Log in again to continue: nothing you entered on this page is lost.'),
    h('label', { for: 'relogin-user' }, 'User'), user, h('label', { for: 'relogin-password' }, 'Password'), pass,
    h('button', { type: 'submit', id: 'relogin-submit' }, 'Log in and continue'), msg);
    dialog.append(form);
    dialog.addEventListener('cancel', (e) => e.preventDefault());  // Escape does not drop the request
    document.body.append(dialog);
    dialog.showModal();
    (user.value ? pass : user).focus();
  });
  return relogin;
}
setReauthenticate(reloginDialog);

// Navigates to hash; when it is already the current one no hashchange fires, so route directly.
function go(hash: string) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

// Each route() renders only if no newer one started meanwhile: two overlapping renders (a
// hashchange during a slow request) would otherwise replace a form the user is typing into.
let generation = 0;

async function route() {
  const mine = ++generation;
  const current = () => mine === generation;
  if (!me) {
    try {
      me = await get<Me>('/api/me');
      setCsrf(me.csrf);
    } catch {
      me = null;
    }
  }
  if (!current()) return;
  renderNav();
  const [, page = '', arg = ''] = location.hash.split('/');
  if (!me) return loginPage();
  try {
    clear(app, h('p', { class: 'loading' }, 'Loading…'));
    // Pages render into a detached view that replaces the page only if still current.
    const view = h('div', { class: 'page' });
    if (page === 'patient') await patientPage(view, me, arg);
    else if (page === 'visit') await visitPage(view, me, arg);
    else if (page === 'history') await historyPage(view, arg);
    else if (page === 'vital') await vitalPage(view, me, arg);
    else if (page === 'plans') await planListPage(view);
    else if (page === 'plan') await planPage(view, me, arg);
    else if (page === 'cohort') await cohortPage(view);
    else if (page.split('?')[0] === 'evidence') await (arg ? evidencePage(view, me, arg.split('?')[0]) : evidenceListPage(view));
    else if (page === 'classify') await classifyPage(view, me, arg);
    else await duePage(view, me);
    if (current()) clear(app, view);
  } catch (err) {
    if (!current()) return;
    if (err instanceof ApiError && err.status === 401) {
      me = null;
      return route();
    }
    clear(app, h('p', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err)));
  }
}

window.addEventListener('hashchange', route);
route();
