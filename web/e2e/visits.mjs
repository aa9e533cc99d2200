// Follow-up entry as a research nurse and a data manager meet it (issue 20, items 2, 3, 5, 6, 7, 9
// and 11), in Debian's Chromium through playwright-core, on the demo cohort after run.mjs:
// each invalid visit refused with its reason at its field (all at once, focus on the first); a
// visit outside its window saved only after confirmation; a double click and Enter save once; a
// correction and a deletion with their reasons in the visit's history; a missed visit leaves the
// due list; a death date before a visit refused, then a death entered; the form survives the end
// of the session (log in again in place); a login in another tab does not break this tab; axe-core
// finds no critical or serious violation on the login, due, patient, visit, vital-status and
// history pages. Screenshots to $SCREENSHOT_DIR (web-entry-*.png).
// Usage: KIORT_URL=http://127.0.0.1:PORT node e2e/visits.mjs
import assert from 'node:assert/strict';
import { base, startBrowser } from './lib.mjs';

const { browser, context, page, step, passed, shot, login, logout, api, axe } = await startBrowser({ shotPrefix: 'web-entry-' });
try {
  const visitsOf = async (proc, event) => {
    const pr = (await api('GET', `/api/procedures/${proc}`)).body;
    return pr.visits.filter((v) => v.event === event);
  };
  async function openForm(hash) {
    await page.goto(base + '/#/visit/' + hash);
    await page.waitForSelector('#visit-form');
  }
  // Save and wait for the refusal; returns the messages shown beside fields.
  async function refused() {
    await page.click('#save-visit');
    await page.waitForSelector('#form-errors:not([hidden])');
    return page.locator('.field.invalid .field-error').allTextContents();
  }

  await step('the login page has no critical or serious accessibility violation', async () => {
    await page.goto(base + '/#/login');
    await page.waitForSelector('form.login');
    await axe(page, 'login');
  });

  await step('the visit form names patient, procedure, level and window in clinical words', async () => {
    await login('ann');
    await openForm('6?event=late_1');
    const heading = await page.textContent('h1');
    assert.match(heading, /SYN.-006/);
    assert.match(await page.textContent('#visit-context'), /Procedure 2024-05-06, T/);
    assert.match(await page.textContent('#visit-window'), /2025-04-05 to 2025-06-04/);
    assert.match(await page.textContent('label[for=f-pain_worst]'), /Worst pain at the treated site \(0–10\) \*/);
    assert.equal(await page.locator('#odi-1').count(), 1, 'ODI entry');
    assert.match(await page.getAttribute('#c30-29', 'aria-label'), /QLQ-C30 item 29 \(answer 1 to 7\)/);
    assert.match(await page.getAttribute('#bm22-1', 'aria-label'), /item 31 \(answer 1 to 4\)/);
    await page.click('#add-analgesic');
    assert.match(await page.textContent('label[for=an-dose-1]'), /Daily dose/);
    await page.click('.analgesic button:has-text("Remove")');
  });

  await step('each invalid visit is refused with its reason at its field, focus on the first', async () => {
    await page.fill('#f-visit_date', '2099-01-01');
    await page.fill('#f-pain_worst', '2');
    let msgs = await refused();
    assert.ok(msgs.some((m) => /in the future/.test(m)), msgs.join('|'));
    assert.equal(await page.getAttribute('#f-visit_date', 'aria-invalid'), 'true');
    assert.match(await page.getAttribute('#f-visit_date', 'aria-describedby'), /f-visit_date-error/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-visit_date');

    await page.fill('#f-visit_date', '2024-05-01');
    msgs = await refused();
    assert.ok(msgs.some((m) => /before surgery/.test(m)), msgs.join('|'));

    await page.fill('#f-visit_date', '2025-05-05');
    await page.fill('#f-pain_worst', '');
    msgs = await refused();
    assert.ok(msgs.some((m) => /no pain score/.test(m)), msgs.join('|'));
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-pain_worst');

    // Two at once: both shown, the summary lists both.
    await page.fill('#f-visit_date', '2099-01-01');
    await page.fill('#f-pain_worst', '11');
    msgs = await refused();
    assert.equal(await page.locator('.field.invalid').count(), 2, msgs.join('|'));
    assert.equal(await page.locator('#form-errors li').count(), 2);
    assert.ok(msgs.some((m) => /out of range: got 11, expected 0 to 10/.test(m)), msgs.join('|'));
    await shot(page, 'visit-errors');
    await axe(page, 'the visit form with errors');

    // A second visit for an event already recorded.
    await page.selectOption('#f-event', 'm6');
    await page.fill('#f-visit_date', '2024-11-08');
    await page.fill('#f-pain_worst', '2');
    msgs = await refused();
    assert.ok(msgs.some((m) => /second visit for the same event/.test(m)), msgs.join('|'));
    assert.equal((await visitsOf(6, 'm6')).length, 1);
  });

  await step('a deceased patient: no date proposed, a visit after death refused', async () => {
    await openForm('5');
    assert.equal(await page.inputValue('#f-visit_date'), '');
    assert.notEqual(await page.inputValue('#f-event'), 'preop');
    assert.match(await page.textContent('#visit-context'), /died 2024-11-08/);
    await page.selectOption('#f-event', 'late_1');
    await page.fill('#f-visit_date', '2025-04-10');
    await page.fill('#f-pain_worst', '3');
    const msgs = await refused();
    assert.ok(msgs.some((m) => /after death/.test(m)), msgs.join('|'));
    assert.equal((await visitsOf(5, 'late_1')).length, 0);
  });

  await step('outside its window a visit is saved only after confirmation; last contact follows', async () => {
    await openForm('6?event=late_1');
    await page.fill('#f-visit_date', '2025-07-01');
    await page.fill('#f-pain_worst', '2');
    await page.click('#save-visit');
    await page.waitForSelector('#confirm:not([hidden]) >> text=outside the late_1 window');
    assert.equal((await visitsOf(6, 'late_1')).length, 0, 'saved before the confirmation');
    await shot(page, 'visit-confirm');
    await page.click('#confirm-save');
    await page.waitForSelector('#form-status:has-text("saved")');
    assert.equal((await visitsOf(6, 'late_1')).length, 1);
    const p6 = (await api('GET', '/api/patients/6')).body;
    assert.equal(p6.vital_status.last_contact_date, '2025-07-01');
  });

  await step('a double click and Enter in a text field save one visit', async () => {
    await openForm('4?event=late_2');
    await page.fill('#f-visit_date', '2025-09-15');
    await page.fill('#f-pain_worst', '3');
    await page.fill('#f-imaging_notes', 'stable');
    await page.dblclick('#save-visit');
    await page.press('#f-imaging_notes', 'Enter');
    await page.waitForSelector('#form-status:has-text("saved")');
    await page.press('#f-imaging_notes', 'Enter');
    await page.waitForTimeout(300);
    assert.equal((await visitsOf(4, 'late_2')).length, 1);
    assert.ok(await page.isDisabled('#save-visit'));
    // The API itself: the same Idempotency-Key answers the first result again.
    const body = { visit: { procedure_id: 8, event: 'unscheduled', visit_date: '2025-01-20', pain_worst: 1 } };
    const a = await api('POST', '/api/visits', body, { 'Idempotency-Key': 'e2e-key-1' });
    const b = await api('POST', '/api/visits', body, { 'Idempotency-Key': 'e2e-key-1' });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(b.body.id, a.body.id);
    assert.equal(b.replayed, 'true');
    assert.equal((await visitsOf(8, 'unscheduled')).length, 1);
  });

  let corrected = 0;
  await step('a correction needs a reason and shows in the visit history', async () => {
    corrected = (await visitsOf(4, 'late_2'))[0].id;
    await page.goto(base + '/#/patient/4');
    await page.click(`a[href="#/visit/4?edit=${corrected}"]`);
    await page.waitForSelector('#visit-form');
    assert.equal(await page.inputValue('#f-pain_worst'), '3');
    await page.fill('#f-pain_worst', '4');
    const msgs = await refused();
    assert.ok(msgs.some((m) => /reason/.test(m)), msgs.join('|'));
    await page.fill('#f-reason', 'transcription error: 4 on the paper form');
    await page.click('#save-visit');
    await page.waitForSelector('#form-status:has-text("corrected")');
    await page.goto(base + `/#/history/${corrected}`);
    await page.waitForSelector('#history-table');
    const text = await page.textContent('#history-table');
    assert.match(text, /reason for the update/);
    assert.match(text, /transcription error: 4 on the paper form/);
    assert.ok(await page.locator('#history-table tr:has-text("pain_worst"):has-text("3"):has-text("4")').count() >= 1);
    await shot(page, 'history');
    await axe(page, 'the history page');
  });

  await step('a missed visit with its reason leaves the due list', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const listed = async () => (await api('GET', `/api/due?date=${today}`)).body.visits.some((d) => d.procedure_id === 2 && d.event === 'late_2');
    assert.ok(await listed(), 'late_2 of procedure 2 is overdue');
    await page.goto(base + `/#/due?date=${today}`);
    await page.click('#due-table a[aria-label="Mark missed: late_2 of SYNA-002"]');
    await page.waitForSelector('#visit-form');
    assert.equal(await page.inputValue('#f-visit_status'), 'missed');
    assert.ok(await page.isHidden('[data-field="visits.pain_worst"]'));
    await page.fill('#f-visit_date', '2025-08-20');
    let msgs = await refused();
    assert.ok(msgs.some((m) => /say why/.test(m)), msgs.join('|'));
    await page.fill('#f-status_reason', 'not reached by phone three times');
    await page.click('#save-visit');
    await page.waitForSelector('#form-status:has-text("saved")');
    assert.ok(!(await listed()));
    await page.goto(base + '/#/patient/2');
    await page.waitForSelector('table.visits >> text=not reached by phone three times');
  });

  await step('a death date before a recorded visit is refused; a death is entered', async () => {
    await page.goto(base + '/#/patient/6');
    await page.click('#edit-vital');
    await page.waitForSelector('#vital-form');
    await page.fill('#vs-death_date', '2024-06-01');
    await page.fill('#vs-death_cause', 'progression');
    await page.fill('#vs-reason', 'death reported by the GP');
    await page.click('#save-vital');
    await page.waitForSelector('[data-field="vital_status.death_date"].invalid');
    assert.match(await page.textContent('[data-field="vital_status.death_date"] .field-error'), /after death/);
    assert.equal(await page.getAttribute('#vs-death_date', 'aria-invalid'), 'true');
    await page.fill('#vs-death_date', '2025-08-01');
    await page.fill('#vs-last_contact_date', '2025-08-01');
    await page.click('#save-vital');
    await page.waitForSelector('#vital-status-msg:has-text("saved")');
    await shot(page, 'vital');
    await axe(page, 'the vital-status page');
    await page.click('#back-to-patient');
    await page.waitForSelector('#vital-line:has-text("died 2025-08-01 (progression)")');
    await shot(page, 'patient');
    await axe(page, 'the patient page');
    await openForm('6');
    assert.equal(await page.inputValue('#f-visit_date'), '');
  });

  await step('the form survives the end of the session: log in again in place', async () => {
    await openForm('8?event=late_1');
    await page.fill('#f-visit_date', '2025-06-30');
    await page.fill('#f-pain_worst', '5');
    await page.fill('#f-imaging_notes', 'typed before the session ended');
    await context.clearCookies();  // as after the idle timeout or a server restart
    await page.click('#save-visit');
    await page.waitForSelector('dialog#relogin[open]');
    await shot(page, 'relogin');
    await page.fill('#relogin-password', 'password-ann');
    await page.click('#relogin-submit');
    await page.waitForSelector('#form-status:has-text("saved")');
    const v = (await visitsOf(8, 'late_1'))[0];
    const full = (await api('GET', `/api/visits/${v.id}`)).body.visit;
    assert.equal(full.imaging_notes, 'typed before the session ended');
    assert.equal(full.pain_worst, '5');
  });

  await step('a login in another tab does not break this tab (CSRF token renewed)', async () => {
    await openForm('9');
    // Another tab logs in (as after its own session ended): the new session's cookie replaces
    // this tab's, whose CSRF token belongs to the old session.
    const other = await context.newPage();
    await other.goto(base + '/');
    const r = await other.request.post(base + '/api/login', { data: { user: 'ann', password: 'password-ann' } });
    assert.equal(r.status(), 200);
    await other.close();
    await page.selectOption('#f-event', 'unscheduled');
    await page.fill('#f-visit_date', '2024-10-01');
    await page.fill('#f-pain_worst', '4');
    await page.click('#save-visit');
    await page.waitForSelector('#form-status:has-text("saved")');
  });

  await step('the due page has no critical or serious accessibility violation', async () => {
    // Today: the overdue visits with their "Enter visit" and "Mark missed" buttons.
    await page.goto(base + `/#/due?date=${new Date().toISOString().slice(0, 10)}`);
    await page.waitForSelector('#due-table a:has-text("Mark missed")');
    await page.click('#due-rules summary');
    await shot(page, 'due');
    await axe(page, 'the due page');
  });

  await step('the data manager deletes a visit with a reason; its history stays', async () => {
    const r = await api('DELETE', `/api/visits/${corrected}`, { reason: 'x' });
    assert.equal(r.status, 403, 'a physician may not delete');
    await logout();
    await login('dora');
    await openForm(`4?edit=${corrected}`);
    await page.click('#delete-visit');
    await page.waitForSelector('#delete-status:has-text("Not deleted")');
    await page.fill('#delete-reason', 'entered for the wrong patient');
    await page.click('#delete-visit');
    await page.waitForSelector('#delete-status:has-text("Deleted")');
    assert.equal((await visitsOf(4, 'late_2')).length, 0);
    await page.goto(base + `/#/history/${corrected}`);
    await page.waitForSelector('#history-table >> text=entered for the wrong patient');
    assert.ok(await page.locator('#history-table tr:has-text("delete")').count() >= 1);
  });
  console.log(`web e2e (entry): ${passed()} steps passed`);
} finally {
  await browser.close();
}
