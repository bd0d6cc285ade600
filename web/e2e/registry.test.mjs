// Employers, Kazakh recruitment agencies, placements and the subjects of a case, in a real browser
// against a real server: an FWA officer records a farm and a Kazakh agency (and suspends its
// licence), records a worker and places them at the farm, opens a case and names the worker, the
// farm and the agency as its subjects; adding one twice shows the failure in the reader's
// language. The MFA desk and the FWA auditor read the organisations; only roles with
// provider.write see the buttons to add and change them. Every page is checked with axe and for
// console errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser,
  newWatchedPage,
  signIn,
  screenshot,
  assertAccessible,
} from './harness.mjs';

const FARM = 'Hillside Berry Farm';
const AGENCY = 'Astana Work Abroad LLP';
const LICENCE = 'KZ-PEA-0042';
const PASSPORT = 'N12345678';
const NEW_PASSPORT = 'N87654321';
const NEW_PHONE = '+7 701 555 0101';

const { server, browser } = serverAndBrowser();

test('an officer records a farm, an agency and a placement, and names them on a case; readers read', async () => {
  const { context, page, problems } = await newWatchedPage(browser.browser, { viewport: { width: 1280, height: 900 } });
  await signIn(page, server.url, 'fwa.officer');

  // --- The employers and agencies tab: empty at first.
  await page.goto(`${server.url}/registry`);
  await page.getByRole('heading', { level: 1, name: 'Registry' }).waitFor();
  await page.getByRole('link', { name: 'Employers and agencies' }).click();
  await page.waitForURL(/\/registry\/organisations/);
  await page.getByText('No employer has been recorded yet.').waitFor();
  await assertAccessible(page, 'organisations (empty)');
  await screenshot(page, 'registry-01-organisations-empty');

  // --- A farm.
  await page.getByRole('link', { name: 'Add an employer' }).click();
  await page.waitForURL(/\/registry\/organisations\/new/);
  assert.equal(await page.getByLabel('Kind').inputValue(), 'employer');
  assert.equal(await page.getByLabel('Licence number').count(), 0, 'employers have no licence fields');
  await page.getByLabel('Name').fill(FARM);
  await page.getByLabel('Region').fill('Herefordshire');
  await page.getByLabel('Sectors').fill('horticulture, packing');
  await assertAccessible(page, 'new employer');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/registry\/organisations\/\d+$/);
  await page.getByRole('heading', { level: 2, name: FARM }).waitFor();
  const farmId = Number(new URL(page.url()).pathname.split('/').pop());
  assert.match(await page.locator('.registry-dl').innerText(), /GB[\s\S]*Herefordshire[\s\S]*horticulture, packing/);
  await assertAccessible(page, 'employer');

  // --- A Kazakh agency, licensed, then its licence suspended.
  await page.getByRole('link', { name: 'Back to the employers' }).click();
  await page.getByRole('link', { name: FARM }).waitFor();
  await page.getByRole('link', { name: 'Kazakh recruitment agencies' }).click();
  await page.getByText('No Kazakh recruitment agency has been recorded yet.').waitFor();
  await page.getByRole('link', { name: 'Add a Kazakh agency' }).click();
  await page.waitForURL(/\/registry\/organisations\/new\?kind=kz_agency/);
  await page.getByLabel('Name').fill(AGENCY);
  await page.getByLabel('Region').fill('Astana');
  await page.getByLabel('Licence number').fill(LICENCE);
  await page.getByLabel('Licence status').selectOption('licensed');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/registry\/organisations\/\d+$/);
  await page.getByRole('heading', { level: 2, name: AGENCY }).waitFor();
  await page.locator('[data-licence-status=licensed]', { hasText: 'Licensed' }).waitFor();
  await page.getByRole('button', { name: 'Edit or change the licence status' }).click();
  await page.getByLabel('Licence status').selectOption('suspended');
  await assertAccessible(page, 'agency (editing)');
  await screenshot(page, 'registry-02-agency-edit');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.locator('[data-licence-status=suspended]', { hasText: 'Licence suspended' }).waitFor();
  await page.getByText('The changes are saved.').waitFor();
  await assertAccessible(page, 'agency');
  await screenshot(page, 'registry-03-agency');

  // The list of agencies shows the status; a second agency with the same licence is refused.
  await page.getByRole('link', { name: 'Back to the Kazakh agencies' }).click();
  const agencyRow = page.locator('table.registry-organisations tbody tr', { hasText: AGENCY });
  await agencyRow.waitFor();
  assert.match(await agencyRow.innerText(), new RegExp(`${LICENCE}[\\s\\S]*Licence suspended`));
  await page.getByLabel('Name, region or licence number').fill('astana');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/q=astana/);
  assert.equal(await page.locator('table.registry-organisations tbody tr').count(), 1);
  await assertAccessible(page, 'agencies');
  await screenshot(page, 'registry-04-agencies');
  await page.getByRole('link', { name: 'Add a Kazakh agency' }).click();
  await page.getByLabel('Name').fill('Astana Jobs Again');
  await page.getByLabel('Licence number').fill(LICENCE);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByText(`An agency with licence number “${LICENCE}” is registered already.`).waitFor();
  assert.match(page.url(), /\/registry\/organisations\/new/);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await page.waitForURL(/\/registry\/organisations\?kind=kz_agency$/);

  // --- A worker, placed at the farm.
  await page.goto(`${server.url}/registry/workers/new`);
  await page.getByLabel('Given name (Latin)').fill('Nurlan');
  await page.getByLabel('Family name (Latin)').fill('Bekov');
  await page.getByLabel('Passport number').fill(PASSPORT);
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/registry\/workers\/\d+$/);
  const workerId = Number(new URL(page.url()).pathname.split('/').pop());
  await page.getByRole('heading', { level: 2, name: 'Placements at employers' }).waitFor();
  await page.getByText('No placement has been recorded for this worker.').waitFor();
  await page.getByLabel('Find the employer').fill('berry');
  await page.getByRole('button', { name: 'Search' }).click();
  const employer = page.locator('select[name=organisation_id]');
  await employer.waitFor();
  assert.match(await employer.locator('option:checked').innerText(), new RegExp(FARM));
  assert.equal(await employer.inputValue(), String(farmId));
  await page.locator('input[name=start_date]').fill('2025-05-01');
  await page.locator('input[name=end_date]').fill('2025-10-31');
  await page.getByRole('button', { name: 'Add the placement' }).click();
  await page.getByText('The placement is recorded.').waitFor();
  const placement = page.locator('table.registry-placements tbody tr');
  await placement.first().waitFor();
  assert.equal(await placement.count(), 1);
  assert.match(await placement.first().innerText(), new RegExp(FARM));
  await assertAccessible(page, 'worker with placement');
  await screenshot(page, 'registry-05-worker-placement');

  // --- The worker's record corrected: the form starts from the stored values, a wrong IIN is
  // refused in the reader's language, and only the changed fields are sent.
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  const form = page.locator('form.registry-worker-form');
  await page.getByRole('heading', { level: 2, name: 'Correct the record of Nurlan Bekov' }).waitFor();
  assert.equal(await form.getByLabel('Given name (Latin)').inputValue(), 'Nurlan');
  assert.equal(await form.getByLabel('Family name (Latin)').inputValue(), 'Bekov');
  assert.equal(await form.getByLabel('Passport number').inputValue(), PASSPORT);
  assert.equal(await form.getByLabel('Phone').inputValue(), '');
  await assertAccessible(page, 'worker (editing)');
  await form.getByLabel(/^IIN/).fill('123456789012');
  await form.getByRole('button', { name: 'Save' }).click();
  await form.locator('.error[role=alert]', { hasText: 'The request could not be carried out as it stands.' }).waitFor();
  await form.getByText('The IIN is not valid (a wrong digit or check digit), or it does not agree with the date of birth or sex.').waitFor();
  await assertAccessible(page, 'worker (editing, wrong IIN)');
  await screenshot(page, 'registry-05b-worker-wrong-iin');
  await page.getByLabel('Language').selectOption('ru');
  await form.locator('.error[role=alert]', { hasText: 'Запрос не может быть выполнен в таком виде.' }).waitFor();
  await form.getByText('ИИН недействителен').waitFor();
  await page.getByLabel('Язык').selectOption('en');
  await form.getByText('The IIN is not valid').waitFor();
  await form.getByLabel(/^IIN/).fill('');
  await form.getByLabel('Phone').fill(NEW_PHONE);
  await form.getByLabel('Passport number').fill(NEW_PASSPORT);
  const patch = page.waitForRequest((r) => r.method() === 'PATCH' && r.url().endsWith(`/api/v1/workers/${workerId}`));
  await form.getByRole('button', { name: 'Save' }).click();
  assert.deepEqual((await patch).postDataJSON(), { passport_number: NEW_PASSPORT, phone: NEW_PHONE });
  await page.getByText('The record is corrected.').waitFor();
  assert.equal(await form.count(), 0, 'the form closes');
  const facts = await page.locator('.registry-worker-facts').innerText();
  assert.match(facts, new RegExp(NEW_PASSPORT));
  assert.match(facts, new RegExp(NEW_PHONE.replace(/\+/g, '\\+')));
  assert.doesNotMatch(facts, new RegExp(PASSPORT));
  // After a reload the page reads the stored record.
  await page.reload();
  await page.getByRole('heading', { level: 2, name: 'Nurlan Bekov' }).waitFor();
  assert.match(await page.locator('.registry-worker-facts').innerText(), new RegExp(`${NEW_PASSPORT}[\\s\\S]*${NEW_PHONE.replace(/\+/g, '\\+')}`));
  await assertAccessible(page, 'worker (corrected)');
  await screenshot(page, 'registry-05c-worker-corrected');

  // --- A case, opened through the API with the page's own session and CSRF token.
  const caseId = await page.evaluate(async () => {
    const me = await (await fetch('/api/v1/me', { headers: { Accept: 'application/json' } })).json();
    const r = await fetch('/api/v1/cases', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': me.session.csrf_token },
      body: JSON.stringify({ source: 'hotline', what_happened: 'The farm kept the workers’ passports.' }),
    });
    if (r.status !== 201) throw new Error(`case: ${r.status} ${await r.text()}`);
    return (await r.json()).id;
  });
  await page.goto(`${server.url}/cases/${caseId}`);
  await page.getByRole('heading', { level: 2, name: 'Subjects (0)' }).waitFor();
  await page.getByText('No registry record is linked to this case yet.').waitFor();

  const subjects = page.locator('section.case-subjects');
  // The worker, by passport number.
  await subjects.getByLabel('Kind of record').selectOption('worker');
  await subjects.getByLabel('Find the worker by').selectOption('passport');
  await subjects.getByRole('searchbox', { name: /^Passport number/ }).fill(NEW_PASSPORT);
  await subjects.getByRole('button', { name: 'Search' }).click();
  await subjects.locator('select[name=subject-record]').waitFor();
  assert.equal(await subjects.locator('select[name=subject-record]').inputValue(), String(workerId));
  await subjects.getByRole('button', { name: 'Add to the case' }).click();
  await page.getByRole('heading', { level: 2, name: 'Subjects (1)' }).waitFor();
  // The farm, as employer.
  await subjects.getByLabel('Kind of record').selectOption('organisation');
  await subjects.getByLabel('Role in the case').selectOption('employer');
  await subjects.getByLabel('Name, region or licence number').fill('hillside');
  await subjects.getByRole('button', { name: 'Search' }).click();
  await subjects.locator('select[name=subject-record]').waitFor();
  assert.equal(await subjects.locator('select[name=subject-record]').inputValue(), String(farmId));
  await subjects.getByRole('button', { name: 'Add to the case' }).click();
  await page.getByRole('heading', { level: 2, name: 'Subjects (2)' }).waitFor();
  // The Kazakh agency, as recruitment agency: the role decides which register is searched.
  await subjects.getByLabel('Role in the case').selectOption('recruitment_agency');
  await subjects.getByLabel('Name, region or licence number').fill(LICENCE);
  await subjects.getByRole('button', { name: 'Search' }).click();
  await subjects.locator('select[name=subject-record]').waitFor();
  assert.match(await subjects.locator('select[name=subject-record]').locator('option:checked').innerText(), new RegExp(AGENCY));
  await subjects.getByRole('button', { name: 'Add to the case' }).click();
  await page.getByRole('heading', { level: 2, name: 'Subjects (3)' }).waitFor();

  const rows = subjects.locator('table.case-subjects-table tbody tr');
  assert.equal(await rows.count(), 3);
  const texts = await rows.allInnerTexts();
  assert.match(texts[0], new RegExp(`Worker[\\s\\S]*Worker no\\. ${workerId}`));
  assert.match(texts[1], new RegExp(`Employer[\\s\\S]*${FARM}`));
  assert.match(texts[2], new RegExp(`Recruitment agency[\\s\\S]*${AGENCY}`));
  assert.equal(await subjects.locator(`a[href="/registry/workers/${workerId}"]`).count(), 1);
  assert.equal(await subjects.locator(`a[href="/registry/organisations/${farmId}"]`).count(), 1);
  await page.locator('.timeline li[data-kind=subject]').first().waitFor();
  assert.match(
    await page.locator('.timeline li[data-kind=subject]').first().innerText(),
    new RegExp(`Subject added: ${AGENCY} as Recruitment agency`),
  );
  await assertAccessible(page, 'case subjects');
  await screenshot(page, 'registry-06-case-subjects');

  // The agency once more: refused, and the failure is in the reader's language.
  await subjects.getByRole('button', { name: 'Add to the case' }).click();
  const alert = subjects.locator('.error[role=alert]');
  await alert.waitFor();
  assert.match(await alert.innerText(), /This record is already on the case in this role\./);
  await page.getByLabel('Language').selectOption('ru');
  await page.getByRole('heading', { level: 2, name: 'Субъекты дела (3)' }).waitFor();
  await subjects.getByRole('button', { name: 'Добавить в дело' }).click();
  await subjects.locator('.error[role=alert]', { hasText: 'Эта запись уже есть в деле в этой роли.' }).waitFor();
  assert.equal(await rows.count(), 3, 'nothing was added');
  await assertAccessible(page, 'case subjects (ru, error)');
  await screenshot(page, 'registry-07-duplicate-ru');
  await page.getByLabel('Язык').selectOption('en');
  await page.getByRole('heading', { level: 2, name: 'Subjects (3)' }).waitFor();

  // The subject's link leads to the registry.
  await subjects.getByRole('link', { name: FARM }).click();
  await page.waitForURL(new RegExp(`/registry/organisations/${farmId}$`));
  await page.getByRole('heading', { level: 2, name: FARM }).waitFor();

  assert.deepEqual(problems, []);
  await context.close();

  // --- Readers elsewhere. The MFA desk reads the organisations; whether it sees the buttons to add
  // and change them follows the permissions the server gives it (GET /api/v1/me). The FWA
  // auditor reads them but has no provider.write: no create or edit button, and the create page
  // refuses.
  for (const who of ['mfa.desk', 'fwa.auditor']) {
    const reader = await newWatchedPage(browser.browser, { viewport: { width: 1280, height: 900 } });
    const rp = reader.page;
    await signIn(rp, server.url, who);
    const mayWrite = await rp.evaluate(async () => {
      const me = await (await fetch('/api/v1/me', { headers: { Accept: 'application/json' } })).json();
      return me.permissions.includes('provider.write');
    });
    if (who === 'fwa.auditor') assert.equal(mayWrite, false, 'auditors do not keep the register');
    await rp.goto(`${server.url}/registry`);
    await rp.getByRole('link', { name: 'Employers and agencies' }).click();
    await rp.getByRole('link', { name: FARM }).waitFor();
    assert.equal(await rp.getByRole('link', { name: 'Add an employer' }).count(), mayWrite ? 1 : 0, who);
    await rp.getByRole('link', { name: 'Kazakh recruitment agencies' }).click();
    const readerRow = rp.locator('table.registry-organisations tbody tr', { hasText: AGENCY });
    await readerRow.waitFor();
    assert.match(await readerRow.innerText(), /Licence suspended/);
    assert.equal(await rp.getByRole('link', { name: 'Add a Kazakh agency' }).count(), mayWrite ? 1 : 0, who);
    await assertAccessible(rp, `organisations (${who})`);
    await screenshot(rp, `registry-08-agencies-${who.replace('.', '-')}`);
    await readerRow.getByRole('link', { name: AGENCY }).click();
    await rp.getByRole('heading', { level: 2, name: AGENCY }).waitFor();
    assert.equal(await rp.locator('button[name=edit-organisation]').count(), mayWrite ? 1 : 0, who);
    await assertAccessible(rp, `organisation (${who})`);
    if (!mayWrite) {
      await rp.goto(`${server.url}/registry/organisations/new`);
      await rp.getByText('Your role does not give access to this page.').waitFor();
      assert.equal(await rp.locator('button[name=save-organisation]').count(), 0);
    }
    assert.deepEqual(reader.problems, [], who);
    await reader.context.close();
  }
});
