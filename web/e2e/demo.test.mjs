// What a newcomer sees after `make run`: the labour-rights demo (src/app/demo/cases.json, loaded
// by `kenes demo load --data-key-file`) in a real browser against a real server. The FWA officer
// finds the five FWA cases at every step of the workflow (one hotline call overdue for triage),
// reads the closed one's timeline and reason, the dashboard's providers ranked by risk with its
// charts, and the referral from the Kazakh ministry with only the fields it shared and its
// messages; the MLSP officer works in Kazakh on the ministry's three cases and the referral from
// the FWA; the registry shows the demo providers with their licence histories and the farms and
// Kazakh agencies. Every page is checked with axe and for console errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser,
  newWatchedPage,
  signIn,
  screenshot,
  assertAccessible,
} from './harness.mjs';

const EASTMARSH = 'Eastmarsh Harvest Staffing Ltd (illustrative)';
const MEADOWFIELD = 'Meadowfield Seasonal Recruitment Ltd (illustrative)';
const HARROWGATE = 'Harrowgate Agri Labour Ltd (illustrative)';
const BROOKVALE = 'Brookvale Packhouse Services Ltd (illustrative)';
const CLOSED_REASON = 'Arrears of £1,284.50 paid to 9 workers; licence conditions recommended.';
const VIEWPORT = { viewport: { width: 1280, height: 900 } };

const { server, browser } = serverAndBrowser(undefined, { demoCases: true });

const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// The triage deadline the server gives a new case (DueAt in src/cases/cases_service.cc): two
// working days, Monday to Friday, after it came in, at the same time of day. The demo's cases are
// back-dated from the moment of the load, so whether a case is overdue depends on the weekday.
function triageDue(createdAt) {
  const d = new Date(createdAt);
  for (let added = 0; added < 2;) {
    d.setUTCDate(d.getUTCDate() + 1);
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) added += 1;
  }
  return d;
}

// GET through the page's own session.
async function apiGet(page, url) {
  return page.evaluate(async (u) => {
    const r = await fetch(u, { headers: { Accept: 'application/json' } });
    if (!r.ok) throw new Error(`${u}: ${r.status}`);
    return r.json();
  }, url);
}

// Whether the chart's canvas has been painted (any pixel that is not transparent).
async function painted(canvas) {
  return canvas.evaluate((c) => {
    if (!c.width || !c.height) return false;
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) return true;
    return false;
  });
}

// The interface words (navigation, headings, labels, column headers, buttons, badges) that
// contain a Latin word; case references (C-…, R-…), the product's name, file formats and the
// acronym in the FWA's name ("formerly GLAA") are left out.
const INTERFACE = 'nav a, h1, h2, h3, button, .field-label, thead th, legend, .field-hint, .badge, dt';
// The start page's navigation and its half about cases (the Strategic Dialogue's half is not the
// labour-rights demo's).
const DASHBOARD_INTERFACE = `nav a, h1, section[aria-labelledby=dash-cases] :is(${INTERFACE}, .stat-label, figcaption, summary)`;
async function latinInterfaceTexts(page, selector = INTERFACE) {
  return page.evaluate((selector) => {
    const out = [];
    for (const el of document.querySelectorAll(selector)) {
      const r = el.getBoundingClientRect();
      const text = el.textContent.replace(/\b[CR]-[\w-]{12}(?![\w-])/g, '').replace(/\b(Kenes|GLAA|CSV|XLSX|PDF)\b/g, '').trim();
      if (r.width > 0 && r.height > 0 && /[A-Za-z]{3,}/.test(text)) out.push(text);
    }
    return out;
  }, selector);
}

test('the FWA officer: five cases at every step, the closed one, the dashboard, the referral from MLSP', async () => {
  const { context, page, problems } = await newWatchedPage(browser.browser, VIEWPORT);
  await signIn(page, server.url, 'fwa.officer');

  // --- The dashboard: the agency's cases, counted and charted, and the providers ranked by risk.
  await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
  const cases = page.locator('section.dash-section', { has: page.getByRole('heading', { name: 'Labour-rights cases of your agency' }) });
  const ranking = cases.getByRole('table', { name: 'Labour providers ranked by risk (open cases)' });
  await ranking.waitFor();
  assert.match(await cases.locator('.stat-list').innerText(), /5\s*cases in all/);
  const ranked = ranking.locator('tbody tr');
  assert.ok(await ranked.count() >= 3, 'several providers have open cases');
  assert.equal(await ranked.first().locator('td').first().innerText(), '1');
  assert.equal(await ranked.first().locator('th').innerText(), EASTMARSH);
  const rankedNames = await ranking.locator('tbody th').allInnerTexts();
  assert.ok(rankedNames.includes(BROOKVALE) && rankedNames.includes(HARROWGATE), rankedNames.join(' | '));
  assert.ok(!rankedNames.includes(MEADOWFIELD), 'the MLSP’s cases are not the FWA’s');
  const points = (await ranking.locator('tbody tr td:nth-child(4)').allInnerTexts()).map(Number);
  assert.deepEqual(points, [...points].sort((a, b) => b - a), 'ranked by risk points');
  const charts = cases.locator('figure.chart');
  assert.equal(await charts.count(), 2);
  assert.match(await charts.nth(0).locator('canvas').getAttribute('aria-label'), /^Cases by ILO forced-labour indicator\. .*Debt bondage: 1/);
  assert.match(await charts.nth(1).locator('canvas').getAttribute('aria-label'), /^Cases opened by month\. /);
  for (let i = 0; i < 2; i++) assert.ok(await painted(charts.nth(i).locator('canvas')), `chart ${i} is drawn`);
  // (In English, the words the Kazakh test below looks at are there to be found.)
  assert.ok((await latinInterfaceTexts(page, DASHBOARD_INTERFACE)).length > 15);
  await assertAccessible(page, 'dashboard (fwa.officer)');
  await screenshot(page, 'demo-01-dashboard-fwa');

  // --- The case list: the five FWA cases, newest first, at every step of the workflow.
  await page.locator('nav.sidenav').getByRole('link', { name: 'Cases' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cases' }).waitFor();
  const table = page.getByRole('table', { name: 'Cases of your agency' });
  await table.waitFor();
  const api = (await apiGet(page, '/api/v1/cases')).items;
  assert.equal(api.length, 5);
  assert.ok(api.every((k) => k.agency === 'uk-fwa'));
  const expected = [
    { provider: EASTMARSH, source: 'Worker’s report', status: 'New', reference: /^R-/ },
    { provider: BROOKVALE, source: 'Hotline call', status: 'New', reference: /^C-/ },
    { provider: HARROWGATE, source: 'Payroll check', status: 'Triaged', reference: /^C-/, yours: true },
    { provider: EASTMARSH, source: 'Officer’s finding', status: 'Investigating', reference: /^C-/, yours: true, escalate: true },
    { provider: EASTMARSH, source: 'Hotline call', status: 'Closed', reference: /^C-/, yours: true },
  ];
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), expected.length);
  let overdueCount = 0;
  for (const [i, want] of expected.entries()) {
    const cells = await rows.nth(i).locator('td').allInnerTexts();
    const id = Number(await rows.nth(i).getAttribute('data-case'));
    const theCase = api.find((c) => c.id === id);
    assert.ok(theCase, `row ${i} is a case the API lists`);
    assert.match(theCase.reference, want.reference);
    assert.equal(cells[0].split(/\s/)[0], theCase.reference, `row ${i}: reference`);
    assert.equal(/Yours/.test(cells[0]), !!want.yours, `row ${i}: assigned to the reader`);
    assert.equal(cells[1], want.status, `row ${i}: status`);
    assert.equal(/Escalate/.test(cells[2]), !!want.escalate, `row ${i}: escalate`);
    assert.equal(cells[4], want.provider, `row ${i}: provider`);
    assert.equal(cells[5], want.source, `row ${i}: source`);
    const overdue = want.status === 'New' && Date.now() > triageDue(theCase.created_at).getTime();
    if (overdue) overdueCount += 1;
    assert.equal(/Overdue/.test(cells[7]), overdue, `row ${i}: overdue mark (${cells[7]})`);
    if (want.status !== 'New') assert.equal(cells[7], '—');
  }
  // The hotline call four days old is overdue for triage on every weekday but Monday and Tuesday
  // (see triageDue); the worker's report of two days ago is not yet.
  const hotline = api.find((k) => k.status === 'new' && k.source === 'hotline');
  const loadDay = new Date().getUTCDay();
  if (loadDay !== 1 && loadDay !== 2) assert.equal(hotline.overdue, true, 'the old hotline call is overdue');
  const needs = page.getByRole('list', { name: 'Needs action' });
  assert.deepEqual(await needs.getByRole('button').allInnerTexts(), [
    'Awaiting triage: 2', `Overdue: ${overdueCount}`, 'To escalate: 1', 'Assigned to me: 2',
  ]);
  assert.equal(await page.locator('p.muted[role=status]').innerText(), 'Showing 5 of 5 cases');
  assert.ok((await latinInterfaceTexts(page)).length > 25);
  await assertAccessible(page, 'cases (fwa.officer)');
  await screenshot(page, 'demo-02-cases-fwa');

  // Only the overdue ones, through the "needs action" button.
  if (overdueCount) {
    await needs.getByRole('button', { name: `Overdue: ${overdueCount}` }).click();
    await page.waitForURL(/overdue=1/);
    await page.waitForFunction((n) => document.querySelectorAll('table.cases-table tbody tr').length === n, overdueCount);
    assert.match(await rows.first().innerText(), new RegExp(`${esc(BROOKVALE)}[\\s\\S]*Hotline call[\\s\\S]*Overdue`));
    await page.getByRole('button', { name: 'Reset' }).click();
    await page.waitForURL(/\/cases$/);
    await rows.nth(4).waitFor();
  }

  // --- The closed case: its reason, its notes and its timeline from the call to the closing.
  const closed = api.find((k) => k.status === 'closed');
  await table.getByRole('link', { name: closed.reference }).click();
  await page.waitForURL(new RegExp(`/cases/${closed.id}$`));
  await page.getByRole('heading', { level: 1, name: `Case ${closed.reference}` }).waitFor();
  assert.equal(await page.locator('.case-next').innerText(), `Next step: none; the case is closed (${CLOSED_REASON}).`);
  const workflow = page.getByRole('region', { name: 'Status' });
  assert.equal(await workflow.locator('ol.steps li[aria-current=step]').innerText(), 'Closed');
  assert.match(await workflow.innerText(), new RegExp(`Reason for closing:\\s*${esc(CLOSED_REASON)}`));
  assert.equal(await page.locator('button[name=advance]').count(), 0, 'a closed case goes no further');
  assert.match(await page.locator('[data-field=what_happened] dd').innerText(), /^Caller says pickers were paid for 18 hours a week/);
  assert.equal(await page.locator('[data-field=worker_name] dd').innerText(), 'Nurlan Sadykov');
  await page.getByRole('heading', { level: 2, name: 'Subjects (2)' }).waitFor();
  await page.getByRole('heading', { level: 2, name: 'Notes (2)' }).waitFor();
  await page.getByText('Payslips for weeks 27-30 obtained; paid hours 15-19 a week, caravan charge above the offset.').waitFor();
  const timeline = page.getByRole('region', { name: 'Timeline' }).locator('ol.timeline > li');
  const events = await timeline.evaluateAll((lis) => lis.map((li) => ({
    kind: li.dataset.kind,
    actor: li.querySelector('p.muted').textContent.split('·').pop().trim(),
    text: li.querySelectorAll('p')[1].textContent.trim(),
  })));
  assert.deepEqual(events.map((e) => e.kind),
    ['status', 'status', 'note', 'status', 'note', 'assigned', 'status', 'subject', 'subject', 'opened']);
  assert.deepEqual(events.filter((e) => e.kind === 'status').map((e) => `${e.actor}: ${e.text}`), [
    'fwa.supervisor: Status changed from “Action taken” to “Closed”.',
    'fwa.officer: Status changed from “Investigating” to “Action taken”.',
    'fwa.officer: Status changed from “Triaged” to “Investigating”.',
    'fwa.supervisor: Status changed from “New” to “Triaged”.',
  ]);
  assert.equal(events.find((e) => e.kind === 'assigned').text, 'Assigned to You (Tom Okafor (FWA)).');
  assert.deepEqual(events.filter((e) => e.kind === 'subject').map((e) => e.text), [
    'Subject added: Oakley Berry Farm (illustrative) as Employer.',
    `Subject added: ${EASTMARSH} as Scheme operator.`,
  ]);
  assert.equal(events.at(-1).text, 'Case opened (Hotline call).');
  await assertAccessible(page, 'closed case');
  await screenshot(page, 'demo-03-closed-case');

  // --- The referral from the Kazakh ministry: waiting for the FWA's answer.
  await page.locator('nav.sidenav').getByRole('link', { name: 'Referrals' }).click();
  await page.getByRole('heading', { level: 1, name: 'Referrals' }).waitFor();
  const inbox = page.locator('table.referrals-table tbody tr');
  await inbox.first().waitFor();
  assert.equal(await page.locator('#tab-inbox').innerText(), 'Inbox (1 · 1 need action)');
  assert.equal(await page.locator('#tab-outbox').innerText(), 'Sent (1)');
  assert.equal(await inbox.count(), 1);
  const cells = await inbox.first().locator('td').allInnerTexts();
  assert.equal(cells[1], 'Ministry of Labour and Social Protection (Kazakhstan)');
  assert.equal(cells[2], 'Awaiting answer Your agency must answer');
  assert.equal(cells[3], 'The worker was placed by a UK scheme operator; please check whether the operator knew of the fee.');
  assert.deepEqual(cells.slice(4, 6), ['5', '2'], 'five fields shared, two messages');
  await assertAccessible(page, 'referral inbox (fwa.officer)');
  await screenshot(page, 'demo-04-referrals-inbox-fwa');

  await inbox.first().getByRole('link').click();
  await page.waitForURL(/\/referrals\/\d+$/);
  await page.getByRole('heading', { level: 2, name: 'Shared with your agency' }).waitFor();
  const shared = page.locator('dl.shared-fields > div');
  // The indicators' and categories' names come with the taxonomy, which may arrive later.
  await shared.getByText('Debt bondage · Medium').waitFor();
  await shared.getByText('Unlawful fees or recruitment debt').waitFor();
  assert.deepEqual(await shared.evaluateAll((ds) => ds.map((d) => d.dataset.field)),
    ['worker_name', 'date_of_birth', 'provider_name', 'indicators', 'categories']);
  assert.equal(await page.locator('[data-field=what_happened]').count(), 0, 'what happened was not shared');
  assert.equal(await page.getByText(/Жұмысшы Алматыдағы агенттікке/).count(), 0, 'nor is its text anywhere');
  assert.equal(await page.locator('a[href^="/cases/"]').count(), 0, 'the partner has no link to the MLSP’s case');
  assert.equal(await shared.nth(0).locator('dd').innerText(), 'Yerlan Mukhametov');
  assert.match(await shared.nth(1).locator('dd').innerText(), /^23 Nov 2001$/);
  assert.equal(await shared.nth(2).locator('dd').innerText(), MEADOWFIELD);
  assert.deepEqual((await shared.nth(3).locator('li').allInnerTexts()).sort(),
    ['Debt bondage · Medium', 'Deception · Medium']);
  assert.equal(await shared.nth(4).locator('dd').innerText(), 'Unlawful fees or recruitment debt');
  // The thread: the FWA's question and the ministry's answer; the FWA has to answer now.
  await page.getByRole('heading', { level: 2, name: 'Messages (2)' }).waitFor();
  const messages = page.locator('ol.thread > li');
  assert.deepEqual(await messages.evaluateAll((lis) => lis.map((li) => `${li.dataset.from} ${li.className}`)),
    ['uk-fwa ours', 'kz-mlsp theirs']);
  assert.equal(await messages.nth(0).locator('.message-body').innerText(), 'Which farm was the worker placed at, and on what dates?');
  assert.equal(await messages.nth(1).locator('.message-body').innerText(), 'A farm in Kent from June to August 2026; the worker has the contract.');
  assert.match(await messages.nth(1).locator('p.muted').innerText(), /^Ministry of Labour and Social Protection \(Kazakhstan\) · mlsp\.officer · /);
  await page.getByText('Your agency must answer').waitFor();
  for (const name of ['Accept', 'Request information…', 'Decline…']) {
    assert.equal(await page.getByRole('button', { name }).count(), 1, name);
  }
  await assertAccessible(page, 'referral from MLSP');
  await screenshot(page, 'demo-05-referral-from-mlsp');

  // The FWA's own referral to the ministry, accepted.
  await page.getByRole('link', { name: 'Back to referrals' }).click();
  await page.locator('#tab-outbox').click();
  await page.waitForURL(/box=out/);
  const outbox = page.locator('table.referrals-table tbody tr');
  await outbox.filter({ hasText: 'Accepted' }).waitFor();
  assert.equal(await outbox.count(), 1);
  assert.match(await outbox.innerText(), /Ministry of Labour and Social Protection \(Kazakhstan\)\s+Accepted/);

  assert.deepEqual(problems, []);
  await context.close();
});

test('the MLSP officer, in Kazakh: the ministry’s three cases and the referral from the FWA', async () => {
  const { context, page, problems } = await newWatchedPage(browser.browser, VIEWPORT);
  await signIn(page, server.url, 'mlsp.officer', 'kk');
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'kk');
  assert.equal(await page.locator('nav.sidenav a[aria-current=page]').innerText(), 'Басты бет');

  // --- The dashboard, in Kazakh.
  await page.getByRole('heading', { level: 1, name: 'Шолу' }).waitFor();
  const ranking = page.getByRole('table', { name: 'Тәуекел деңгейі бойынша жұмыс күшін беретін ұйымдар (ашық істер)' });
  await ranking.waitFor();
  assert.equal(await ranking.locator('tbody tr').first().locator('th').innerText(), MEADOWFIELD);
  assert.match(await page.locator('.stat-list').first().innerText(), /3\s*барлық іс/);
  assert.ok(await painted(page.locator('figure.chart canvas').first()), 'the chart is drawn');
  assert.deepEqual(await latinInterfaceTexts(page, DASHBOARD_INTERFACE), [], 'dashboard in Kazakh');
  await assertAccessible(page, 'dashboard (mlsp.officer, kk)');
  await screenshot(page, 'demo-06-dashboard-mlsp-kk');

  // --- The case list: three cases, the worker's report overdue for triage.
  await page.locator('nav.sidenav').getByRole('link', { name: 'Істер' }).click();
  await page.getByRole('heading', { level: 1, name: 'Істер' }).waitFor();
  const table = page.getByRole('table', { name: 'Агенттігіңіздің істері' });
  await table.waitFor();
  assert.deepEqual((await table.locator('thead th').allInnerTexts()).map((h) => h.replace(/\s*[↕▲▼]$/, '')), [
    'Нөмірі', 'Күйі', 'Қауіп', 'Санаттар', 'Жұмысқа орналастырушы', 'Көзі', 'Құрылған', 'Сұрыптау мерзімі',
  ]);
  const api = (await apiGet(page, '/api/v1/cases')).items;
  assert.equal(api.length, 3);
  assert.ok(api.every((k) => k.agency === 'kz-mlsp'));
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 3);
  // The categories' names come with the taxonomy, which may arrive after the cases.
  await rows.first().locator('td', { hasText: 'Заңсыз алымдар' }).waitFor();
  const expected = [
    { status: 'Жаңа', source: 'Жұмысшының хабарламасы', categories: 'Заңсыз алымдар немесе жалдау үшін қарыз' },
    { status: 'Сұрыпталды', source: 'Сенім телефоны', categories: 'Мерзімінен бұрын жұмыстан шығару, Қоқан-лоқы', yours: true },
    { status: 'Тексерілуде', source: 'Инспектордың анықтағаны', categories: 'Заңсыз алымдар немесе жалдау үшін қарыз', yours: true },
  ];
  for (const [i, want] of expected.entries()) {
    const cells = await rows.nth(i).locator('td').allInnerTexts();
    const id = Number(await rows.nth(i).getAttribute('data-case'));
    const theCase = api.find((c) => c.id === id);
    assert.equal(cells[0].split(/\s/)[0], theCase.reference, `row ${i}: reference`);
    assert.equal(/Сіздікі/.test(cells[0]), !!want.yours, `row ${i}: assigned to the reader`);
    assert.equal(cells[1], want.status, `row ${i}: status`);
    assert.equal(cells[3], want.categories, `row ${i}: categories`);
    assert.equal(cells[5], want.source, `row ${i}: source`);
    const overdue = i === 0 && Date.now() > triageDue(theCase.created_at).getTime();
    assert.equal(cells[7].includes('Мерзімі өтті'), overdue, `row ${i}: overdue mark (${cells[7]})`);
  }
  // The worker's report of six days ago is past its two working days whatever the weekday.
  assert.match(await rows.first().locator('td').nth(7).innerText(), /Мерзімі өтті/);
  assert.deepEqual(await page.getByRole('list', { name: 'Әрекет қажет' }).getByRole('button').allInnerTexts(), [
    'Сұрыптауды күтуде: 1', 'Мерзімі өткен: 1', 'Шұғыл: 2', 'Маған тапсырылған: 2',
  ]);
  assert.deepEqual(await latinInterfaceTexts(page), [], 'case list in Kazakh');
  await assertAccessible(page, 'cases (mlsp.officer, kk)');
  await screenshot(page, 'demo-07-cases-mlsp-kk');

  // --- The case under investigation, referred to the FWA.
  await rows.nth(2).getByRole('link').first().click();
  await page.waitForURL(/\/cases\/\d+$/);
  await page.getByRole('heading', { level: 1, name: /^Іс C-/ }).waitFor();
  assert.match(await page.locator('.case-next').innerText(), /^Келесі қадам: қолданылған шараны/);
  await page.getByRole('heading', { level: 2, name: 'Іс субъектілері (2)' }).waitFor();
  const timeline = page.getByRole('region', { name: 'Оқиғалар тізбегі' });
  await timeline.locator('li[data-kind=referred]').waitFor();
  assert.match(await timeline.locator('li[data-kind=referred]').innerText(),
    /Жолданды: Әділ еңбек агенттігі \(Ұлыбритания; бұрынғы GLAA\) \(жұмысшының келісімімен\); өрістер: Жұмысшының аты-жөні, Туған күні/);
  assert.match(await timeline.locator('li[data-kind=status]').first().innerText(), /Күйі «Сұрыпталды» күйінен «Тексерілуде» күйіне өзгерді\./);
  assert.match(await page.locator('[data-field=what_happened] dd').innerText(), /^Жұмысшы Алматыдағы агенттікке/);
  assert.deepEqual(await latinInterfaceTexts(page), [], 'case in Kazakh');
  await assertAccessible(page, 'case (mlsp.officer, kk)');
  await screenshot(page, 'demo-08-case-mlsp-kk');

  // --- The FWA's referral in the ministry's inbox: accepted, with what happened shared this time.
  await page.locator('nav.sidenav').getByRole('link', { name: 'Жолдамалар' }).click();
  await page.getByRole('heading', { level: 1, name: 'Жолдамалар' }).waitFor();
  const inbox = page.locator('table.referrals-table tbody tr');
  await inbox.first().waitFor();
  assert.equal(await page.locator('#tab-inbox').innerText(), 'Кіріс (1)');
  assert.match(await inbox.first().innerText(), /Әділ еңбек агенттігі \(Ұлыбритания; бұрынғы GLAA\)\s+Қабылданды/);
  await assertAccessible(page, 'referral inbox (mlsp.officer, kk)');
  await inbox.first().getByRole('link').click();
  await page.getByRole('heading', { level: 2, name: 'Агенттігіңізге берілген деректер' }).waitFor();
  assert.match(await page.locator('[data-field=what_happened] dd').innerText(), /^During a farm visit a worker said she paid about £1,900/);
  assert.equal(await page.locator('[data-field=worker_name] dd').innerText(), 'Aizhan Bekova');
  await page.getByRole('heading', { level: 2, name: 'Хаттар (1)' }).waitFor();
  assert.match(await page.locator('ol.thread > li').innerText(), /The agency's licence was suspended on our side/);
  assert.deepEqual(await latinInterfaceTexts(page), [], 'referral in Kazakh');
  await assertAccessible(page, 'referral from the FWA (kk)');
  await screenshot(page, 'demo-09-referral-from-fwa-kk');

  assert.deepEqual(problems, []);
  await context.close();
});

test('the registry: the demo providers with their licence histories, the farms and the Kazakh agencies', async () => {
  const { context, page, problems } = await newWatchedPage(browser.browser, VIEWPORT);
  await signIn(page, server.url, 'fwa.officer');

  // --- The labour providers, and what the register says of each today.
  await page.goto(`${server.url}/registry`);
  await page.getByRole('heading', { level: 1, name: 'Registry' }).waitFor();
  const providers = page.locator('table tbody tr');
  await providers.first().waitFor();
  assert.equal(await providers.count(), 4);
  const now = {};
  for (const row of await providers.all()) {
    const cells = await row.locator('td').allInnerTexts();
    now[cells[0]] = [cells[1], cells[2]];
  }
  assert.deepEqual(now, {
    'DEMO/0001': [MEADOWFIELD, 'Licensed'],
    'DEMO/0002': [HARROWGATE, 'Licensed with conditions'],
    'DEMO/0003': [EASTMARSH, 'Suspended'],
    'DEMO/0004': [BROOKVALE, 'Revoked'],
  });
  await assertAccessible(page, 'providers');
  await screenshot(page, 'demo-10-providers');

  // --- Eastmarsh, suspended after four years of licence.
  await page.getByRole('link', { name: EASTMARSH }).click();
  await page.waitForURL(/\/registry\/providers\/\d+$/);
  await page.getByRole('heading', { level: 2, name: EASTMARSH }).waitFor();
  assert.match(await page.locator('.registry-dl').innerText(),
    /DEMO\/0003[\s\S]*Status now\s*Suspended[\s\S]*Principal authority\s*GLAA[\s\S]*agriculture, shellfish/);
  const history = page.locator('section', { has: page.getByRole('heading', { level: 2, name: 'Licence status history' }) })
    .locator('tbody tr');
  assert.equal(await history.count(), 2);
  const newest = await history.nth(0).locator('td').allInnerTexts();
  assert.match(newest[0], /^15 Sept? 2026$/);
  assert.equal(newest[1], 'Suspended (in force today)');
  assert.equal(newest[2], '—');
  const oldest = await history.nth(1).locator('td').allInnerTexts();
  assert.match(oldest[0], /^16 Mar 2020$/);
  assert.equal(oldest[1], 'Licensed');
  assert.match(oldest[2], /^15 Mar 2026$/);
  await assertAccessible(page, 'provider Eastmarsh');
  await screenshot(page, 'demo-11-provider-eastmarsh');

  // --- The farms, and the Kazakh agencies with their licences.
  await page.getByRole('link', { name: 'Employers and agencies' }).click();
  await page.waitForURL(/\/registry\/organisations/);
  const organisations = page.locator('table.registry-organisations tbody tr');
  await organisations.first().waitFor();
  assert.deepEqual((await organisations.locator('td:first-child').allInnerTexts()).sort(),
    ['Fenland Salad Growers (illustrative)', 'Oakley Berry Farm (illustrative)']);
  await page.getByRole('link', { name: 'Kazakh recruitment agencies' }).click();
  await page.waitForURL(/kind=kz_agency/);
  await page.locator('table.registry-organisations tbody tr', { hasText: 'Steppe Staffing LLP' }).waitFor();
  assert.equal(await organisations.count(), 2);
  assert.match(await organisations.filter({ hasText: 'Dala Job Abroad LLP (illustrative)' }).innerText(), /KZ-DEMO-017[\s\S]*Licence suspended/);
  assert.match(await organisations.filter({ hasText: 'Steppe Staffing LLP (illustrative)' }).innerText(), /KZ-DEMO-042[\s\S]*Licensed/);
  await assertAccessible(page, 'Kazakh agencies');
  await screenshot(page, 'demo-12-kz-agencies');

  // --- The FWA's workers: only the two in its own registry, the one at Oakley placed there.
  await page.getByRole('link', { name: 'Workers' }).click();
  await page.waitForURL(/\/registry\/workers/);
  await page.getByRole('link', { name: /^Nurlan Sadykov/ }).waitFor();
  await page.getByRole('link', { name: /^Aizhan Bekova/ }).waitFor();
  assert.equal(await page.getByRole('link', { name: /Yerlan|Gulnara/ }).count(), 0, 'the MLSP’s workers stay in its registry');
  await page.getByRole('link', { name: /^Nurlan Sadykov/ }).click();
  await page.waitForURL(/\/registry\/workers\/\d+$/);
  const placement = page.locator('table.registry-placements tbody tr');
  await placement.first().waitFor();
  assert.match(await placement.first().innerText(), /Oakley Berry Farm \(illustrative\)/);
  await assertAccessible(page, 'worker');
  await screenshot(page, 'demo-13-worker');

  assert.deepEqual(problems, []);
  await context.close();
});
