// The evidence base in the browser (issue 22), in Debian's Chromium through playwright-core: the
// reference list, a search, a reference's page with the statements citing it grouped and counted
// as the API (and `kiort evidence show`) groups them, the classification of a new statement with
// the model's suggestion shown and the person's choice saved with their name, read-only refused
// (no form; the API answers 403), the plan page's rationale (plan "contract", whose summary.json
// carries one) and "No rationale recorded" (plan "demo"); axe-core finds no critical or serious
// violation on the list, reference, classify and plan-rationale pages. Screenshots to
// $SCREENSHOT_DIR (web-evidence*.png).
// Usage: KIORT_URL=http://127.0.0.1:PORT node e2e/evidence.mjs
import assert from 'node:assert/strict';
import { base, startBrowser } from './lib.mjs';

const { browser, page, step, passed, shot, login, logout, api, axe } = await startBrowser({ shotPrefix: '' });
try {
  await login('rob');
  await step('read-only: the list of references, from the nav', async () => {
    await page.click('nav a[href="#/evidence"]');
    await page.waitForSelector('#references-table');
    const rows = await page.locator('#references-table tbody tr').count();
    const list = (await api('GET', '/api/evidence')).body;
    assert.equal(rows, list.references.length);
    assert.ok(rows >= 20, `${rows} references`);
    await axe(page, 'the evidence list');
  });
  await step('search: the phase III protocol', async () => {
    await page.fill('#evidence-q', 'phase III protocol');
    await page.press('#evidence-q', 'Enter');
    await page.waitForSelector('#search-results');
    assert.match(await page.locator('#search-results h2').innerText(), /hit\(s\) for/);
    assert.ok(await page.locator('#hits-table a[href="#/evidence/bludau2019"]').count() >= 1);
    await page.fill('#evidence-q', 'zzzznotaword');
    await page.press('#evidence-q', 'Enter');
    await page.waitForSelector('#search-results:has-text("Nothing matches")');
  });
  await step('show: the protocol with its statements grouped and counted', async () => {
    await page.goto(base + '/#/evidence/bludau2019');
    await page.waitForSelector('#citing-counts');
    const d = (await api('GET', '/api/evidence/references/bludau2019')).body;
    for (const g of ['supporting', 'contrasting', 'mentioning']) {
      assert.equal(await page.locator(`#group-${g} li`).count(), d.citing[g].length, g);
      assert.match(await page.locator(`#group-${g} h3`).innerText(), new RegExp(`\\(${d.citing[g].length}\\)`));
    }
    assert.ok(d.citing.counts.total > 0);
    assert.match(await page.locator('#citing-counts').innerText(), new RegExp(`${d.citing.counts.supporting} supporting`));
    assert.ok(await page.locator('#findings li').count() >= 1);
    assert.equal(await page.locator('#classify-link').count(), 0, 'read-only sees no classify link');
    await axe(page, 'a reference');
  });
  await step('read-only may not classify: no form, and the API answers 403', async () => {
    await page.goto(base + '/#/classify/bludau2019');
    await page.waitForSelector('#classify-refused');
    assert.equal(await page.locator('#classify-form').count(), 0);
    const r = await api('POST', '/api/evidence/statements', { citing: 'krauss2024', cited: 'bludau2019', claim: 'A claim long enough to pass.', section: 'Methods', stance: 'supports' });
    assert.equal(r.status, 403);
  });
  await logout();

  await login('ann');
  let before;
  await step('physician: classify a statement with the suggestion shown', async () => {
    before = (await api('GET', '/api/evidence/references/bludau2019')).body.citing.counts;
    await page.goto(base + '/#/evidence/bludau2019');
    await page.click('#classify-link');
    await page.waitForSelector('#classify-form');
    assert.equal(await page.locator('#cited').inputValue(), 'bludau2019');
    await page.selectOption('#citing', 'krauss2024');
    await page.fill('#claim', 'Reports that its own series, treated as the protocol describes, reached a similar pain response.');
    await page.fill('#section', 'Discussion');
    await page.click('#classify-save');
    await page.waitForSelector('#classify-error:has-text("Choose supporting")');
    await page.click('#suggest');
    await page.waitForSelector('#suggested-stance');
    const suggested = await page.locator('#suggested-stance').innerText();
    assert.match(suggested, /^(supports|contrasts|mentions)$/);
    await axe(page, 'the classify form with a suggestion');
    await shot(page, 'web-evidence-classify');
    await page.check('#stance-supports');
    await page.click('#classify-save');
    await page.waitForSelector('#classify-done .saved');
    const saved = await page.locator('#classify-done').innerText();
    assert.match(saved, /supports, classified by ann \(physician\)/);
    assert.match(saved, new RegExp(`model had suggested ${suggested}`));
  });
  await step('the new statement on the reference page, counted and marked', async () => {
    await page.click('#classify-done a');
    await page.waitForSelector('#citing-counts');
    const after = (await api('GET', '/api/evidence/references/bludau2019')).body.citing.counts;
    assert.equal(after.supporting, before.supporting + 1);
    assert.equal(await page.locator('#group-supporting li:has(.badge.user)').count(), 1);
    await shot(page, 'web-evidence');
  });
  await step('a bad classification is refused at its field', async () => {
    await page.goto(base + '/#/classify/bludau2019');
    await page.waitForSelector('#classify-form');
    await page.selectOption('#citing', 'wenz2010');
    await page.fill('#claim', 'An older paper cannot cite a newer one at all.');
    await page.fill('#section', 'Methods');
    await page.check('#stance-mentions');
    await page.click('#classify-save');
    await page.waitForSelector('#classify-error:has-text("older than")');
  });
  await step('plan page: the rationale when summary.json carries it', async () => {
    if (!(await page.request.get(`${base}/api/plans/contract`)).ok()) return console.log('   (no plan "contract": skipped)');
    await page.goto(base + '/#/plan/contract');
    await page.waitForSelector('#rationale-table');
    const rows = await page.locator('#rationale-table tbody tr').allInnerTexts();
    assert.ok(rows.some((r) => /^bludau2019\b/.test(r) && /supporting/.test(r)), rows.join(' | '));
    assert.ok(await page.locator('#rationale-findings li').count() >= 1);
    await page.locator('#rationale').scrollIntoViewIfNeeded();
    await axe(page, 'a plan with its rationale');
  });
  await step('plan page: "No rationale recorded" without one', async () => {
    await page.goto(base + '/#/plan/demo');
    await page.waitForSelector('#rationale');
    const summary = (await api('GET', '/api/plans/demo')).body;
    if (summary.summary?.rationale || summary.plan?.rationale) return console.log('   (plan "demo" has a rationale: skipped)');
    await page.waitForSelector('#no-rationale');
  });
  console.log(`web e2e (evidence): ${passed()} steps passed`);
} finally {
  await browser.close();
}
