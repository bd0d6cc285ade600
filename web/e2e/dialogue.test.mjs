// The Strategic Dialogue, the dashboard and the expertise library in a real Chromium against the
// real server with the demo record: the ratification board, the meetings timeline, the briefing
// pack inside the console (no CSP error), an out-of-order action refused in the reader's language,
// and full-text search in Kazakh and English over documents written through the console.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertAccessible as noSeriousViolations, newWatchedPage, screenshot, serverAndBrowser, signIn } from './harness.mjs';

const { server, browser: chrome } = serverAndBrowser();

const SPCA = 'Strategic Partnership and Cooperation Agreement';

async function switchLanguage(page, lang) {
  await page.locator('.topbar select').selectOption(lang);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

describe('Strategic Dialogue and library', { timeout: 240_000 }, () => {
  it('mfa.desk follows the Dialogue from the dashboard to the briefing pack and the library', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser, { viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    await signIn(page, server.url, 'mfa.desk', 'en');

    // Dashboard: the ratification board names the SPCA with each side's state and next step.
    const board = page.locator('table.ratification-board');
    await board.waitFor();
    const spcaRow = board.locator('tbody tr', { hasText: SPCA });
    await spcaRow.waitFor();
    assert.match(await spcaRow.textContent(), /Signed; awaiting ratification by Kazakhstan and United Kingdom/);
    assert.match(await spcaRow.textContent(), /Next: Legal expertise of the draft ratification law/);
    assert.match(await spcaRow.textContent(), /Next: Laid before Parliament/);
    await page.locator('h3', { hasText: 'Overdue commitments' }).waitFor();
    await screenshot(page, 'dialogue-dashboard');
    await noSeriousViolations(page, 'dashboard');

    // The meetings timeline and the 8th meeting (London, 11 February 2025).
    await page.locator('nav.sidenav a', { hasText: 'Dialogue' }).click();
    const eighth = page.locator('ol.meeting-timeline a', { hasText: '8th meeting — London' });
    await eighth.waitFor();
    assert.equal(await page.locator('ol.meeting-timeline > li').count(), 5);
    await screenshot(page, 'dialogue-meetings');
    await noSeriousViolations(page, 'meetings timeline');
    await eighth.click();
    const h1 = page.locator('h1#page-title');
    await h1.filter({ hasText: '8th meeting — London, 11 Feb 2025' }).waitFor();
    await page.locator('h2', { hasText: 'Documents signed' }).waitFor();
    const main = page.locator('main');
    assert.match(await main.textContent(), /Roman Vassilenko/);
    assert.match(await main.textContent(), /Stephen Doughty/);
    assert.match(await main.textContent(), /Gangmasters and Labour Abuse Authority/);
    await screenshot(page, 'dialogue-meeting-8');
    await noSeriousViolations(page, 'meeting page');

    // The briefing pack renders inside the console, its headings and SVG charts included.
    await page.locator('nav.tabs a', { hasText: 'Briefing pack' }).click();
    const pack = page.locator('.briefing-doc');
    await pack.locator('h2', { hasText: 'Briefing pack' }).waitFor();
    await pack.locator('h3', { hasText: 'Agreements and ratification' }).waitFor();
    assert.ok((await pack.locator('svg').count()) >= 1, 'indicator charts');
    assert.match(await pack.textContent(), new RegExp(SPCA));
    // Its links lead to the console's pages, not to the JSON API.
    const hrefs = await pack.locator('a[href]').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
    assert.ok(hrefs.some((h) => /^\/dialogue\/agreements\/\d+$/.test(h)), hrefs.join(' '));
    assert.ok(hrefs.every((h) => !h.startsWith('/api/')), hrefs.join(' '));
    assert.equal(await page.locator('.briefing-doc [style]').evaluateAll((els) => els.filter((e) => e.getAttribute('style') && !/^(padding-left|width):/.test(e.getAttribute('style'))).length), 0);
    await screenshot(page, 'dialogue-briefing');
    await noSeriousViolations(page, 'briefing pack');

    // The Markdown version is served.
    const md = await context.request.get(`${server.url}/api/v1/dialogue/briefing?format=md`);
    assert.equal(md.status(), 200);
    assert.match(await md.text(), /^# Briefing pack/m);

    // An action out of order is refused, and the reason is given in Russian.
    await page.locator('nav.tabs a', { hasText: 'Agreements' }).click();
    await page.locator('table.ratification-board a', { hasText: SPCA }).click();
    await h1.filter({ hasText: SPCA }).waitFor();
    await switchLanguage(page, 'ru');
    await page.locator('h3', { hasText: 'Записать действие стороны' }).waitFor();
    const form = page.locator('form', { hasText: 'Записать действие стороны' });
    await form.locator('select[name=party]').selectOption('KZ');
    await form.locator('select[name=action]').selectOption('entry_into_force');
    await form.locator('button[type=submit]').click();
    const alert = form.locator('.error[role=alert]');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Этот шаг нарушает порядок процедур по соглашению/);
    const why = form.locator('.record-error p[role=status]');
    assert.match(await why.textContent(), /Соглашение не может вступить в силу до ратификации или утверждения \(Казахстан\)/);
    await screenshot(page, 'dialogue-out-of-order-ru');
    await noSeriousViolations(page, 'agreement page');
    // A step in order is recorded and moves the next step on.
    const stepForm = page.locator('form', { hasText: 'Записать шаг внутригосударственной процедуры' });
    await stepForm.locator('select[name=party]').selectOption('KZ');
    await stepForm.locator('select[name=step]').selectOption('legal_expertise');
    await stepForm.locator('button[type=submit]').click();
    await stepForm.locator('.success').waitFor();
    await page.locator('.track', { hasText: 'Казахстан' }).locator('li.next', { hasText: 'Лингвистическая экспертиза' }).waitFor();
    await screenshot(page, 'dialogue-step-recorded-ru');
    await switchLanguage(page, 'en');

    // Commitments: overdue ones say so in words as well as in red.
    await page.locator('nav.tabs a', { hasText: 'Commitments' }).click();
    await page.locator('table.commitments').waitFor();
    assert.match(await page.locator('table.commitments').textContent(), /Overdue by \d+ days/);
    await screenshot(page, 'dialogue-commitments');
    await noSeriousViolations(page, 'commitments');

    // Indicators with charts and their data tables.
    await page.locator('nav.tabs a', { hasText: 'Indicators' }).click();
    await page.locator('figure.chart canvas').first().waitFor();
    assert.ok((await page.locator('figure.chart canvas[aria-label]').count()) >= 3);
    await screenshot(page, 'dialogue-indicators');
    await noSeriousViolations(page, 'indicators');

    // Library: a document in Kazakh written through the form, then its English translation.
    await page.locator('nav.sidenav a', { hasText: 'Library' }).click();
    await page.locator('a.button', { hasText: 'New document' }).click();
    await h1.filter({ hasText: 'New document' }).waitFor();
    await noSeriousViolations(page, 'new document form');
    await page.locator('input[name=title]').fill('Маусымдық жұмысшылардың жалақысы');
    await page.locator('select[name=language]').selectOption('kk');
    await page.locator('textarea[name=summary]').fill('Жалақыны ұстап қалу белгілері туралы жадынама.');
    await page.locator('textarea[name=body]').fill(
      '## Жалақыны ұстап қалу\n\nМаусымдық жұмысшылардың жалақысы уақтылы және толық төленуі тиіс.\n\n- Еңбек шартын сақтаңыз\n- Төлем құжаттарын сұраңыз\n');
    await page.locator('input[name=visibility][value=shared]').check();
    await page.locator('summary', { hasText: 'Audiences' }).click();
    await page.locator('input[name=tags][value="audience:workers"]').check();
    await screenshot(page, 'dialogue-library-new');
    await page.locator('button[type=submit]', { hasText: 'Create the document' }).click();
    await h1.filter({ hasText: 'Маусымдық жұмысшылардың жалақысы' }).waitFor();
    await page.locator('.doc-body', { hasText: 'уақтылы және толық төленуі' }).waitFor();
    assert.equal(await page.locator('.doc-body h3', { hasText: 'Жалақыны ұстап қалу' }).count(), 1);
    await page.locator('a', { hasText: 'Add a translation' }).click();
    await page.locator('.notice', { hasText: 'Translation of' }).waitFor();
    await page.locator('input[name=title]').fill('Wages of seasonal workers');
    await page.locator('select[name=language]').selectOption('en');
    await page.locator('textarea[name=body]').fill('## Withholding of wages\n\nSeasonal workers must be paid in full and on time.\n');
    await page.locator('button[type=submit]', { hasText: 'Create the document' }).click();
    await h1.filter({ hasText: 'Wages of seasonal workers' }).waitFor();
    await page.locator('nav.translations a', { hasText: 'Маусымдық жұмысшылардың жалақысы' }).waitFor();
    await screenshot(page, 'dialogue-library-document');
    await noSeriousViolations(page, 'library document');

    // Search by a Kazakh word, then by an English one: ranked hits with the words highlighted.
    await page.locator('a', { hasText: 'Back to the library' }).click();
    const q = page.locator('input[name=q]');
    await q.fill('жалақы');
    await q.press('Enter');
    const results = page.locator('ol.search-results');
    await results.locator('a', { hasText: 'Маусымдық жұмысшылардың жалақысы' }).waitFor();
    assert.ok((await results.locator('mark').count()) >= 1, 'highlighted words');
    await screenshot(page, 'dialogue-library-search-kk');
    await noSeriousViolations(page, 'library search (kk)');
    await q.fill('seasonal');
    await q.press('Enter');
    await results.locator('a', { hasText: 'Wages of seasonal workers' }).waitFor();
    assert.match(await results.locator('mark').first().textContent(), /seasonal/i);
    await screenshot(page, 'dialogue-library-search-en');
    await noSeriousViolations(page, 'library search (en)');

    // Filters: the Kazakh documents only.
    await page.locator('select', { has: page.locator('option', { hasText: 'All languages' }) }).selectOption('kk');
    await page.waitForURL(/language=kk/);
    await page.locator('ul.doc-list a', { hasText: 'Wages of seasonal workers' }).waitFor({ state: 'detached' });
    await page.locator('ul.doc-list a', { hasText: 'Маусымдық жұмысшылардың жалақысы' }).waitFor();
    await screenshot(page, 'dialogue-library-filter-kk');

    assert.deepEqual(problems, []);
    await context.close();
  });

  it('an analyst of a labour ministry sees the case charts and a read-only Dialogue', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser, { viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    await signIn(page, server.url, 'mlsp.analyst', 'kk');
    await page.locator('#dash-cases').waitFor();
    await page.locator('table.ratification-board').waitFor();
    await screenshot(page, 'dialogue-dashboard-analyst-kk');
    await noSeriousViolations(page, 'dashboard (analyst, kk)');
    await page.goto(`${server.url}/dialogue/agreements`);
    await page.locator('table.ratification-board a').first().click();
    await page.locator('.track').first().waitFor();
    assert.equal(await page.locator('select[name=action]').count(), 0, 'no write form without dialogue.write');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('fcdo.desk records a meeting with co-chairs and areas, then a commitment and a sub-commitment for it', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser, { viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    await signIn(page, server.url, 'fcdo.desk', 'en');
    const h1 = page.locator('h1#page-title');
    const main = page.locator('main');
    // Yesterday (UTC, as the server counts days): after the 8th meeting, not in the future.
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

    await page.locator('nav.sidenav a', { hasText: 'Dialogue' }).click();
    await page.locator('ol.meeting-timeline').waitFor();
    await page.locator('a.button', { hasText: 'New meeting' }).click();
    await h1.filter({ hasText: 'Record a meeting' }).waitFor();
    const form = page.locator('form.create-form');
    // The console warns before the server refuses: a held meeting in the future.
    await form.locator('input[name=date]').fill('2099-01-01');
    await form.locator('.create-hint', { hasText: 'record it as planned' }).waitFor();
    await form.locator('input[name=number]').fill('9');
    await form.locator('input[name=date]').fill(day);
    await form.locator('input[name=city]').fill('Astana');
    await form.locator('select[name=country]').selectOption('KZ');
    await form.locator('select[name=format]').selectOption('hybrid');
    await form.locator('select[name=co_chair_side_0]').selectOption('KZ');
    await form.locator('input[name=co_chair_name_0]').fill('Aigerim Testova');
    await form.locator('input[name=co_chair_title_0]').fill('Deputy Minister of Foreign Affairs');
    await form.locator('select[name=co_chair_side_1]').selectOption('UK');
    await form.locator('input[name=co_chair_name_1]').fill('Oliver Sample');
    await form.locator('input[name=co_chair_title_1]').fill('Minister for Europe and Central Asia');
    await form.locator('label.check', { hasText: 'Labour migration' }).locator('input').check();
    // A cooperation area that is not in the list yet, added from inside the form.
    await form.locator('summary', { hasText: 'Add a cooperation area' }).click();
    await form.locator('input[name=area_code]').fill('green_energy');
    await form.locator('input[name=area_name_en]').fill('Green energy');
    await form.locator('input[name=area_name_kk]').fill('Жасыл энергетика');
    await form.locator('input[name=area_name_ru]').fill('Зелёная энергетика');
    await form.locator('button', { hasText: 'Add the area' }).click();
    await form.locator('.success', { hasText: 'Green energy' }).waitFor();
    assert.ok(await form.locator('label.check', { hasText: 'Green energy' }).locator('input').isChecked(), 'the new area is ticked');
    await form.locator('textarea[name=summary]').fill('The co-chairs reviewed labour migration and energy cooperation.');
    await form.locator('input[name=source_url_0]').fill('https://www.gov.uk/government/news/example');
    await form.locator('input[name=source_title_0]').fill('Joint statement');
    await screenshot(page, 'dialogue-new-meeting');
    await noSeriousViolations(page, 'new meeting form');
    await form.locator('button[type=submit]', { hasText: 'Record the meeting' }).click();

    // The new meeting's page.
    await h1.filter({ hasText: '9th meeting — Astana' }).waitFor();
    assert.match(await main.textContent(), /Aigerim Testova, Deputy Minister of Foreign Affairs/);
    assert.match(await main.textContent(), /Oliver Sample, Minister for Europe and Central Asia/);
    assert.match(await main.textContent(), /Labour migration, Green energy/);
    assert.match(await main.textContent(), /Hybrid/);
    await page.locator('.sources a', { hasText: 'Joint statement' }).waitFor();
    const meetingUrl = page.url();
    assert.match(meetingUrl, /\/dialogue\/meetings\/\d+$/);
    await screenshot(page, 'dialogue-new-meeting-created');

    // A commitment for it, from its page: the meeting is chosen already.
    await page.locator('a.button', { hasText: 'Add a commitment' }).click();
    await h1.filter({ hasText: 'Record a commitment' }).waitFor();
    const kform = page.locator('form.create-form');
    assert.equal(await kform.locator('select[name=meeting_id]').inputValue(), meetingUrl.split('/').pop());
    await kform.locator('select[name=area]').selectOption('labour_migration');
    await kform.locator('textarea[name=text]').fill('Open a joint helpdesk for seasonal workers');
    await kform.locator('select[name=owner_agency]').selectOption('uk-fcdo');
    await kform.locator('input[name=owner_person]').fill('Central Asia desk');
    // A due date before the meeting is pointed out.
    await kform.locator('input[name=due_date]').fill('2020-01-01');
    await kform.locator('.create-hint', { hasText: 'before the meeting' }).waitFor();
    await kform.locator('input[name=due_date]').fill('2027-06-30');
    await noSeriousViolations(page, 'new commitment form');
    await screenshot(page, 'dialogue-new-commitment');
    await kform.locator('button[type=submit]', { hasText: 'Record the commitment' }).click();
    await h1.filter({ hasText: /^Commitment \d+$/ }).waitFor();
    await page.locator('p.lead', { hasText: 'Open a joint helpdesk for seasonal workers' }).waitFor();
    assert.match(await main.textContent(), /Foreign, Commonwealth & Development Office \(UK\) — Central Asia desk/);

    // A sub-commitment of it: meeting and parent come from the commitment.
    await page.locator('a.button', { hasText: 'Add a sub-commitment' }).click();
    await h1.filter({ hasText: 'Record a sub-commitment' }).waitFor();
    await page.locator('textarea[name=text]').fill('Agree the helpdesk’s opening hours');
    await page.locator('button[type=submit]', { hasText: 'Record the sub-commitment' }).click();
    await page.locator('dl.facts a', { hasText: 'Open a joint helpdesk for seasonal workers' }).waitFor();
    assert.match(await main.textContent(), /Labour migration/);

    // Both are seen: the meeting on the timeline, the commitment on the meeting's page and in the list.
    await page.goto(meetingUrl);
    await h1.filter({ hasText: '9th meeting — Astana' }).waitFor();
    await page.locator('main li a', { hasText: 'Open a joint helpdesk for seasonal workers' }).waitFor();
    await page.locator('nav.tabs a', { hasText: 'Meetings' }).click();
    await page.locator('ol.meeting-timeline a', { hasText: '9th meeting — Astana' }).waitFor();
    await page.locator('nav.tabs a', { hasText: 'Commitments' }).click();
    await page.locator('table.commitments a', { hasText: 'Open a joint helpdesk for seasonal workers' }).waitFor();
    await page.locator('table.commitments a', { hasText: 'Agree the helpdesk’s opening hours' }).waitFor();
    await screenshot(page, 'dialogue-commitments-after-create');

    // A duplicate number is refused by the server (409), in the reader's language.
    await page.goto(`${server.url}/dialogue/meetings/new`);
    await h1.filter({ hasText: 'Record a meeting' }).waitFor();
    await switchLanguage(page, 'ru');
    await h1.filter({ hasText: 'Записать заседание' }).waitFor();
    const dup = page.locator('form.create-form');
    await dup.locator('input[name=number]').fill('8');
    await dup.locator('.create-hint', { hasText: 'Этот номер уже записан' }).waitFor();
    await dup.locator('input[name=date]').fill('2025-02-11');
    await dup.locator('input[name=city]').fill('Лондон');
    await dup.locator('select[name=country]').selectOption('UK');
    await dup.locator('button[type=submit]').click();
    const alert = dup.locator('.error[role=alert]');
    await alert.waitFor();
    assert.match(await alert.textContent(), /Заседание с этим номером уже записано/);
    await screenshot(page, 'dialogue-duplicate-meeting-ru');
    await noSeriousViolations(page, 'duplicate meeting (ru)');
    // A held meeting dated in the future: 422, in Kazakh.
    await switchLanguage(page, 'kk');
    await dup.locator('input[name=number]').fill('');
    await dup.locator('input[name=date]').fill('2099-01-01');
    await dup.locator('button[type=submit]').click();
    await dup.locator('.error[role=alert]', { hasText: 'Күндер бір-біріне қайшы' }).waitFor();
    await screenshot(page, 'dialogue-future-meeting-kk');
    await switchLanguage(page, 'en');

    assert.deepEqual(problems, []);
    await context.close();
  });

  it('mlsp.officer reads the Dialogue but is offered no create button or form', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser, { viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    await signIn(page, server.url, 'mlsp.officer', 'en');
    const createLinks = () => page.locator('a[href^="/dialogue/"][href$="/new"], a[href^="/dialogue/"][href*="/new?"]').count();
    for (const [section, ready] of [
      ['meetings', 'ol.meeting-timeline'],
      ['agreements', 'table.ratification-board'],
      ['commitments', 'table.commitments'],
      ['indicators', 'figure.chart'],
      ['engagements', 'main table'],
    ]) {
      await page.goto(`${server.url}/dialogue/${section}`);
      await page.locator(ready).first().waitFor();
      assert.equal(await createLinks(), 0, `no create button on ${section}`);
    }
    await page.goto(`${server.url}/dialogue/meetings`);
    await page.locator('ol.meeting-timeline a').first().click();
    await page.locator('h2', { hasText: 'Documents signed' }).waitFor();
    assert.equal(await createLinks(), 0, 'no create button on a meeting');
    await page.goto(`${server.url}/dialogue/commitments`);
    await page.locator('table.commitments a').first().click();
    await page.locator('h1#page-title', { hasText: /^Commitment \d+$/ }).waitFor();
    assert.equal(await createLinks(), 0, 'no create button on a commitment');
    await screenshot(page, 'dialogue-commitment-read-only');
    // Typing the address gives no form either.
    await page.goto(`${server.url}/dialogue/meetings/new`);
    await page.locator('p.error', { hasText: 'Your role does not give access to this page.' }).waitFor();
    assert.equal(await page.locator('form.create-form').count(), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('fcdo.desk edits a planned meeting into a held one with its outcomes, and a commitment it agreed', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser, { viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    await signIn(page, server.url, 'fcdo.desk', 'en');
    const h1 = page.locator('h1#page-title');
    const main = page.locator('main');
    // Days as the server counts them (UTC).
    const day = (n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);
    const shown = (iso) =>
      page.evaluate((d) => new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${d}T00:00:00Z`)), iso);

    // A planned meeting a month ahead, without a number.
    await page.goto(`${server.url}/dialogue/meetings/new`);
    await h1.filter({ hasText: 'Record a meeting' }).waitFor();
    const form = page.locator('form.create-form');
    await form.locator('input[name=date]').fill(day(30));
    await form.locator('select[name=status]').selectOption('planned');
    await form.locator('input[name=city]').fill('Shymkent');
    await form.locator('select[name=country]').selectOption('KZ');
    await form.locator('textarea[name=summary]').fill('Preparatory session on seasonal work.');
    await form.locator('button[type=submit]', { hasText: 'Record the meeting' }).click();
    await h1.filter({ hasText: 'Shymkent' }).waitFor();
    const meetingUrl = page.url();
    const meetingId = meetingUrl.split('/').pop();
    assert.match(await page.locator('dl.facts').textContent(), /Planned/);
    // Its date has not passed: no prompt to record it as held.
    assert.equal(await page.locator('.meeting-passed').count(), 0);

    // A month later the page asks the desk officer to record it as held, and the link opens the
    // form with "Held" chosen (the browser's clock moves on; the server's does not).
    {
      const later = await chrome.browser.newContext({ locale: 'en-GB', viewport: { width: 1280, height: 900 } });
      await later.clock.setFixedTime(new Date(`${day(31)}T12:00:00Z`));
      const p2 = await later.newPage();
      const late = [];
      p2.on('pageerror', (e) => late.push(`uncaught: ${e.message}`));
      p2.on('console', (m) => m.type() === 'error' && !/Failed to load resource/.test(m.text()) && late.push(`console: ${m.text()}`));
      await signIn(p2, server.url, 'fcdo.desk', 'en');
      await p2.goto(meetingUrl);
      const prompt = p2.locator('.meeting-passed');
      await prompt.filter({ hasText: 'This meeting’s date has passed: record it as held.' }).waitFor();
      await screenshot(p2, 'dialogue-meeting-date-passed');
      await noSeriousViolations(p2, 'meeting whose date has passed');
      await prompt.locator('a', { hasText: 'Record it as held' }).click();
      await p2.locator('h1#page-title', { hasText: 'Edit the meeting' }).waitFor();
      assert.equal(await p2.locator('select[name=status]').inputValue(), 'held');
      assert.deepEqual(late, []);
      await later.close();
    }

    // The meeting page offers Edit; the form comes filled in from the meeting.
    await page.locator('a.button', { hasText: 'Edit' }).click();
    await page.waitForURL(`${meetingUrl}/edit`);
    await h1.filter({ hasText: 'Edit the meeting: Session (number not established) — Shymkent' }).waitFor();
    const edit = page.locator('form.create-form');
    assert.equal(await edit.locator('input[name=city]').inputValue(), 'Shymkent');
    assert.equal(await edit.locator('input[name=date]').inputValue(), day(30));
    assert.equal(await edit.locator('select[name=status]').inputValue(), 'planned');
    assert.equal(await edit.locator('textarea[name=summary]').inputValue(), 'Preparatory session on seasonal work.');
    // The hints do not compare the meeting with itself.
    assert.equal(await edit.locator('.create-hint').count(), 0);
    await screenshot(page, 'dialogue-edit-meeting');
    await noSeriousViolations(page, 'edit meeting form');

    // Held with a date still in the future: the console warns, the server refuses (422), in Russian.
    await switchLanguage(page, 'ru');
    await h1.filter({ hasText: 'Изменение заседания' }).waitFor();
    await edit.locator('select[name=status]').selectOption('held');
    await edit.locator('.create-hint', { hasText: 'запишите его как запланированное' }).waitFor();
    await edit.locator('button[type=submit]', { hasText: 'Сохранить изменения' }).click();
    await edit.locator('.error[role=alert]', { hasText: 'Даты противоречат друг другу.' }).waitFor();
    assert.equal(page.url(), `${meetingUrl}/edit`);
    await screenshot(page, 'dialogue-edit-meeting-refused-ru');
    await noSeriousViolations(page, 'edit meeting refused (ru)');
    await switchLanguage(page, 'en');

    // Ten days ago, held, with its outcomes: saved, and the meeting page says so.
    await edit.locator('input[name=date]').fill(day(-10));
    await edit.locator('select[name=status]').selectOption('held');
    await edit.locator('textarea[name=outcomes]').fill('The sides agreed to open a joint helpdesk for seasonal workers.');
    assert.equal(await edit.locator('.create-hint').count(), 0);
    await edit.locator('button[type=submit]', { hasText: 'Save the changes' }).click();
    await page.waitForURL(meetingUrl);
    await h1.filter({ hasText: `Shymkent, ${await shown(day(-10))}` }).waitFor();
    const facts = await page.locator('dl.facts').textContent();
    assert.match(facts, /Held/);
    assert.doesNotMatch(facts, /Planned/);
    await page.locator('h2', { hasText: 'Outcomes' }).waitFor();
    assert.match(await main.textContent(), /The sides agreed to open a joint helpdesk for seasonal workers\./);
    assert.match(await main.textContent(), /Preparatory session on seasonal work\./);
    assert.equal(await page.locator('.meeting-passed').count(), 0);
    await screenshot(page, 'dialogue-meeting-edited-held');
    await noSeriousViolations(page, 'meeting edited to held');

    // A commitment agreed there, then edited: its text and due date.
    await page.locator('a.button', { hasText: 'Add a commitment' }).click();
    await h1.filter({ hasText: 'Record a commitment' }).waitFor();
    const kform = page.locator('form.create-form');
    await kform.locator('select[name=area]').selectOption('labour_migration');
    await kform.locator('textarea[name=text]').fill('Draft the helpdesk’s terms of reference');
    await kform.locator('input[name=due_date]').fill(day(60));
    await kform.locator('button[type=submit]', { hasText: 'Record the commitment' }).click();
    await h1.filter({ hasText: /^Commitment \d+$/ }).waitFor();
    const commitmentUrl = page.url();
    const commitmentId = commitmentUrl.split('/').pop();
    await page.locator('a.button', { hasText: 'Edit' }).click();
    await page.waitForURL(`${commitmentUrl}/edit`);
    await h1.filter({ hasText: `Edit commitment ${commitmentId}` }).waitFor();
    const kedit = page.locator('form.create-form');
    // The meeting is shown, not offered; there is no status field.
    await kedit.locator('dl.facts a', { hasText: 'Shymkent' }).waitFor();
    assert.equal(await kedit.locator('select[name=meeting_id], select[name=parent_id], select[name=status]').count(), 0);
    assert.equal(await kedit.locator('textarea[name=text]').inputValue(), 'Draft the helpdesk’s terms of reference');
    assert.equal(await kedit.locator('input[name=due_date]').inputValue(), day(60));
    assert.equal(await kedit.locator('select[name=area]').inputValue(), 'labour_migration');
    await screenshot(page, 'dialogue-edit-commitment');
    await noSeriousViolations(page, 'edit commitment form');
    // A due date before the meeting: pointed out, then refused by the server.
    await kedit.locator('textarea[name=text]').fill('Agree the helpdesk’s terms of reference with the GLAA');
    await kedit.locator('input[name=due_date]').fill(day(-20));
    await kedit.locator('.create-hint', { hasText: 'before the meeting' }).waitFor();
    await kedit.locator('button[type=submit]', { hasText: 'Save the changes' }).click();
    await kedit.locator('.error[role=alert]', { hasText: 'The dates contradict each other.' }).waitFor();
    await kedit.locator('input[name=due_date]').fill(day(90));
    await kedit.locator('button[type=submit]', { hasText: 'Save the changes' }).click();
    await page.waitForURL(commitmentUrl);
    await page.locator('p.lead', { hasText: 'Agree the helpdesk’s terms of reference with the GLAA' }).waitFor();
    assert.match(await page.locator('dl.facts').textContent(), new RegExp(await shown(day(90))));
    await screenshot(page, 'dialogue-commitment-edited');
    await noSeriousViolations(page, 'commitment edited');

    // Moving the meeting after the commitment's due date is refused as well.
    await page.goto(`${meetingUrl}/edit`);
    await h1.filter({ hasText: 'Edit the meeting' }).waitFor();
    await edit.locator('input[name=date]').fill(day(-5));
    assert.equal(await edit.locator('.create-hint').count(), 0);
    await edit.locator('button[type=submit]', { hasText: 'Save the changes' }).click();
    await page.waitForURL(meetingUrl);
    await h1.filter({ hasText: `Shymkent, ${await shown(day(-5))}` }).waitFor();

    // A role without dialogue.write is offered no Edit button and no edit form.
    const other = await newWatchedPage(chrome.browser, { viewport: { width: 1280, height: 900 } });
    other.page.setDefaultTimeout(30_000);
    await signIn(other.page, server.url, 'fwa.officer', 'en');
    const editLinks = () => other.page.locator('a[href$="/edit"], a[href*="/edit?"]').count();
    await other.page.goto(meetingUrl);
    await other.page.locator('h1#page-title', { hasText: 'Shymkent' }).waitFor();
    await other.page.locator('h2', { hasText: 'Outcomes' }).waitFor();
    assert.equal(await editLinks(), 0, 'no Edit on a meeting');
    await other.page.goto(commitmentUrl);
    await other.page.locator('p.lead', { hasText: 'Agree the helpdesk’s terms of reference with the GLAA' }).waitFor();
    assert.equal(await editLinks(), 0, 'no Edit on a commitment');
    await other.page.goto(`${server.url}/dialogue/meetings/${meetingId}/edit`);
    await other.page.locator('p.error', { hasText: 'Your role does not give access to this page.' }).waitFor();
    assert.equal(await other.page.locator('form.create-form').count(), 0);
    await screenshot(other.page, 'dialogue-edit-not-allowed');
    assert.deepEqual(other.problems, []);
    await other.context.close();

    assert.deepEqual(problems, []);
    await context.close();
  });

  it('the briefing pack is rendered again in Kazakh when the console switches language', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser, { viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(30_000);
    await signIn(page, server.url, 'mfa.desk', 'en');
    await page.goto(`${server.url}/dialogue/briefing`);
    const pack = page.locator('.briefing-doc');
    await pack.locator('h3', { hasText: 'Commitments from earlier meetings' }).waitFor();
    const english = ['Briefing pack', 'Commitments from earlier meetings', 'Agreements and ratification', 'Indicators',
      'Engagements since the last meeting', 'Key dates'];

    await switchLanguage(page, 'kk');
    await page.locator('h1#page-title', { hasText: 'Келесі отырысқа арналған анықтамалық материалдар' }).waitFor();
    await pack.locator('h3', { hasText: 'Бұрынғы отырыстардың міндеттемелері' }).waitFor();
    await pack.locator('h2', { hasText: 'Брифинг пакеті' }).waitFor();
    const headings = await pack.locator('h2, h3').allTextContents();
    for (const title of english) {
      assert.ok(!headings.some((h) => h.includes(title)), `"${title}" left in English: ${headings.join(' | ')}`);
    }
    const text = await pack.textContent();
    for (const title of english) assert.ok(!text.includes(title), `"${title}" left in the Kazakh pack`);
    await screenshot(page, 'dialogue-briefing-kk');
    await noSeriousViolations(page, 'briefing pack (kk)');
    await switchLanguage(page, 'en');
    await pack.locator('h3', { hasText: 'Commitments from earlier meetings' }).waitFor();

    assert.deepEqual(problems, []);
    await context.close();
  });
});
