// `kiort serve --demo` as a newcomer meets it, in Debian's Chromium driven by playwright-core:
// the login page is served, a user whose password the server printed logs in, and the demo plan
// opens with its CT slices and dwell table. A screenshot of each step goes to $SCREENSHOT_DIR.
// Usage: KIORT_URL=http://127.0.0.1:PORT KIORT_USER=physicist KIORT_PASSWORD=... node e2e/demo_login.mjs
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const base = process.env.KIORT_URL;
const user = process.env.KIORT_USER;
const password = process.env.KIORT_PASSWORD;
const shots = process.env.SCREENSHOT_DIR;
assert.ok(base && user && password, 'KIORT_URL, KIORT_USER and KIORT_PASSWORD must be set');
if (shots) mkdirSync(shots, { recursive: true });
const shot = async (page, name) => { if (shots) await page.screenshot({ path: `${shots}/demo-${name}.png`, fullPage: true }); };

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on('pageerror', (e) => { console.error('page error:', e); process.exitCode = 1; });

  await page.goto(base + '/');
  await page.waitForSelector('form.login');
  await shot(page, 'login');
  console.log('ok 1 the login page is served');

  await page.fill('#user', user);
  await page.fill('#password', password);
  await page.click('form.login button[type=submit]');
  await page.waitForSelector(`[data-testid=who]:has-text("${user}")`);
  console.log(`ok 2 ${user} logs in with the printed password`);

  await page.goto(base + '/#/plans');
  await page.click('#plans-table a:has-text("demo")');
  await page.waitForSelector('#dwell-table');
  await page.waitForFunction(() => ['axial', 'sagittal', 'coronal'].every((a) => {
    const i = document.getElementById(`slice-${a}`);
    return i && i.complete && i.naturalWidth > 0;
  }));
  await shot(page, 'plan');
  console.log('ok 3 the demo plan opens with its three CT views and dwell table');
} finally {
  await browser.close();
}
