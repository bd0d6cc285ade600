// Record linkage to referral, end to end in a real browser against the real server: each labour
// agency encodes its own records into CLKs with the real `kenes link encode` (Cyrillic names on the
// Kazakh side, Latin transcriptions on the UK side), uploads them in the console, the FWA officer
// runs the match; the MLSP officer refers the pair of its record KZ-1 to the FWA from the pairs
// table (a new case, then its referral form with the pair filled in); the FWA officer opens the
// referral from the inbox and sees its own record of the pair (GLAA-78), never MLSP's reference.
// Every page is checked with axe and for console errors.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import {
  assertAccessible,
  newWatchedPage,
  screenshot,
  serverAndBrowser,
  signIn,
} from './harness.mjs';

const HEADER = 'id,given_name,family_name,patronymic,date_of_birth,sex,passport_number';
// The same two people on both sides (the UK side in Latin letters, other date formats, a name
// order swapped), and one Kazakh record the UK does not hold.
const KZ_CSV = [
  HEADER,
  'KZ-1,Жанар,Ахметова,Қасымқызы,1994-03-12,Ж,N12345678',
  'KZ-2,Нұрсұлтан,Назарбаев,Әбішұлы,1990-07-06,М,N08765432',
  'KZ-3,Әсел,Тоқаева,,1999-08-23,Ж,',
  '',
].join('\n');
const UK_CSV = [
  HEADER,
  'GLAA-77,Nursultan,Nazarbayev,Abishuly,06.07.1990,male,',
  'GLAA-78,AKHMETOVA,ZHANAR,,12/03/1994,F,12345678',
  '',
].join('\n');
const PROJECT = 'Seasonal workers 2026';

let dir;
const files = {};

const { server, browser } = serverAndBrowser(async () => {
  // Each agency's machine: the CSV with names never leaves it, only the CLK file does.
  dir = mkdtempSync(path.join(tmpdir(), 'kenes-link-'));
  const secret = path.join(dir, 'secret');
  writeFileSync(secret, 'agreed between MLSP and FWA');
  for (const [side, csv] of [['kz', KZ_CSV], ['uk', UK_CSV]]) {
    const input = path.join(dir, `${side}.csv`);
    const output = path.join(dir, `${side}.json`);
    writeFileSync(input, csv);
    execFileSync(server.bin, ['link', 'encode', '--schema', 'kazakh-worker', '--secret-file', secret,
      '--input', input, '--output', output], { env: server.env, stdio: ['ignore', 'pipe', 'pipe'] });
    files[side] = { csv: Buffer.from(csv, 'utf8'), clks: readFileSync(output) };
  }
});

after(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function upload(page, side) {
  await page.getByLabel('CLK file (JSON)').setInputFiles({
    name: `${side}.json`,
    mimeType: 'application/json',
    buffer: files[side].clks,
  });
  await page.getByLabel('Your references (optional)').setInputFiles({
    name: `${side}.csv`,
    mimeType: 'text/csv',
    buffer: files[side].csv,
  });
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
}

test('MLSP refers its record’s linkage pair to the FWA, which sees only its own record of it', async () => {
  // --- MLSP starts the project and uploads its CLKs.
  const mlsp = await newWatchedPage(browser.browser, { viewport: { width: 1280, height: 900 } });
  const mp = mlsp.page;
  await signIn(mp, server.url, 'mlsp.officer', 'en');
  await mp.goto(`${server.url}/linkage`);
  await mp.getByLabel('Project name').fill(PROJECT);
  await mp.getByRole('button', { name: 'Create the project' }).click();
  await mp.waitForURL(/\/linkage\/\d+$/);
  const projectPath = new URL(mp.url()).pathname;
  await upload(mp, 'kz');
  await mp.getByText('3 records').waitFor();
  await assertAccessible(mp, 'project after the MLSP upload');
  await screenshot(mp, 'linkage-01-mlsp-uploaded');

  // --- The FWA uploads its own and runs the match.
  const fwa = await newWatchedPage(browser.browser, { viewport: { width: 1280, height: 900 } });
  const fp = fwa.page;
  await signIn(fp, server.url, 'fwa.officer', 'en');
  await fp.goto(`${server.url}/linkage`);
  await fp.getByRole('link', { name: PROJECT }).click();
  await fp.waitForURL(`${server.url}${projectPath}`);
  await upload(fp, 'uk');
  await fp.getByText('Ready to match').waitFor();
  await fp.getByRole('button', { name: 'Run the match' }).click();
  await fp.locator('h2#linkage-pairs-title').waitFor({ timeout: 30000 });
  await fp.getByText('Matched', { exact: true }).waitFor();
  const fwaRows = fp.locator('section[aria-labelledby=linkage-pairs-title] tbody tr');
  await fwaRows.first().waitFor();
  assert.equal(await fwaRows.count(), 2, 'two pairs');
  const fwaTable = await fp.locator('section[aria-labelledby=linkage-pairs-title] table').innerText();
  assert.match(fwaTable, /GLAA-78/);
  assert.ok(!/KZ-\d/.test(fwaTable), 'the FWA sees only its own references');
  await assertAccessible(fp, 'pairs (FWA)');
  await screenshot(fp, 'linkage-02-fwa-matched');

  // --- MLSP: the pair of KZ-1, and what referring it means.
  await mp.goto(`${server.url}${projectPath}`);
  const kz1 = mp.locator('section[aria-labelledby=linkage-pairs-title] tbody tr', { hasText: 'KZ-1' });
  await kz1.waitFor();
  const pairRef = (await kz1.locator('code').innerText()).trim();
  assert.match(pairRef, /^lp_/);
  assert.equal(await fp.getByText(pairRef).count(), 1, 'the FWA holds the same pair reference');
  await kz1.getByRole('button', { name: 'Refer…' }).click();
  const panel = mp.locator('#linkage-refer');
  await panel.getByRole('heading', { name: `Refer pair ${pairRef}` }).waitFor();
  const panelText = await panel.innerText();
  assert.match(panelText, /probable match, not a certainty/);
  assert.match(panelText, /your record KZ-1/);
  assert.match(panelText, /similarity 0\.\d{3}|similarity 1\.000/);
  await assertAccessible(mp, 'refer a pair');
  await screenshot(mp, 'linkage-03-refer-pair');

  // "Open a case and refer": a new case, and its referral form with the pair in it.
  await panel.getByRole('button', { name: 'Open a case and refer' }).click();
  await mp.waitForURL(/\/cases\/\d+\?refer_pair=/);
  const casePath = new URL(mp.url()).pathname;
  const form = mp.locator('#refer-form');
  await form.waitFor();
  assert.equal(await form.locator('input[name=pair_ref]').inputValue(), pairRef);
  const preview = form.locator('[data-preview=pair_ref]');
  assert.match(await preview.innerText(), new RegExp(`${pairRef}.*your partner sees its own record of it; no names`));
  const description = await form.locator('[data-preview=what_happened]').innerText();
  assert.match(description, new RegExp(pairRef), 'the case’s description names the pair');
  assert.ok(!/KZ-\d/.test(description), 'and not MLSP’s own reference, which would cross');
  await form.locator('textarea[name=purpose]').fill('Find the worker among the FWA’s records');
  await form.locator('input[name=legal_basis]').fill('MoU MLSP–FWA 2025, information exchange');
  await form.locator('input[name=consent]').check();
  await assertAccessible(mp, 'referral form with a pair');
  await screenshot(mp, 'linkage-04-refer-form');
  await form.locator('button[name=send-referral]').click();
  await mp.waitForURL(/\/referrals\/\d+$/);
  const referralId = new URL(mp.url()).pathname.split('/').pop();
  const senderPair = mp.locator('section[aria-labelledby=linkage-pair-title]');
  await senderPair.locator('[data-field=own_record]', { hasText: 'KZ-1' }).waitFor();
  await senderPair.locator('[data-field=pair_ref]', { hasText: pairRef }).waitFor();
  assert.equal(await senderPair.locator(`a[href="${projectPath}"]`).count(), 1, 'a link to the project');
  await assertAccessible(mp, 'referral with a pair (sender)');
  await screenshot(mp, 'linkage-05-referral-sent');

  // "Refer an existing case": the pair of KZ-2 with the case just opened; a reference that is
  // no pair of the two agencies is refused with a message that says so.
  await mp.goto(`${server.url}${projectPath}`);
  const kz2 = mp.locator('section[aria-labelledby=linkage-pairs-title] tbody tr', { hasText: 'KZ-2' });
  await kz2.waitFor();
  const pairRef2 = (await kz2.locator('code').innerText()).trim();
  await kz2.getByRole('button', { name: 'Refer…' }).click();
  const caseSelect = panel.getByLabel('Open case');
  await caseSelect.waitFor();
  await caseSelect.selectOption(casePath.split('/').pop());
  await screenshot(mp, 'linkage-06-refer-existing');
  await panel.getByRole('button', { name: 'Refer an existing case' }).click();
  await mp.waitForURL((u) => u.pathname === casePath && u.searchParams.get('refer_pair') === pairRef2);
  await form.waitFor();
  assert.equal(await form.locator('input[name=pair_ref]').inputValue(), pairRef2);
  await form.locator('input[name=pair_ref]').fill('lp_no-such-pair');
  await form.locator('textarea[name=purpose]').fill('Find the worker among the FWA’s records');
  await form.locator('input[name=legal_basis]').fill('MoU MLSP–FWA 2025, information exchange');
  await form.locator('input[name=consent]').check();
  await form.locator('button[name=send-referral]').click();
  await form
    .locator('[role=alert]', { hasText: 'No linkage project of your agency with Fair Work Agency' })
    .waitFor();
  await assertAccessible(mp, 'referral form with an unknown pair');
  await screenshot(mp, 'linkage-07-unknown-pair');
  assert.deepEqual(mlsp.problems, []);
  await mlsp.context.close();

  // --- The FWA: the referral in the inbox, with its own record of the pair and nothing of MLSP's.
  await fp.goto(`${server.url}/referrals`);
  const row = fp.locator(`tr[data-referral="${referralId}"]`);
  await row.waitFor();
  await row.locator('a').click();
  await fp.waitForURL(new RegExp(`/referrals/${referralId}$`));
  const partnerPair = fp.locator('section[aria-labelledby=linkage-pair-title]');
  await partnerPair.locator('[data-field=own_record]', { hasText: 'GLAA-78' }).waitFor();
  assert.match(await partnerPair.locator('[data-field=own_record]').innerText(), /GLAA-78 \(row 2 of your upload\)/);
  await partnerPair.locator('[data-field=pair_ref]', { hasText: pairRef }).waitFor();
  assert.match(await partnerPair.locator('[data-field=similarity]').innerText(), /\d\.\d{3}/);
  const page = await fp.locator('main').innerText();
  assert.ok(!/KZ-\d/.test(page), 'MLSP’s reference did not cross');
  for (const name of ['Жанар', 'Ахметова', 'ZHANAR', 'AKHMETOVA']) {
    assert.ok(!page.includes(name), `no name crossed (${name})`);
  }
  await partnerPair.getByRole('link', { name: 'Open the linkage project' }).click();
  await fp.waitForURL(`${server.url}${projectPath}`);
  await fp.getByRole('heading', { level: 1, name: PROJECT }).waitFor();
  await fp.goBack();
  await partnerPair.waitFor();
  await assertAccessible(fp, 'referral with a pair (partner)');
  await screenshot(fp, 'linkage-08-fwa-referral');

  // The same in Kazakh and Russian.
  await fp.locator('.topbar select').selectOption('kk');
  await fp.getByRole('heading', { level: 2, name: 'Сәйкестендіру жұбы' }).waitFor();
  await screenshot(fp, 'linkage-09-fwa-referral-kk');
  await fp.locator('.topbar select').selectOption('ru');
  await fp.getByRole('heading', { level: 2, name: 'Пара сопоставления' }).waitFor();
  assert.match(await partnerPair.locator('[data-field=own_record]').innerText(), /GLAA-78 \(строка 2/);
  await fp.locator('.topbar select').selectOption('en');
  await fp.getByRole('heading', { level: 2, name: 'Linkage pair' }).waitFor();

  assert.deepEqual(fwa.problems, []);
  await fwa.context.close();
});
