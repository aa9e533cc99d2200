// Plan review and the cohort page as a physicist and a researcher use them (issue 20, items 1, 4,
// 8, 10, 11), in Debian's Chromium driven by playwright-core, on the plan "review" (a draft with
// both engines' DVHs, its report.pdf and DICOM set): markers, orientation labels, scale bar,
// readout under the pointer, linked crosshairs, zoom, window/level refused when invalid, the
// metrics of every engine ("not available", never 0, where summary.json lacks one), the DVH
// (distinct colours, no dots, prescription line, both engines, zoomable dose axis), approval in
// the page with the password again (a wrong one refused) and a comment that is stored and shown
// after a reload with the report and DICOM links; the cohort by scheduled day counting patients,
// with its confidence band, aligned numbers at risk, CSV and PNG export and no sideways scroll
// at 1024 px; axe-core finds no critical or serious violation on these pages.
// Usage: KIORT_URL=http://127.0.0.1:PORT node e2e/plan_review.mjs
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { base, startBrowser } from './lib.mjs';

const planId = process.env.KIORT_REVIEW_PLAN ?? 'review';
const { browser, page, step, passed, shot, login, api, axe, slicesLoaded } = await startBrowser({ contextOptions: { acceptDownloads: true } });
try {
  page.on('dialog', (d) => { console.error('unexpected browser dialog:', d.message()); process.exitCode = 1; d.dismiss(); });

  await login('phil');
  await step('axe-core: no critical or serious violation on the plan list', async () => {
    await page.goto(`${base}/#/plans`);
    await page.waitForSelector(`#plans-table a:has-text("${planId}")`);
    await axe(page, 'plans');
  });
  await page.goto(`${base}/#/plan/${planId}`);
  await page.waitForSelector('#slice-axial');
  await slicesLoaded();
  const plan = (await api('GET', `/api/plans/${planId}`)).body;

  await step('markers, orientation labels and a scale bar over the slices', async () => {
    // On the start slices (through the hottest voxel) the applicator and its dwell positions show.
    for (const axis of ['axial', 'sagittal', 'coronal']) {
      assert.ok(await page.locator(`#overlay-${axis} .marker.applicator`).count() >= 1, `${axis}: no applicator`);
      assert.equal(await page.locator(`#overlay-${axis} .marker.dwell`).count(), plan.dwell.length, `${axis}: dwell markers`);
      assert.equal(await page.locator(`#overlay-${axis} .marker.prescription`).count(), 1, `${axis}: prescription point`);
      assert.equal(await page.locator(`#overlay-${axis} line.crosshair`).count(), 2, `${axis}: crosshair`);
      const mm = Number(await page.getAttribute(`#scalebar-${axis}`, 'data-mm'));
      const px = Number(await page.getAttribute(`#scalebar-${axis}`, 'data-px'));
      const g = plan.views[axis];
      // The bar's pixels are its millimetres at the image's scale: 340 px across the longer side.
      const expectPx = (mm * 340) / Math.max(g.w * g.du_mm, g.h * g.dv_mm);
      assert.ok(Math.abs(px - expectPx) < 0.5, `${axis} scale bar ${px} px for ${mm} mm, expected ${expectPx}`);
    }
    const labels = async (axis) => Promise.all(['left', 'right', 'top', 'bottom'].map((w) => page.textContent(`[data-testid=orient-${axis}-${w}]`)));
    assert.deepEqual(await labels('axial'), ['R', 'L', 'A', 'P']);
    assert.deepEqual(await labels('sagittal'), ['A', 'P', 'S', 'I']);
    assert.deepEqual(await labels('coronal'), ['R', 'L', 'S', 'I']);
    const onSlice = await page.locator('#overlay-axial .marker.dwell.on').count();
    console.log(`   ${plan.dwell.length} dwell positions, ${onSlice} on the start axial slice; ${plan.markers.length} markers`);
  });

  await step('the dose under the pointer is the server\'s dose at that voxel', async () => {
    const box = await page.locator('#slice-axial').boundingBox();
    const g = plan.views.axial;
    // The pixel of the dwell position on the axial view: the dose there is high.
    const dwell = plan.markers.find((m) => m.kind === 'prescription').views.axial;
    const x = box.x + (dwell.u / g.w) * box.width, y = box.y + (dwell.v / g.h) * box.height;
    await page.mouse.move(x, y);
    await page.waitForFunction(() => /Gy/.test(document.getElementById('readout').textContent));
    const shown = Number(await page.getAttribute('#readout', 'data-dose-gy'));
    const u = Math.floor(dwell.u), v = Math.floor(dwell.v);
    const index = Number(await page.inputValue('#index-axial'));
    const r = (await api('GET', `/api/plans/${planId}/point?axis=axial&index=${index}&u=${u}&v=${v}`)).body;
    assert.ok(Math.abs(shown - r.dose_gy) < 1e-9, `readout ${shown} Gy, API ${r.dose_gy} Gy`);
    assert.ok(r.dose_gy > 0, 'no dose at the prescription point');
    console.log(`   readout: ${await page.textContent('#readout')}`);
  });

  await step('a click in one view moves the other two views\' slices there (linked crosshairs)', async () => {
    const box = await page.locator('#slice-axial').boundingBox();
    const before = { s: await page.inputValue('#index-sagittal'), c: await page.inputValue('#index-coronal') };
    const srcBefore = await page.getAttribute('#slice-sagittal', 'src');
    await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.6);
    await page.waitForFunction((b) => document.getElementById('slice-sagittal').getAttribute('src') !== b, srcBefore);
    const g = plan.views.axial;
    const i = Math.floor(0.3 * g.w), j = Math.floor(0.6 * g.h);
    assert.ok(Math.abs(Number(await page.inputValue('#index-sagittal')) - i) <= 1, `sagittal index ${await page.inputValue('#index-sagittal')}, expected ${i}`);
    assert.ok(Math.abs(Number(await page.inputValue('#index-coronal')) - j) <= 1, `coronal index ${await page.inputValue('#index-coronal')}, expected ${j}`);
    assert.notDeepEqual(before, { s: await page.inputValue('#index-sagittal'), c: await page.inputValue('#index-coronal') });
    // The crosshair in the sagittal view sits at the coronal index (u = j + 0.5 slice pixels).
    const sg = plan.views.sagittal;
    const xline = Number(await page.getAttribute('#overlay-sagittal line.crosshair >> nth=0', 'x1'));
    const width = Number(await page.getAttribute('#overlay-sagittal', 'width'));
    assert.ok(Math.abs(xline - ((Number(await page.inputValue('#index-coronal')) + 0.5) * width) / sg.w) < 0.01);
    // Back to the start (the dose maximum) for what follows.
    await page.goto(`${base}/#/plans`);
    await page.goto(`${base}/#/plan/${planId}`);
    await slicesLoaded();
  });

  await step('zoom in and out, the scale bar follows', async () => {
    const px0 = Number(await page.getAttribute('#scalebar-axial', 'data-px')), mm0 = Number(await page.getAttribute('#scalebar-axial', 'data-mm'));
    await page.click('#zoom-in');
    await page.click('#zoom-in');
    assert.equal(await page.textContent('#zoom-level'), '225 %');
    assert.match(await page.locator('#view-axial .stage').evaluate((e) => e.style.transform), /scale\(2\.25\)/);
    const px1 = Number(await page.getAttribute('#scalebar-axial', 'data-px')), mm1 = Number(await page.getAttribute('#scalebar-axial', 'data-mm'));
    assert.ok(Math.abs(px1 / mm1 - (2.25 * px0) / mm0) < 1e-6, 'scale bar does not follow the zoom');
    await shot(page, 'plan-zoom');
    await page.click('#zoom-reset');
    assert.equal(await page.textContent('#zoom-level'), '100 %');
  });

  await step('window/level: -5 and an empty level are refused at the field, the slices stay', async () => {
    const src = await page.getAttribute('#slice-axial', 'src');
    await page.fill('#window', '-5');
    await page.press('#window', 'Enter');
    await page.waitForSelector('#wl-error:has-text("Window must be 1 to 10000 HU")');
    assert.equal(await page.getAttribute('#window', 'aria-invalid'), 'true');
    assert.equal(await page.getAttribute('#slice-axial', 'src'), src);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'window');
    await page.fill('#window', '400');
    await page.fill('#level', '');
    await page.press('#level', 'Enter');
    await page.waitForSelector('#wl-error:has-text("Level must be")');
    await page.fill('#level', '40');
    await page.press('#level', 'Enter');
    await page.waitForFunction(() => document.getElementById('wl-error').textContent === '');
    assert.equal(await page.getAttribute('#window', 'aria-invalid'), 'false');
    // The server refuses it as well.
    assert.equal((await page.request.get(`${base}/api/plans/${planId}/slice?axis=axial&index=1&wl=-5,40`)).status(), 400);
  });

  await step('target, cord and canal metrics per engine; TG-186 quantities; "not available", never 0', async () => {
    const rows = await page.locator('#metrics-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    const s = plan.summary;
    const mc = plan.plan.engine.engine === 'mc';
    const d90 = rows.find((r) => r[1] === 'D90 (Gy)');
    assert.ok(d90, 'no D90 row');
    // The table shows summary.json's own numbers: Dm,m is the MC engine's, Dw,w the water engine's.
    const dmm = s.target.dm_m?.D90_gy ?? (mc ? s.target.D90_gy : undefined);
    const dww = s.target.dw_w?.D90_gy ?? s.target.water_engine?.D90_gy;
    assert.equal(d90[2], dmm === undefined ? 'not available' : dmm.toFixed(2));
    assert.equal(d90[4], dww === undefined ? 'not available' : dww.toFixed(2));
    assert.equal(d90[3], s.target.dw_m?.D90_gy === undefined ? 'not available' : s.target.dw_m.D90_gy.toFixed(2));
    for (const r of rows) for (const c of r.slice(2)) assert.ok(c === 'not available' || /^-?\d+\.\d+$/.test(c), `cell ${c}`);
    assert.ok(rows.some((r) => /cord|cauda/i.test(r[0])), 'no cord row');
    assert.ok(rows.some((r) => /canal/i.test(r[0])), 'no canal row');
    const point = await page.locator('#rx-point-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.ok(point.some((r) => /^Dm,m at the point/.test(r[0]) && / Gy$/.test(r[1])), 'no Dm,m at the point');
    const budget = point.find((r) => /uncertainty budget/.test(r[0]));
    assert.equal(budget[1], s.uncertainty_budget?.combined_rel === undefined ? 'not available' : `${(100 * s.uncertainty_budget.combined_rel).toFixed(1)} %`);
    assert.equal(await page.locator('#illustrative').count(), s.calibration?.illustrative === true ? 1 : 0);
    console.log(`   D90: Dm,m ${d90[2]}, Dw,m ${d90[3]}, Dw,w ${d90[4]}; ${rows.length} metric rows`);
  });

  await step('DVH: distinct dark colours, no dots, the prescription line, both engines, a zoomable dose axis', async () => {
    const paths = await page.locator('#dvh path.series').evaluateAll((ps) => ps.map((p) => ({ name: p.dataset.name, stroke: p.getAttribute('stroke'), dash: p.getAttribute('stroke-dasharray') })));
    const engines = new Set(plan.dvh.map((c) => c.engine));
    assert.equal(paths.length, plan.dvh.length);
    assert.ok(engines.size >= 2, `one engine only: ${[...engines]}`);
    assert.ok(paths.some((p) => p.dash) && paths.some((p) => !p.dash), 'engines not told apart');
    const byName = new Map();
    for (const p of paths) { if (byName.has(p.name)) assert.equal(byName.get(p.name), p.stroke, `${p.name}: one colour for both engines`); byName.set(p.name, p.stroke); }
    const colours = [...byName.values()];
    assert.equal(new Set(colours).size, colours.length, `structures share a colour: ${colours}`);
    // WCAG relative luminance; on white a curve needs contrast >= 3:1 (no pale yellow).
    const lum = (hex) => { const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)); return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; };
    for (const c of colours) assert.ok(1.05 / (lum(c) + 0.05) >= 3, `${c} is too pale on white`);
    assert.equal(await page.locator('#dvh circle').count(), 0, 'a dot per bin');
    assert.equal(await page.locator('#dvh line.vline').count(), 1, 'no prescription line');
    const to0 = Number(await page.inputValue('#dvh-to'));
    await page.click('#dvh-low');
    assert.equal(Number(await page.inputValue('#dvh-to')), plan.plan.prescription.dose_gy);
    // Drag across the plot from a quarter to half of it: the axis becomes that range.
    const box = await page.locator('#dvh').boundingBox();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.5, { steps: 5 });
    await page.mouse.up();
    const to1 = Number(await page.inputValue('#dvh-to')), from1 = Number(await page.inputValue('#dvh-from'));
    assert.ok(from1 > 0 && to1 < plan.plan.prescription.dose_gy && to1 > from1, `drag zoom gave ${from1}-${to1}`);
    await page.fill('#dvh-to', '-1');
    await page.press('#dvh-to', 'Enter');
    await page.waitForSelector('#dvh-error:has-text("dose axis")');
    await page.click('#dvh-all');
    assert.equal(Number(await page.inputValue('#dvh-to')), to0);
    await shot(page, 'plan');
  });

  await step('axe-core: no critical or serious violation on the plan page', async () => {
    await axe(page, 'plan (draft)');
  });

  await step('summary.json with the TG-186 quantities of every engine: each shown, the illustrative banner', async () => {
    if (!(await page.request.get(`${base}/api/plans/contract`)).ok()) return console.log('   (no plan "contract": skipped)');
    await page.goto(`${base}/#/plan/contract`);
    await page.waitForSelector('#metrics-table');
    assert.equal(await page.textContent('#illustrative'), 'ILLUSTRATIVE CALIBRATION - NOT FOR CLINICAL USE');
    const rows = await page.locator('#metrics-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    const d90 = rows.find((r) => r[1] === 'D90 (Gy)');
    assert.equal(d90[3], '3.14');
    assert.ok(rows.filter((r) => r[3] !== 'not available').length > rows.length / 2, 'Dw,m missing where summary.json has it');
    const point = Object.fromEntries(await page.locator('#rx-point-table tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.children[0].textContent.split(' (')[0], tr.children[1].textContent])));
    assert.equal(point['Dm,m at the point'], '8.100 Gy');
    assert.equal(point['Dw,m at the point'], '8.200 Gy');
    assert.equal(point['Dw,w at the point'], '8.300 Gy');
    assert.equal(point['Method'], 'contract test');
    assert.equal(point['Combined standard uncertainty'], '8.5 %');
    assert.equal(point['Monte Carlo standard uncertainty at the point'], '1.20 %');
    await slicesLoaded();
    await shot(page, 'plan-illustrative');
    await axe(page, 'plan (illustrative calibration)');
    await page.goto(`${base}/#/plan/${planId}`);
    await slicesLoaded();
  });

  await step('approval in the page: a wrong password is refused, nothing is approved', async () => {
    await page.click('#approve');
    await page.waitForSelector('#approve-dialog[open]');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'approve-password');
    await axe(page, 'approval dialog');
    await page.click('#approve-confirm');
    await page.waitForSelector('#approve-error:has-text("Enter your password")');
    await page.fill('#approve-password', 'not-phils-password');
    await page.fill('#approve-comment', 'first try');
    await page.click('#approve-confirm');
    await page.waitForSelector('#approve-error:has-text("password")');
    assert.equal(await page.getAttribute('#approve-password', 'aria-invalid'), 'true');
    await shot(page, 'plan-approve-dialog');
    assert.equal((await api('GET', `/api/plans/${planId}`)).body.plan.approval.state, 'draft');
    await page.click('#approve-cancel');
    assert.equal(await page.locator('#approve-dialog[open]').count(), 0);
    await page.waitForSelector('#approval.draft:has-text("Draft: not approved")');
  });

  const comment = 'Cord Dmax and CTV D90 reviewed; approved for treatment (e2e)';
  await step('approval with the password and a comment; after a reload still approved, with the links', async () => {
    await page.click('#approve');
    await page.fill('#approve-password', 'password-phil');
    await page.fill('#approve-comment', comment);
    await page.click('#approve-confirm');
    await page.waitForSelector('#approval.approved:has-text("Approved by phil")');
    await page.reload();
    await page.waitForSelector('#approval.approved:has-text("Approved by phil")');
    assert.equal(await page.textContent('#approval-comment'), `Comment: ${comment}`);
    assert.equal(await page.locator('#approve').count(), 0);
    const p = (await api('GET', `/api/plans/${planId}`)).body.plan;
    assert.equal(p.approval.state, 'approved');
    assert.equal(p.approval.comment, comment);
    // The approval wrote the documents again for the approved plan: none is listed stale.
    assert.equal(await page.locator('#documents .stale, #documents-stale').count(), 0);
    const report = await page.getAttribute('#documents a[data-name="report.pdf"]', 'href');
    const pdf = await page.request.get(base + report);
    assert.equal(pdf.status(), 200);
    assert.equal((await pdf.body()).subarray(0, 4).toString(), '%PDF');
    const rtplan = await page.getAttribute('#documents a[data-name="dicom/RTPLAN.dcm"]', 'href');
    const dcm = await (await page.request.get(base + rtplan)).body();
    assert.equal(dcm.subarray(128, 132).toString(), 'DICM');
    await slicesLoaded();
    await shot(page, 'plan-approved');
    await axe(page, 'plan (approved)');
  });

  await step('cohort: pain by scheduled day counting patients, KM band, aligned numbers at risk', async () => {
    await page.setViewportSize({ width: 1024, height: 800 });
    await page.goto(`${base}/#/cohort`);
    await page.waitForSelector('#pain-table');
    const c = (await api('GET', '/api/cohort')).body;
    const sideways = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(sideways <= 0, `the page scrolls sideways by ${sideways} px at 1024 px`);
    assert.equal(await page.locator('#km-chart path.band').count(), 1, 'no confidence band');
    // Every number at risk stands under an x tick.
    const ticks = await page.locator('#km-chart line.xtick').evaluateAll((ls) => ls.map((l) => Number(l.getAttribute('x1'))));
    const risk = await page.locator('#km-chart text.risk').evaluateAll((ts) => ts.map((t) => Number(t.getAttribute('x'))));
    assert.equal(risk.length, c.at_risk.length);
    for (const x of risk) assert.ok(ticks.some((t) => Math.abs(t - x) < 1e-6), `number at risk at x=${x} has no tick`);
    // The table's n is the server's patients per event, and each row names its scheduled day.
    const rows = await page.locator('#pain-table tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    assert.equal(rows.length, 1 + c.pain.length);
    c.pain.forEach((p, i) => {
      assert.equal(rows[i + 1][1], String(p.n_assessed));
      if (p.day !== null) assert.match(rows[i + 1][0], new RegExp(`day ${p.day}\\)?$`));
      assert.match(rows[i + 1][2], /\(\d+\.\d\)|–/, 'no SD');
    });
    assert.ok(c.pain.every((p) => p.n_assessed <= c.n_patients), 'more assessed than patients');
    assert.ok(await page.locator('#pain-chart path.errorbar').count() >= 2, 'no SD bars');
    await shot(page, 'cohort');
    await axe(page, 'cohort');
  });

  await step('cohort: CSV and PNG export carry the server\'s numbers', async () => {
    const c = (await api('GET', '/api/cohort')).body;
    const [csvDl] = await Promise.all([page.waitForEvent('download'), page.click('#export-pain-csv')]);
    assert.equal(csvDl.suggestedFilename(), 'kiort-pain-by-visit.csv');
    const text = readFileSync(await csvDl.path(), 'utf8');
    const lines = text.trim().split('\r\n').map((l) => l.split(','));
    assert.equal(lines[0].join(','), 'event,label,scheduled_day,n_patients,n_visits,pain_mean,pain_sd,change_mean,change_sd,n_paired,n_evaluable,complete,partial,indeterminate,progression,n_responders');
    assert.equal(lines.length, 2 + c.pain.length);
    for (const p of c.pain) {
      const row = lines.find((l) => l[0] === p.event);
      assert.ok(row, `no CSV row for ${p.event}`);
      assert.equal(Number(row[3]), p.n_assessed);
      assert.equal(Number(row[5]), p.pain.mean);
    }
    const [kmDl] = await Promise.all([page.waitForEvent('download'), page.click('#export-km-csv')]);
    const km = readFileSync(await kmDl.path(), 'utf8').trim().split('\r\n');
    assert.equal(km[0], 'time_days,survival,lower_95,upper_95,n_risk,n_event,n_censor');
    assert.equal(km.length, 1 + c.km.length);
    const [pngDl] = await Promise.all([page.waitForEvent('download'), page.click('#export-km-png')]);
    const png = readFileSync(await pngDl.path());
    assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a');
    assert.ok(png.length > 5000, `PNG of ${png.length} bytes`);
    console.log(`   pain CSV ${lines.length - 1} rows, survival CSV ${km.length - 1} rows, PNG ${png.length} bytes`);
  });
  console.log(`plan review e2e: ${passed()} steps passed`);
} finally {
  await browser.close();
}
