// The web application as its users meet it, in Debian's Chromium driven by playwright-core:
// refused without a session and with the wrong role; a physician logs in, enters a follow-up
// visit (first with a value the registry refuses, shown at the field) and sees it on the
// dashboard; the plan shows isodose lines over the CT (pixels counted in the rendered slice);
// the physicist approves the plan. Screenshots of every page go to $SCREENSHOT_DIR.
// Usage: KIORT_URL=http://127.0.0.1:PORT node e2e/run.mjs
import assert from 'node:assert/strict';
import { base, startBrowser } from './lib.mjs';

const { browser, page, step, passed, shot, login, logout, api, slicesLoaded } = await startBrowser();
try {
  await step('without a session the API answers 401 and the page asks to log in', async () => {
    for (const path of ['/api/patients', '/api/cohort', '/api/plans/demo', '/api/me'])
      assert.equal((await page.request.get(base + path)).status(), 401, path);
    const r = await page.request.post(base + '/api/visits', { data: { visit: {} } });
    assert.equal(r.status(), 401);
    await page.goto(base + '/');
    await page.waitForSelector('form.login');
    await shot(page, 'login');
  });

  await step('a wrong password is refused', async () => {
    await page.goto(base + '/#/login');
    await page.fill('#user', 'ann');
    await page.fill('#password', 'not-her-password');
    await page.click('form.login button[type=submit]');
    await page.waitForSelector('form.login .error:has-text("wrong user name or password")');
  });

  await step('the physician logs in and sees the visits due', async () => {
    await login('ann');
    await page.goto(base + '/#/due?date=2024-12-10');
    await page.waitForSelector('#due-table >> text=SYNB-007');
    await shot(page, 'due');
  });

  const m6Before = (await api('GET', '/api/cohort')).body.pain.find((p) => p.event === 'm6').n_assessed;

  await step('a patient page shows procedures, visits and plots', async () => {
    await page.goto(base + '/#/patient/1');
    await page.waitForSelector('h1:has-text("SYNA-001")');
    assert.ok((await page.locator('table.visits tbody tr').count()) >= 3);
    assert.ok((await page.locator('svg.chart path.series').count()) >= 2);
    await shot(page, 'patient');
  });

  await step('visit entry shows the registry refusing a value at its field', async () => {
    await page.goto(base + '/#/due?date=2024-12-10');
    await page.click('#due-table tr:has-text("SYNB-007") a.button');
    await page.waitForSelector('#visit-form');
    assert.equal(await page.inputValue('#f-event'), 'm6');
    await page.fill('#f-visit_date', '2024-12-04');
    await page.fill('#f-pain_worst', '11');
    await page.click('#save-visit');
    const field = page.locator('[data-field="visits.pain_worst"]');
    await field.locator('.field-error:has-text("out of range")').waitFor();
    assert.match(await field.getAttribute('class'), /invalid/);
    await shot(page, 'visit-error');
  });

  await step('the corrected visit is saved with questionnaire items and an analgesic', async () => {
    await page.fill('#f-pain_worst', '2');
    for (let i = 1; i <= 30; i++) await page.selectOption(`#c30-${i}`, i >= 29 ? '5' : '2');
    await page.click('#add-analgesic');
    await page.selectOption('.analgesic select[name=drug]', 'morphine');
    await page.fill('.analgesic input[name=daily_dose]', '20');
    await page.click('#save-visit');
    await page.waitForSelector('#form-status:has-text("saved")');
    await shot(page, 'visit');
  });

  await step('the visit is on the dashboard: no longer due, counted in the cohort', async () => {
    await page.goto(base + '/#/due?date=2024-12-10');
    await page.waitForSelector('h1:has-text("Follow-up due")');
    await page.waitForSelector('#patients-table');
    assert.equal(await page.locator('#due-table >> text=SYNB-007').count(), 0);
    await page.goto(base + '/#/cohort');
    await page.waitForSelector('#pain-table');
    const m6After = (await api('GET', '/api/cohort')).body.pain.find((p) => p.event === 'm6').n_assessed;
    assert.equal(m6After, m6Before + 1);
    assert.ok(await page.locator('svg.chart text.risk').count() >= 2, 'numbers at risk');
    await shot(page, 'cohort');
  });

  await step('the plan shows isodose lines over the CT; the physician may not approve', async () => {
    await page.goto(base + '/#/plans');
    await page.click('#plans-table a:has-text("demo")');
    await page.waitForSelector('#slice-axial');
    await slicesLoaded();
    // Count pixels in the rendered axial slice that carry the 100 % isodose colour (#ff00ff) and
    // the CT's grey levels: both must be there.
    const counts = await page.evaluate(() => {
      const img = document.getElementById('slice-axial');
      const c = document.createElement('canvas');
      c.width = img.naturalWidth; c.height = img.naturalHeight;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let iso = 0, grey = 0;
      for (let k = 0; k < d.length; k += 4) {
        const [r, gg, b] = [d[k], d[k + 1], d[k + 2]];
        if (r > 200 && gg < 80 && b > 200) iso++;
        if (r === gg && gg === b && r > 20 && r < 235) grey++;
      }
      return { iso, grey, total: d.length / 4 };
    });
    console.log(`   axial slice: ${counts.iso} isodose pixels, ${counts.grey} CT pixels of ${counts.total}`);
    assert.ok(counts.iso > 50, 'no 100 % isodose line drawn');
    assert.ok(counts.grey > counts.total / 4, 'no CT drawn');
    assert.equal(await page.locator('#approve').count(), 0);
    // Scrolling moves the slice; the bone preset changes window/level of all three views.
    const before = await page.getAttribute('#slice-axial', 'src');
    await page.locator('#slice-axial').hover();
    await page.mouse.wheel(0, 120);
    await page.waitForFunction((b) => document.getElementById('slice-axial').getAttribute('src') !== b, before);
    await page.click('button:has-text("Bone")');
    for (const a of ['axial', 'sagittal', 'coronal']) assert.match(await page.getAttribute(`#slice-${a}`, 'src'), /wl=1800,400/);
    await page.click('button:has-text("Soft tissue")');
    await page.waitForFunction(() => ['axial', 'sagittal', 'coronal'].every((a) => {
      const i = document.getElementById(`slice-${a}`);
      return i.complete && i.naturalWidth > 0 && i.getAttribute('src').includes('wl=400,40');
    }));
    await page.waitForSelector('#dwell-table');
    await page.waitForSelector('#second-check');
    await shot(page, 'plan');
    const r = await api('POST', '/api/plans/demo/approve', {});
    assert.equal(r.status, 403);
  });

  await step('a read-only user cannot enter a visit (403)', async () => {
    await logout();
    await login('rob');
    const r = await api('POST', '/api/visits', { visit: { procedure_id: 1, event: 'unscheduled', visit_date: '2024-10-01', pain_worst: 1 } });
    assert.equal(r.status, 403);
    await page.goto(base + '/#/due?date=2024-12-10');
    await page.waitForSelector('#patients-table');
    assert.equal(await page.locator('a:has-text("Enter visit")').count(), 0);
  });

  await step('a state-changing request without the CSRF token is refused (403)', async () => {
    const status = await page.evaluate(async () => (await fetch('/api/logout', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' })).status);
    assert.equal(status, 403);
  });

  await step('the physicist approves the plan', async () => {
    await logout();
    await login('phil');
    await page.goto(base + '/#/plan/demo');
    // In the page, with the password again and a comment (plan_review.mjs tests the refusals).
    await page.click('#approve');
    await page.fill('#approve-password', 'password-phil');
    await page.fill('#approve-comment', 'approved in the web e2e suite');
    await page.click('#approve-confirm');
    await page.waitForSelector('#approval:has-text("Approved by phil")');
    await shot(page, 'plan-approved');
  });

  await step('after a reload the plan still reads approved and offers no second approval', async () => {
    await page.reload();
    await page.waitForSelector('#approval.approved:has-text("Approved by phil")');
    assert.equal(await page.locator('#approve').count(), 0);
    await page.goto(base + '/#/plans');
    await page.waitForSelector('#plans-table >> text=approved by phil');
    await logout();
    await login('ann');
    await page.goto(base + '/#/plan/demo');
    await page.waitForSelector('#approval.approved:has-text("Approved by phil")');
  });
  console.log(`web e2e: ${passed()} steps passed`);
} finally {
  await browser.close();
}
