// The console's frame and the public report form in a real Chromium against the real server:
// languages, sign-in, session expiry, the CSP, accessibility.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { newWatchedPage, screenshot, seriousViolations, serverAndBrowser, signIn, PASSWORD,
  PHONE } from './harness.mjs';

const { server, browser: chrome } = serverAndBrowser();

// Switches the console's language and waits until the account has stored it, so that the next
// page loaded does not come back in the previous one.
async function switchLanguage(page, lang) {
  const saved = page.waitForResponse((r) => r.url().endsWith('/api/v1/me') && r.request().method() === 'PATCH');
  await page.locator('.topbar select').selectOption(lang);
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
  await saved;
}

// The visible texts that are interface words rather than data.
async function interfaceTexts(page) {
  return page.evaluate(() => {
    const out = [];
    for (const el of document.querySelectorAll(
      'nav a, h1, button, .field-label, thead th, legend, .choice span, .field-hint')) {
      const r = el.getBoundingClientRect();
      const text = el.textContent.trim();
      if (text && r.width > 0 && r.height > 0) out.push(text);
    }
    return out;
  });
}

describe('public report form', () => {
  it('serves /report without the console code and in each language', async () => {
    const res = await fetch(`${server.url}/report`);
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<div id="report">/);
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
    const csp = res.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    const { page, problems, context } = await newWatchedPage(chrome.browser, PHONE);
    const scripts = [];
    page.on('request', (r) => { if (r.resourceType() === 'script') scripts.push(r.url()); });
    const titles = {};
    for (const lang of ['kk', 'ru', 'en']) {
      await page.goto(`${server.url}/report?lang=${lang}`);
      await page.locator('input[name=categories]').first().waitFor();
      titles[lang] = await page.locator('h1').textContent();
      assert.equal(await page.evaluate(() => document.documentElement.lang), lang);
      await screenshot(page, `report-form-${lang}`);
    }
    assert.equal(titles.kk, 'Жұмыстағы мәселе туралы хабарлау');
    assert.equal(titles.ru, 'Сообщить о проблеме на работе');
    assert.equal(titles.en, 'Report a problem at work');
    // Only the report bundle (and its shared chunks), never a console page.
    assert.ok(scripts.every((u) => !/\/(console|cases|dashboard|payroll)-/.test(u)), scripts.join());
    // Touch targets of at least 44 CSS pixels on a phone.
    const small = await page.evaluate(() =>
      [...document.querySelectorAll('button, .choice, input:not([type=checkbox]):not([type=radio]), textarea')]
        .filter((e) => e.getBoundingClientRect().height > 0 && e.getBoundingClientRect().height < 44)
        .map((e) => e.outerHTML.slice(0, 80)));
    assert.deepEqual(small, []);
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('files a report in Kazakh and checks its status', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser, PHONE);
    await page.goto(`${server.url}/report?lang=kk`);
    await page.locator('input[name=categories]').first().check();
    await page.locator('textarea[name=what_happened]').fill(
      'Ферма жалақыны үш апта бойы төлемеді, паспортымды алып қойды.');
    await page.locator('input[name=location]').fill('Herefordshire');
    await page.locator('button[type=submit]').click();
    const reference = (await page.locator('#reference').textContent()).trim();
    const secret = (await page.locator('#secret').textContent()).trim();
    assert.ok(reference.length >= 6, reference);
    assert.ok(secret.length >= 8);
    assert.match(await page.locator('.receipt h2').textContent(), /қабылданды/);
    await screenshot(page, 'report-sent-kk');

    await page.locator('.receipt a.button').click();
    await page.waitForURL(/\/report\/status\?lang=kk/);
    // A wrong secret: the refusal in Kazakh, and no status.
    await page.locator('input[name=reference]').fill(reference);
    await page.locator('input[name=secret]').fill('wrong-secret');
    await page.locator('button[type=submit]').click();
    await page.locator('.error').waitFor();
    assert.match(await page.locator('.error strong').textContent(), /сәйкес хабарлама жоқ/);
    await page.locator('input[name=secret]').fill(secret);
    await page.locator('button[type=submit]').click();
    await page.locator('#report-status').waitFor();
    assert.match(await page.locator('#report-status').textContent(), /Қабылданды/);
    await screenshot(page, 'report-status-kk');
    // Reloading the status page directly serves the report entry point again.
    await page.goto(`${server.url}/report/status?lang=ru`);
    assert.equal(await page.locator('h1').textContent(), 'Проверить статус вашего сообщения');
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('shows the server refusal in the reader language, never a blank page', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser, PHONE);
    await page.goto(`${server.url}/report?lang=ru`);
    await page.locator('input[name=categories]').first().waitFor();
    // Markup in the text is refused by the server (400): the message appears in Russian.
    await page.locator('textarea[name=what_happened]').fill('<script>alert(1)</script>');
    await page.locator('button[type=submit]').click();
    await page.locator('.error').waitFor();
    const text = await page.locator('.error').textContent();
    assert.match(text, /Пишите простым текстом|Сообщение не принято/);
    assert.match(text, /Сообщение сервера/);
    await screenshot(page, 'report-refused-ru');
    assert.deepEqual(problems, []);
    await context.close();
  });
});

describe('console', () => {
  it('signs in, refuses a wrong password in the chosen language, and passes axe', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser);
    await page.goto(`${server.url}/?lang=ru`);
    await page.locator('input[name=username]').fill('fwa.officer');
    await page.locator('input[name=password]').fill('not-the-password');
    await page.locator('form button[type=submit]').click();
    await page.locator('.error').waitFor();
    assert.match(await page.locator('.error strong').textContent(), /Неверное имя пользователя/);
    assert.deepEqual(await seriousViolations(page), []);
    await screenshot(page, 'signin-refused-ru');
    await page.locator('input[name=password]').fill(PASSWORD);
    await page.locator('form button[type=submit]').click();
    await page.locator('nav.sidenav').waitFor();
    assert.equal(await page.locator('nav.sidenav a[aria-current=page]').textContent(), 'Обзор');
    assert.deepEqual(await seriousViolations(page), []);
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('the language switch changes every interface string, and is remembered per user', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser);
    await signIn(page, server.url, 'fwa.supervisor', 'en');
    const pages = ['/', '/cases', '/referrals', '/payroll', '/dialogue', '/library', '/registry'];
    const english = {};
    for (const p of pages) {
      await page.goto(`${server.url}${p}`);
      await page.locator('h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      english[p] = await interfaceTexts(page);
    }
    await page.goto(`${server.url}/`);
    await page.locator('.topbar select').selectOption('kk');
    await page.waitForLoadState('networkidle');
    const allowed = new Set(['Kenes', 'ID', 'IIN', 'CSV', 'XLSX', 'PDF', 'Markdown']);
    for (const p of pages) {
      await page.goto(`${server.url}${p}`);
      await page.locator('h1').first().waitFor();
      await page.waitForLoadState('networkidle');
      const kazakh = new Set(await interfaceTexts(page));
      const untranslated = english[p].filter((s) => kazakh.has(s) && !allowed.has(s)
        && /[A-Za-z]{3,}/.test(s));
      assert.deepEqual(untranslated, [], `untranslated on ${p}`);
      await screenshot(page, `lang-kk-${p.replace(/\//g, '_') || 'home'}`);
    }
    await page.locator('.topbar button.secondary').click();
    await page.locator('input[name=username]').waitFor();
    assert.deepEqual(problems, []);
    await context.close();
    // Another device (a fresh context, nothing stored in the browser), no ?lang=: the choice
    // stored with the account comes back.
    const other = await newWatchedPage(chrome.browser);
    await signIn(other.page, server.url, 'fwa.supervisor');
    assert.equal(await other.page.evaluate(() => document.documentElement.lang), 'kk');
    assert.equal(await other.page.locator('nav.sidenav a[aria-current=page]').textContent(),
      'Басты бет');
    assert.deepEqual(other.problems, []);
    await other.context.close();
  });

  it('names a document\'s language in the reader\'s language, and each language in its own in the switch', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser);
    await signIn(page, server.url, 'fwa.officer', 'kk');
    await page.goto(`${server.url}/library/new`);
    const language = page.locator('select[name=language]');
    await language.waitFor();
    assert.deepEqual(await language.locator('option').allInnerTexts(), ['Қазақ тілі', 'Орыс тілі', 'Ағылшын тілі']);
    await page.locator('input[name=title]').fill('Seasonal wages');
    await language.selectOption('en');
    await page.locator('textarea[name=body]').fill('Seasonal workers are paid in full and on time.');
    await page.locator('form.doc-form button[type=submit]').click();
    await page.locator('h1', { hasText: 'Seasonal wages' }).waitFor();
    await page.locator('dl.facts dd', { hasText: 'Ағылшын тілі' }).waitFor();
    assert.match(await page.locator('nav.translations').innerText(), /\(Қазақ тілі, Орыс тілі\)/);
    assert.deepEqual(await page.locator('.topbar select option').allInnerTexts(), ['English', 'Қазақша', 'Русский']);
    await switchLanguage(page, 'ru');
    await page.locator('dl.facts dd', { hasText: 'Английский' }).waitFor();
    await page.goto(`${server.url}/library`);
    await page.locator('ul.doc-list li', { hasText: 'Seasonal wages' }).filter({ hasText: 'Английский' }).waitFor();
    assert.deepEqual(await page.locator('.topbar select option').allInnerTexts(), ['English', 'Қазақша', 'Русский']);
    await screenshot(page, 'library-language-ru');
    await switchLanguage(page, 'en');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('a session that ends sends the user back to sign in with a notice', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser);
    await signIn(page, server.url, 'fwa.officer', 'en');
    // Let the dashboard's own requests finish first: the first request without the cookie is the
    // one the click below makes.
    await page.waitForLoadState('networkidle');
    await page.locator('h1').first().waitFor();
    await context.clearCookies();
    await page.locator('nav.sidenav a[href="/cases"]').click();
    await page.locator('.signin .notice').waitFor();
    assert.match(await page.locator('.signin .notice').textContent(), /session has ended/);
    await screenshot(page, 'session-expired');
    assert.deepEqual(problems, []);
    await context.close();
  });

  it('a page the role may not open says so', async () => {
    const { page, problems, context } = await newWatchedPage(chrome.browser);
    await signIn(page, server.url, 'fcdo.viewer', 'en');
    await page.goto(`${server.url}/audit`);
    await page.locator('h1').waitFor();
    assert.match(await page.locator('h1').textContent(), /does not give access/);
    assert.equal(await page.locator('nav.sidenav a[href="/audit"]').count(), 0);
    assert.deepEqual(problems, []);
    await context.close();
  });
});
