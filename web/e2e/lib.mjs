// The harness the web e2e scripts share (run.mjs, visits.mjs, plan_review.mjs): Debian's Chromium
// through playwright-core, one page at 1280 x 900 whose script errors fail the run, numbered
// steps, screenshots to $SCREENSHOT_DIR, login/logout as a demo user (password-<user>), JSON
// calls to the API with the session's CSRF token, and axe-core in the page.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

export const base = process.env.KIORT_URL;
const shots = process.env.SCREENSHOT_DIR;
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
assert.ok(base, 'KIORT_URL is not set');
if (shots) mkdirSync(shots, { recursive: true });
// Evaluated through the DevTools protocol: the page's CSP (no inline scripts) stays as it is.
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// The browser, its context (contextOptions added to the viewport) and page, and the helpers
// bound to that page. Screenshots are named <shotPrefix><name>.png. Close with browser.close().
export async function startBrowser({ shotPrefix = 'web-', contextOptions = {} } = {}) {
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  page.on('pageerror', (e) => { console.error('page error:', e); process.exitCode = 1; });

  let passed = 0;
  async function step(name, fn) {
    const t0 = Date.now();
    await fn();
    passed++;
    console.log(`ok ${passed} ${name} (${Date.now() - t0} ms)`);
  }
  const shot = async (p, name) => { if (shots) await p.screenshot({ path: `${shots}/${shotPrefix}${name}.png`, fullPage: true }); };

  async function login(user) {
    await page.goto(base + '/#/login');
    await page.waitForSelector('form.login');
    await page.fill('#user', user);
    await page.fill('#password', `password-${user}`);
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('[data-testid=who]');
  }
  async function logout() {
    await page.click('#logout');
    await page.waitForSelector('form.login');
  }
  // A JSON request from the page (its session cookie) with the CSRF token of /api/me.
  const api = (method, path, body, headers = {}) => page.evaluate(async ([m, p, b, hd]) => {
    const me = await (await fetch('/api/me')).json();
    const r = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.csrf ?? '', ...hd }, body: b === undefined ? undefined : JSON.stringify(b) });
    return { status: r.status, replayed: r.headers.get('Idempotent-Replayed'), body: await r.json().catch(() => null) };
  }, [method, path, body, headers]);

  // axe-core on the page as it is: critical and serious violations fail the step, with what and
  // where; every violation is listed.
  async function axe(p, what) {
    await p.evaluate(axeSource);
    const r = await p.evaluate(async () => {
      const res = await window.axe.run(document, { resultTypes: ['violations'] });
      return res.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary}`).slice(0, 3) }));
    });
    const bad = r.filter((v) => v.impact === 'critical' || v.impact === 'serious');
    for (const v of r) console.log(`   axe ${what}: ${v.impact} ${v.id} (${v.help})${v.impact === 'critical' || v.impact === 'serious' ? `\n      ${v.nodes.join('\n      ')}` : ''}`);
    assert.equal(bad.length, 0, `axe-core on ${what}: ${bad.map((v) => `${v.impact} ${v.id}`).join(', ')}`);
    console.log(`   axe-core ${what}: ${r.length} violation(s), none critical or serious`);
  }

  // The three CT slices of the plan page loaded.
  const slicesLoaded = () => page.waitForFunction(() => ['axial', 'sagittal', 'coronal'].every((a) => {
    const i = document.getElementById(`slice-${a}`);
    return i && i.complete && i.naturalWidth > 0;
  }));

  return { browser, context, page, step, passed: () => passed, shot, login, logout, api, axe, slicesLoaded };
}
