// Payroll, registry and audit in a real browser against a real server: an FWA officer checks a
// payslip file (one underpaid row, one compliant row, one malformed row), sees the finding with its
// arrears and the rejected row with its line, opens a case from the finding, imports the provider
// register and checks a licence on two dates; the FWA auditor reads the audit trail and sees the
// chain verified. Every page is checked with axe and for console errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser,
  newWatchedPage,
  signIn,
  screenshot,
  assertAccessible,
} from './harness.mjs';

const PAYSLIPS = [
  'worker_ref,date_of_birth,period_start,period_end,hours_worked,gross_pay,recruitment_fee,provider_ref',
  // 35 hours for £250.00 in December 2022 (NMW £9.50): short £82.50, arrears £90.49 in April 2023.
  'KZ-1,1977-05-01,2022-12-01,2022-12-08,35,250.00,,GLAA-0001',
  // 40 hours at £12.21 in June 2025: compliant.
  'KZ-2,1990-01-01,2025-06-02,2025-06-08,40,488.40,,GLAA-0001',
  // Malformed: hours are not a number.
  'KZ-3,1990-01-01,2025-06-02,2025-06-08,forty,488.40,,GLAA-0002',
  '',
].join('\n');

const REGISTER = [
  'licence_number,name,status,effective_from,expires_on,sectors,principal_authority',
  'GLAA-0001,Fenland Harvest Ltd,licensed,2021-03-01,2026-02-28,agriculture;food processing,J. Smith',
  'GLAA-0001,Fenland Harvest Ltd,suspended,2024-05-10,,agriculture,J. Smith',
  'GLAA-0002,Kent Berry Labour Ltd,licensed_with_conditions,2022-01-15,2027-01-14,agriculture,A. Jones',
  '',
].join('\n');

const { server, browser } = serverAndBrowser();

// Switches the console's language and waits until the account has stored it, so that the next
// page loaded does not come back in the previous one.
async function switchLanguage(page, lang) {
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH');
  await page.locator('.topbar select').selectOption(lang);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
  await saved;
}

test('an officer checks payslips, opens a case from a finding, checks a licence; the auditor verifies the log', async () => {
  const { context, page, problems } = await newWatchedPage(browser.browser);
  await signIn(page, server.url, 'fwa.officer');

  // --- Payroll: upload, with the progress shown while the request is in flight.
  await page.goto(`${server.url}/payroll`);
  await page.getByRole('heading', { level: 1, name: 'Payroll checks' }).waitFor();
  await page.getByText('Your agency has not run any payroll checks yet.').waitFor();
  await assertAccessible(page, 'payroll');
  await screenshot(page, 'payroll-upload');

  await page.getByLabel('Payslip CSV file').setInputFiles({
    name: 'payslips.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(PAYSLIPS, 'utf8'),
  });
  await page.getByLabel('Revalue arrears as of (optional)').fill('2023-04-15');
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 1500,
    downloadThroughput: -1,
    uploadThroughput: 2000,
  });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  const progress = page.locator('.payroll-progress progress');
  await progress.waitFor({ state: 'visible' });
  assert.match(await page.locator('.payroll-progress [role=status]').innerText(), /Uploading|Checking/);
  await screenshot(page, 'payroll-progress');
  await page.waitForURL(/\/payroll\/checks\/\d+$/);
  await cdp.send('Network.emulateNetworkConditions', {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  const checkUrl = page.url();

  // --- The findings: the underpayment with its amounts in pounds.
  const finding = page.locator('table.payroll-findings tbody tr[data-rule="nmw.underpayment"]');
  await finding.waitFor();
  assert.equal(await page.locator('table.payroll-findings tbody tr').count(), 1, 'one finding only');
  const findingText = await finding.innerText();
  assert.match(findingText, /KZ-1/);
  assert.match(findingText, /Pay below the National Minimum Wage/);
  assert.match(findingText, /£90\.49/, 'arrears in pounds');
  assert.match(findingText, /£82\.50/, 'shortfall in pounds');
  const summary = await page.locator('.payroll-summary').innerText();
  assert.match(summary, /£90\.49/);

  // --- The rejected row: its line number and why.
  const reject = page.locator('table.payroll-rejects tbody tr');
  await reject.first().waitFor();
  assert.equal(await reject.count(), 1);
  const cells = await reject.first().locator('td').allInnerTexts();
  assert.equal(cells[0].trim(), '4');
  assert.match(cells[1], /hours_worked/);
  await assertAccessible(page, 'payroll check');
  await screenshot(page, 'payroll-findings');

  // The same page in Russian: the finding's message comes in the reader's language.
  await switchLanguage(page, 'ru');
  await page.getByRole('heading', { level: 2, name: 'Выявленные нарушения' }).waitFor();
  assert.match(await finding.locator('.payroll-message').innerText(), /[а-яё]/i);
  await screenshot(page, 'payroll-findings-ru');
  await switchLanguage(page, 'en');
  await page.getByRole('heading', { level: 2, name: 'Findings' }).waitFor();

  // The list of past checks links to this one.
  await page.goto(`${server.url}/payroll`);
  const listed = page.locator('table tbody tr').first();
  await listed.waitFor();
  assert.match(await listed.innerText(), /£90\.49/);
  await page.getByRole('link', { name: /^Check \d+$/ }).first().click();
  await page.waitForURL(checkUrl);

  // --- "Open a case" from the finding leads to the case.
  await finding.getByRole('button', { name: /Open a case/ }).click();
  await page.waitForURL(/\/cases\/\d+$/);
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('.error').count(), 0, 'no error on the case page');
  await screenshot(page, 'payroll-case-opened');
  // The language of the report is named in the reader's language; the switch keeps each
  // language's own name.
  await switchLanguage(page, 'ru');
  const reportLanguage = page.locator('[data-field=language] dd');
  await reportLanguage.filter({ hasText: 'Английский' }).waitFor();
  assert.equal((await reportLanguage.innerText()).trim(), 'Английский');
  assert.deepEqual(await page.locator('.topbar select option').allInnerTexts(), ['English', 'Қазақша', 'Русский']);
  await switchLanguage(page, 'en');

  // --- Registry: import the register, then "was it licensed on date D?".
  await page.goto(`${server.url}/registry`);
  await page.getByRole('heading', { level: 1, name: 'Registry' }).waitFor();
  await page.getByText('The provider register is empty.', { exact: false }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Workers' }).count(), 1, 'officers see workers');
  await page.getByRole('link', { name: 'Import register' }).click();
  await page.getByLabel('Register CSV file').setInputFiles({
    name: 'register.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(REGISTER, 'utf8'),
  });
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.getByText('Imported 3 rows: 2 new providers, 3 status changes added.').waitFor();
  await assertAccessible(page, 'registry import');
  await screenshot(page, 'payroll-registry-import');

  await page.getByRole('link', { name: 'See the providers' }).click();
  await page.getByRole('link', { name: 'Fenland Harvest Ltd' }).waitFor();
  const fenlandRow = page.locator('table tbody tr', { hasText: 'GLAA-0001' });
  assert.match(await fenlandRow.innerText(), /Suspended/);
  await assertAccessible(page, 'registry providers');
  await page.getByRole('link', { name: 'Fenland Harvest Ltd' }).click();
  await page.waitForURL(/\/registry\/providers\/\d+$/);
  await page.getByRole('heading', { name: 'Licence status history' }).waitFor();
  const history = await page.locator('section', { hasText: 'Licence status history' }).locator('tbody tr').allInnerTexts();
  assert.equal(history.length, 2);
  assert.match(history[0], /Suspended/);
  assert.match(history[1], /Licensed/);

  await page.getByLabel('Date', { exact: true }).fill('2023-06-01');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.locator('.registry-verdict[data-licensed=true]').waitFor();
  assert.match(await page.locator('.registry-verdict').innerText(), /GLAA-0001 was valid/);
  await page.getByLabel('Date', { exact: true }).fill('2024-06-01');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.locator('.registry-verdict[data-licensed=false]').waitFor();
  assert.match(await page.locator('.registry-verdict').innerText(), /Suspended/);
  await assertAccessible(page, 'registry provider');
  await screenshot(page, 'payroll-registry-provider');

  // The check by licence number, for a provider that is not in the register.
  await page.goto(`${server.url}/registry/check`);
  await page.getByLabel('Licence number').fill('GLAA-9999');
  await page.getByRole('button', { name: 'Check', exact: true }).click();
  await page.getByText('There is no provider with licence number “GLAA-9999” in the register.').waitFor();
  await assertAccessible(page, 'registry check');

  // --- Linkage: the project list and a new project waiting for the uploads.
  await page.goto(`${server.url}/linkage`);
  await page.getByText('Your agency takes part in no linkage project yet.').waitFor();
  await assertAccessible(page, 'linkage');
  await page.getByLabel('Project name').fill('Seasonal workers 2026');
  await page.getByRole('button', { name: 'Create the project' }).click();
  await page.waitForURL(/\/linkage\/\d+$/);
  await page.getByText('Waiting for uploads').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Run the match' }).isDisabled(), true);
  await assertAccessible(page, 'linkage project');
  await screenshot(page, 'payroll-linkage-project');

  assert.deepEqual(problems, []);
  await context.close();

  // --- The auditor: the events and the verified chain; no workers tab in the registry.
  const auditor = await newWatchedPage(browser.browser);
  const ap = auditor.page;
  await signIn(ap, server.url, 'fwa.auditor');
  await ap.goto(`${server.url}/audit`);
  await ap.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
  await ap.locator('[data-chain=ok]').waitFor();
  assert.match(await ap.locator('[data-chain=ok]').innerText(), /Chain verified: all \d+ events are intact\./);
  const rows = ap.locator('table.audit-events tbody tr');
  await rows.first().waitFor();
  assert.ok((await rows.count()) > 3, 'events are listed');
  const actions = await ap.locator('table.audit-events tbody tr td:nth-child(4)').allInnerTexts();
  for (const a of ['payroll.check', 'payroll.findings.read', 'case.create', 'provider.import']) {
    assert.ok(actions.includes(a), `${a} is in the trail (${actions.join(', ')})`);
  }
  await assertAccessible(ap, 'audit');
  await screenshot(ap, 'payroll-audit');

  // Filter by an action prefix: only payroll events remain, and the URL keeps the filter.
  await ap.getByLabel('Action').fill('payroll.*');
  await ap.getByRole('button', { name: 'Filter', exact: true }).click();
  await ap.waitForURL(/action=payroll\.\*/);
  await ap.getByText('Filters in use: 1').waitFor();
  // The list reloads after the filter line appears: wait for the filtered rows (or time out).
  await ap.waitForFunction(() => {
    const cells = [...document.querySelectorAll('table.audit-events tbody tr td:nth-child(4)')];
    return cells.length >= 2 && cells.every((c) => c.textContent.trim().startsWith('payroll.'));
  }, undefined, { timeout: 15000 }).catch(() => undefined);
  const filtered = await ap.locator('table.audit-events tbody tr td:nth-child(4)').allInnerTexts();
  assert.ok(filtered.length >= 2);
  for (const a of filtered) assert.match(a, /^payroll\./);
  await screenshot(ap, 'payroll-audit-filtered');

  // In Kazakh and Russian the object types, the details' keys and their known values are named in
  // the reader's language; the action codes stay as they are, and the raw details are the tooltip.
  await ap.goto(`${server.url}/audit?action=case.create`);
  await switchLanguage(ap, 'ru');
  const created = ap.locator('table.audit-events tbody tr', { hasText: 'case.create' }).first();
  await created.locator('[data-object-type=case]', { hasText: 'Дело' }).waitFor();
  const createdDetail = created.locator('td.audit-detail');
  assert.equal((await createdDetail.innerText()).trim(),
    'Источник: Проверка зарплаты; Связано с записью работника: Нет');
  assert.equal(await createdDetail.getAttribute('title'), 'source: payroll_finding; with_worker: false');
  await assertAccessible(ap, 'audit (ru)');
  await screenshot(ap, 'payroll-audit-ru');
  await ap.goto(`${server.url}/audit?action=payroll.check`);
  await switchLanguage(ap, 'kk');
  const checked = ap.locator('table.audit-events tbody tr', { hasText: 'payroll.check' }).first();
  await checked.locator('[data-object-type=payroll_check]', { hasText: 'Жалақы тексеруі' }).waitFor();
  assert.match(await checked.locator('td.audit-detail').innerText(), /Оқылған жолдар: \d+; Қабылданбаған жолдар: 1/);
  await switchLanguage(ap, 'en');

  await ap.goto(`${server.url}/registry`);
  await ap.getByRole('heading', { level: 1, name: 'Registry' }).waitFor();
  await ap.getByRole('link', { name: 'Fenland Harvest Ltd' }).waitFor();
  assert.equal(await ap.getByRole('link', { name: 'Workers' }).count(), 0, 'auditors never see workers');
  assert.equal(await ap.getByRole('link', { name: 'Import register' }).count(), 0);
  await assertAccessible(ap, 'registry (auditor)');

  assert.deepEqual(auditor.problems, []);
  await auditor.context.close();
});

test('a season of payslips, above the 1 MB limit of ordinary requests, is checked in the background', async () => {
  const { page, problems } = await newWatchedPage(browser.browser);
  await signIn(page, server.url, 'fwa.officer');
  await page.goto(`${server.url}/payroll`);
  await page.getByRole('heading', { level: 1, name: 'Payroll checks' }).waitFor();

  // 60 000 weekly payslips (about 4 MB); every 100th underpaid.
  const rows = ['worker_ref,date_of_birth,period_start,period_end,hours_worked,gross_pay'];
  for (let i = 0; i < 60000; i++) {
    rows.push(`KZ-${i},1990-01-01,2025-06-02,2025-06-08,34,${i % 100 === 0 ? '400.00' : '415.14'}`);
  }
  const csv = Buffer.from(rows.join('\n') + '\n', 'utf8');
  assert.ok(csv.length > 1024 * 1024);
  await page.getByLabel('Payslip CSV file').setInputFiles({ name: 'season.csv', mimeType: 'text/csv', buffer: csv });
  await page.getByLabel('Revalue arrears as of (optional)').fill('2025-07-01');
  await page.getByRole('button', { name: 'Upload and check' }).click();
  await page.waitForURL(/\/payroll\/checks\/\d+$/, { timeout: 120000 });
  const summary = page.locator('.payroll-summary');
  await summary.waitFor();
  assert.match(await summary.innerText(), /Rows read\s*60,000/);
  assert.match(await summary.innerText(), /Rows with findings\s*600/);
  await assertAccessible(page, 'a large check');

  // A file that is not payslips fails in the background; the form says why, in the reader's words.
  await page.goto(`${server.url}/payroll`);
  await page.getByLabel('Payslip CSV file').setInputFiles({
    name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from('name,age\nA,1\n', 'utf8'),
  });
  await page.getByRole('button', { name: 'Upload and check' }).click();
  const error = page.locator('form').locator('..').getByText('The check failed, so it has no findings.');
  await error.waitFor();
  assert.match(await page.locator('body').innerText(), /missing required column/);
  // The list marks the failed check.
  await page.reload();
  await page.locator('table tbody tr', { hasText: 'Failed' }).first().waitFor();
  await screenshot(page, 'payroll-failed-check');
  assert.deepEqual(problems, []);
});
