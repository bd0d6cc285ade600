// Every dictionary says the same things in en, kk and ru, and every literal key the code asks
// for exists: a missing translation fails here before any browser sees it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LANGS, type Messages } from '../src/i18n/core';
import common from '../src/i18n/messages/common';
import { pageMessages } from '../src/i18n/messages/pages';
import report from '../src/report/messages';

const consoleDicts: Messages[] = [common, ...pageMessages];

function placeholders(s: string): string[] {
  return [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return /\.tsx?$/.test(f) ? [p] : [];
  });
}

// Literal keys passed to t(): t('a.b') or t("a.b").
function usedKeys(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/\bt\(\s*['"]([\w.-]+)['"]/g)].map((m) => m[1]);
}

describe('dictionaries', () => {
  for (const [name, dicts] of [
    ['console', consoleDicts],
    ['report', [report]],
  ] as const) {
    it(`${name}: the same keys in every language, none empty, same placeholders`, () => {
      for (const d of dicts) {
        const en = Object.keys(d.en).sort();
        for (const l of LANGS) {
          expect(Object.keys(d[l]).sort(), `keys of ${l}`).toEqual(en);
          for (const k of en) {
            expect(d[l][k].trim(), `${l}:${k}`).not.toBe('');
            expect(placeholders(d[l][k]), `${l}:${k}`).toEqual(placeholders(d.en[k]));
          }
        }
      }
    });
  }

  it('no key is defined twice across the console dictionaries', () => {
    const seen = new Map<string, number>();
    consoleDicts.forEach((d, i) => {
      for (const k of Object.keys(d.en)) {
        expect(seen.has(k), `key ${k} in dictionaries ${seen.get(k)} and ${i}`).toBe(false);
        seen.set(k, i);
      }
    });
  });

  it('Kazakh and Russian are translations, not English copies', () => {
    for (const d of [...consoleDicts, report]) {
      for (const k of Object.keys(d.en)) {
        const en = d.en[k];
        // Names, codes and numbers may stay the same; sentences may not.
        if (!/[a-z]{3,}\s+[a-z]{3,}/i.test(en)) continue;
        expect(d.kk[k], `kk:${k}`).not.toBe(en);
        expect(d.ru[k], `ru:${k}`).not.toBe(en);
      }
    }
  });
});

describe('keys used in the code', () => {
  const root = path.resolve(__dirname, '../src');
  const consoleKeys = new Set(consoleDicts.flatMap((d) => Object.keys(d.en)));
  const reportKeys = new Set(Object.keys(report.en));
  for (const file of sources(root)) {
    const rel = path.relative(root, file);
    const inReport = rel.startsWith('report');
    // ui/ is shared by both entry points.
    const shared = rel.startsWith('ui');
    it(`${rel}: every literal key exists`, () => {
      for (const key of usedKeys(file)) {
        if (inReport || shared) {
          if (inReport) expect(reportKeys.has(key), `${key} (report)`).toBe(true);
          if (shared) expect(consoleKeys.has(key) || reportKeys.has(key), key).toBe(true);
        } else {
          expect(consoleKeys.has(key), key).toBe(true);
        }
      }
    });
  }
});
