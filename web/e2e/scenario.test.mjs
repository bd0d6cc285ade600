// The main scenario, end to end in a real browser against the real server:
// (1) a Kazakh seasonal worker reports on a phone, in Russian, to the UK Fair Work Agency;
// (2) an FWA officer finds the case, classifies and triages it, and refers it to the Kazakh
//     labour ministry with the minimal fields and the worker's consent;
// (3) an MLSP officer (in Russian) sees only the shared fields, accepts and replies — and a refused
//     message shows the failure in Russian rather than a blank page;
// (4) the FWA officer sees the reply.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  assertAccessible as noSeriousViolations,
  newWatchedPage,
  PHONE,
  screenshot,
  serverAndBrowser,
  signIn,
} from './harness.mjs';

const WORKER_TEXT =
  'Бригадир забрал мой паспорт и не платит за последние три недели. Говорит, что отдаст ' +
  'документы, только когда я отработаю долг за дорогу.';
const PROVIDER = 'Berry Fields Ltd';
const LOCATION = 'Herefordshire';
const CONTACT = '+44 7700 900123';
const WORKER_NAME = 'Aigerim Seitova';
const REPLY = 'Семья работника найдена в Шымкенте; МТСЗН связалось с агентством по найму.';
const MINIMAL = ['worker_name', 'date_of_birth', 'provider_name', 'indicators', 'what_happened'];

const { server, browser } = serverAndBrowser();

test('a worker’s report becomes a case referred to MLSP, which accepts and replies', async () => {
  // (1) The worker, on a phone, in Russian.
  const worker = await newWatchedPage(browser.browser, {
    ...PHONE,
    locale: 'ru-RU',
  });
  await worker.page.goto(`${server.url}/report?lang=ru`);
  await worker.page.locator('input[name=recipient][value="uk-fwa"]').check();
  await worker.page.locator('input[name=categories][value="document_retention"]').check();
  await worker.page.locator('input[name=categories][value="pay_below_minimum"]').check();
  await worker.page.locator('textarea[name=what_happened]').fill(WORKER_TEXT);
  await worker.page.locator('input[name=provider_name]').fill(PROVIDER);
  await worker.page.locator('input[name=location]').fill(LOCATION);
  await worker.page.locator('input[name=contact]').fill(CONTACT);
  await worker.page.locator('form button[type=submit]').first().click();
  const reference = (await worker.page.locator('#reference').textContent()).trim();
  assert.ok(reference.length >= 4, `a reference: ${reference}`);
  await screenshot(worker.page, 'scenario-01-report');
  assert.deepEqual(worker.problems, []);

  // (2) The FWA officer finds the case, classifies and triages it, and refers it.
  const fwa = await newWatchedPage(browser.browser, { viewport: { width: 1280, height: 900 } });
  const fp = fwa.page;
  await signIn(fp, server.url, 'fwa.officer');
  await fp.locator('nav.sidenav a[href="/cases"]').click();
  await fp.locator('input[name=q]').fill(reference);
  await fp.locator('input[name=q]').press('Enter');
  const caseLink = fp.getByRole('link', { name: reference, exact: true });
  await caseLink.waitFor();
  assert.equal(await fp.locator('table.cases-table tbody tr').count(), 1);
  await noSeriousViolations(fp, 'case list');
  await screenshot(fp, 'scenario-02-case-list');

  await caseLink.click();
  await fp.locator('#page-title', { hasText: reference }).waitFor();
  // The report's category suggested the indicator; the officer confirms it as strong.
  assert.equal(await fp.locator('select[name="indicator-retention_of_documents"]').inputValue(), 'medium');
  await fp.locator('select[name="indicator-retention_of_documents"]').selectOption('strong');
  await fp.locator('select[name="indicator-withholding_wages"]').selectOption('strong');
  await fp.locator('button[name=save-classification]').click();
  await fp.locator('.case-summary .badge-danger', { hasText: 'High risk' }).waitFor();
  await fp.locator('.case-summary .error', { hasText: 'Escalate at once' }).waitFor();
  // The worker's name, from the follow-up call.
  await fp.locator('button[name=edit-details]').click();
  await fp.locator('input[name=worker_name]').fill(WORKER_NAME);
  await fp.locator('button[name=save-details]').click();
  await fp.locator('[data-field=worker_name] dd', { hasText: WORKER_NAME }).waitFor();
  // Triage: only the next step is offered.
  assert.equal(await fp.locator('button[name=advance]').count(), 1);
  await fp.locator('button[name=advance][data-to=triaged]').click();
  await fp.locator('button[name=advance][data-to=investigating]').waitFor();
  await fp.locator('.timeline li[data-kind=status]').first().waitFor();
  // An officer cannot close a case: no close button.
  assert.equal(await fp.locator('button[name=close]').count(), 0);
  await noSeriousViolations(fp, 'case detail');
  await screenshot(fp, 'scenario-03-case-triaged');

  await fp.locator('button[name=refer]').click();
  const ticked = await fp
    .locator('#refer-form input[name=fields]:checked')
    .evaluateAll((els) => els.map((e) => e.value));
  assert.deepEqual(ticked.sort(), [...MINIMAL].sort(), 'the minimal set is ticked by default');
  // The preview shows exactly what crosses: the name, not the contact or the location.
  await fp.locator('#refer-form [data-preview=worker_name]', { hasText: WORKER_NAME }).waitFor();
  assert.equal(await fp.locator('#refer-form [data-preview=contact]').count(), 0);
  assert.equal(await fp.locator('#refer-form [data-preview=location]').count(), 0);
  await fp.locator('textarea[name=purpose]').fill('Support the worker’s return and recover wages');
  await fp.locator('input[name=legal_basis]').fill('MoU MLSP–FWA 2025, information exchange');
  await fp.locator('input[name=consent]').check();
  await noSeriousViolations(fp, 'referral form');
  await screenshot(fp, 'scenario-04-refer-form');
  await fp.locator('button[name=send-referral]').click();
  await fp.waitForURL(/\/referrals\/\d+$/);
  const referralPath = new URL(fp.url()).pathname;
  const referralId = referralPath.split('/').pop();
  await fp.locator('.badge', { hasText: 'Awaiting answer' }).first().waitFor();
  await noSeriousViolations(fp, 'referral (sender)');
  await screenshot(fp, 'scenario-05-referral-sent');
  assert.deepEqual(fwa.problems, []);

  // (3) The MLSP officer, in Russian: the inbox, only the shared fields, accept and reply.
  const mlsp = await newWatchedPage(browser.browser, { viewport: { width: 1280, height: 900 } });
  const mp = mlsp.page;
  await signIn(mp, server.url, 'mlsp.officer', 'ru');
  await mp.locator('nav.sidenav a[href="/referrals"]').click();
  const row = mp.locator(`tr[data-referral="${referralId}"]`);
  await row.waitFor();
  await row.locator('.badge', { hasText: 'Ваше ведомство должно ответить' }).waitFor();
  await noSeriousViolations(mp, 'referral inbox');
  await screenshot(mp, 'scenario-06-mlsp-inbox');
  await row.locator('a').click();
  await mp.locator('[data-field=worker_name] dd', { hasText: WORKER_NAME }).waitFor();
  const shown = await mp.locator('.shared-fields [data-field]').evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-field')),
  );
  assert.deepEqual(shown.sort(), [...MINIMAL].sort(), 'exactly the minimal fields are shown');
  await mp.locator('[data-field=provider_name] dd', { hasText: PROVIDER }).waitFor();
  await mp.locator('[data-field=what_happened] dd', { hasText: 'забрал мой паспорт' }).waitFor();
  // Not shared: contact and location, and no way into the FWA's case.
  assert.equal(await mp.locator('[data-field=contact]').count(), 0);
  assert.equal(await mp.locator('[data-field=location]').count(), 0);
  const text = await mp.locator('main').innerText();
  assert.ok(!text.includes(CONTACT), 'the contact was not shared');
  assert.ok(!text.includes(LOCATION), 'the location was not shared');
  assert.equal(await mp.locator('main a[href^="/cases/"]').count(), 0);
  await noSeriousViolations(mp, 'referral (partner)');
  await screenshot(mp, 'scenario-07-mlsp-referral');

  await mp.locator('button[name=accept]').click();
  await mp.locator('.badge', { hasText: 'Принято' }).first().waitFor();
  assert.equal(await mp.locator('button[name=accept]').count(), 0, 'no second answer');

  // A message the server refuses (markup): the failure in Russian, the page still there.
  await mp.locator('textarea[name=message]').fill('<script>alert(1)</script>');
  await mp.locator('button[name=send-message]').click();
  const alert = mp.locator('.error[role=alert]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /Запрос не принят/);
  await screenshot(mp, 'scenario-08-mlsp-error-ru');
  assert.equal(await mp.locator('#page-title').count(), 1);

  await mp.locator('textarea[name=message]').fill(REPLY);
  await mp.locator('button[name=send-message]').click();
  await mp.locator('li[data-from="kz-mlsp"]', { hasText: 'Шымкенте' }).waitFor();
  assert.equal(await mp.locator('.error[role=alert]').count(), 0);
  await noSeriousViolations(mp, 'referral after reply');
  await screenshot(mp, 'scenario-09-mlsp-replied');
  assert.deepEqual(mlsp.problems, []);

  // (4) Back to the FWA officer: the outbox shows it accepted, the reply is there.
  await fp.locator('nav.sidenav a[href="/referrals"]').click();
  await fp.locator('#tab-outbox').click();
  const out = fp.locator(`tr[data-referral="${referralId}"]`);
  await out.locator('.badge', { hasText: 'Accepted' }).waitFor();
  await out.locator('a').click();
  await fp.locator('li[data-from="kz-mlsp"]', { hasText: REPLY }).waitFor();
  // The sender keeps its link to the case, whose timeline records the referral.
  await fp.locator('main a[href^="/cases/"]').first().click();
  await fp.locator('.timeline li[data-kind=referred]').waitFor();
  await fp.goto(`${server.url}${referralPath}`);
  await fp.locator('li[data-from="kz-mlsp"]', { hasText: REPLY }).waitFor();
  await noSeriousViolations(fp, 'referral with reply');
  await screenshot(fp, 'scenario-10-fwa-sees-reply');
  assert.deepEqual(fwa.problems, []);
});
