// Browser-test harness: a fresh database and data key, the real `kenes serve` on an ephemeral
// 127.0.0.1 port serving web/dist, and Debian's Chromium driven by playwright-core. Every page is
// watched: an uncaught error or a console error fails the test. Screenshots go to build/e2e/.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '../..');
export const shots = path.join(repo, 'build/e2e');
export const PASSWORD = 'kenes-demo-2026';

function kenesBinary() {
  const candidates = [process.env.KENES_BIN, path.join(repo, 'build/release/kenes'),
    path.join(repo, 'build/ci/kenes')].filter(Boolean);
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`no kenes binary (tried ${candidates.join(', ')}); run make build first`);
}

function chromiumBinary() {
  for (const c of [process.env.CHROMIUM, '/usr/lib/chromium/chromium', '/usr/bin/chromium']) {
    if (c && existsSync(c)) return c;
  }
  throw new Error('Chromium is not installed (apt-get install chromium)');
}

// Starts a server on a fresh SQLite database with the demo accounts. Returns {url, stop}.
// `{ demoCases: true }` also loads the labour-rights demo (providers, farms and agencies, workers,
// cases, public reports and referrals), which needs the data key: it is created first and given
// to `demo load`, as `make run` does.
export async function startServer({ demoCases = false } = {}) {
  const bin = kenesBinary();
  const dir = mkdtempSync(path.join(tmpdir(), 'kenes-e2e-'));
  const db = `sqlite:${dir}/kenes.db`;
  const key = path.join(dir, 'data.key');
  const env = {
    ...process.env,
    // KENES_E2E_DIST: another build of the console (two people testing side by side).
    KENES_SERVER_STATIC_DIR: process.env.KENES_E2E_DIST ?? path.join(repo, 'web/dist'),
    ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=0',
  };
  const run = (...args) => execFileSync(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  run('migrate', '--database', db);
  if (demoCases) {
    run('data-key', 'create', '--output', key);
    run('demo', 'load', '--database', db, '--data-key-file', key);
  } else {
    run('demo', 'load', '--database', db);
    run('data-key', 'create', '--output', key);
  }
  const portFile = path.join(dir, 'port');
  const proc = spawn(bin, ['serve', '--database', db, '--listen', '127.0.0.1:0', '--port-file',
    portFile, '--data-key-file', key], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', resolve));
  for (let i = 0; i < 300 && !existsSync(portFile); i++) {
    if (proc.exitCode !== null) throw new Error(`kenes serve exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  let port = '';
  for (let i = 0; i < 100 && !port; i++) {
    port = readFileSync(portFile, 'utf8').trim();
    if (!port) await new Promise((r) => setTimeout(r, 20));
  }
  if (!port) throw new Error(`kenes serve did not start: ${stderr}`);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    db,
    key,
    bin,
    env,
    stderr: () => stderr,
    async stop() {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// Registers before/after hooks that start the server and the browser once for the calling test
// file and stop them at its end; the returned objects are filled in by the before hook, which
// then awaits `prepare(server)` if given (a file's own fixtures). `options` go to startServer.
export function serverAndBrowser(prepare, options) {
  const server = {};
  const browser = {};
  before(async () => {
    Object.assign(server, await startServer(options));
    Object.assign(browser, await launchBrowser());
    await prepare?.(server);
  });
  after(async () => {
    await browser.close?.();
    await server.stop?.();
  });
  return { server, browser };
}

// Browser-context options of a phone.
export const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

// Playwright gives every launch a fresh, empty profile directory of its own (it refuses a
// --user-data-dir argument), which is what the flags below assume.
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: chromiumBinary(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage'],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

// A new browser context whose pages record every uncaught error and console error.
export async function newWatchedPage(browser, options = {}) {
  const context = await browser.newContext({ locale: 'en-GB', ...options });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`uncaught: ${e.message}`));
  page.on('console', (m) => {
    // A failed request is also logged by Chromium as a console error; the pages show those
    // failures themselves and the tests check what they show.
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
  return { context, page, problems };
}

export async function screenshot(page, name) {
  mkdirSync(shots, { recursive: true });
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

// Runs axe-core in the page; returns the serious and critical violations.
const axeSource = readFileSync(path.join(here, '../node_modules/axe-core/axe.min.js'), 'utf8');
export async function seriousViolations(page) {
  // The page's CSP forbids inline scripts, so axe is evaluated through the DevTools protocol.
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// Fails the test (naming the place) if axe finds serious or critical violations in the page.
export async function assertAccessible(page, where) {
  const v = await seriousViolations(page);
  assert.deepEqual(v, [], `${where}: ${JSON.stringify(v, null, 1)}`);
}

export async function signIn(page, url, username, lang) {
  await page.goto(`${url}/${lang ? `?lang=${lang}` : ''}`);
  await page.locator('input[name=username]').fill(username);
  await page.locator('input[name=password]').fill(PASSWORD);
  await page.locator('form button[type=submit]').click();
  await page.locator('nav.sidenav').waitFor();
}
