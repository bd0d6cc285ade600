// Languages, message lookup and locale formatting shared by the console and the report form.
// Every dictionary holds the same keys in en, kk and ru (test/i18n.test.ts checks it); a key
// missing at run time is logged as a console error, which the browser tests treat as a failure.

export const LANGS = ['en', 'kk', 'ru'] as const;
export type Lang = (typeof LANGS)[number];
export type Messages = Record<Lang, Record<string, string>>;

const LOCALES: Record<Lang, string> = { en: 'en-GB', kk: 'kk-KZ', ru: 'ru-RU' };
const table: Record<Lang, Record<string, string>> = { en: {}, kk: {}, ru: {} };
let current: Lang = 'en';
const listeners = new Set<() => void>();

export function isLang(v: unknown): v is Lang {
  return typeof v === 'string' && (LANGS as readonly string[]).includes(v);
}

export function register(...dicts: Messages[]): void {
  for (const d of dicts) for (const l of LANGS) Object.assign(table[l], d[l]);
}

export function lang(): Lang {
  return current;
}

export function setLang(l: Lang): void {
  if (l === current) return;
  current = l;
  document.documentElement.lang = l;
  try {
    localStorage.setItem('kenes.lang', l);
  } catch {
    /* storage may be disabled; the choice then lasts for this page only */
  }
  for (const f of listeners) f();
}

export function onLangChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

// The language to start in: ?lang= on the URL, then the last choice on this device, then the
// browser's preference. (The signed-in user's stored preference is applied by the console.)
export function initialLang(): Lang {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (isLang(fromUrl)) return fromUrl;
  try {
    const stored = localStorage.getItem('kenes.lang');
    if (isLang(stored)) return stored;
  } catch {
    /* ignore */
  }
  for (const l of navigator.languages ?? []) {
    const base = l.slice(0, 2).toLowerCase();
    if (isLang(base)) return base;
  }
  return 'en';
}

export function hasLangParam(): boolean {
  return isLang(new URLSearchParams(location.search).get('lang'));
}

export function startLang(l: Lang): void {
  current = l;
  document.documentElement.lang = l;
}

// The message for `key` in the current language with {name} placeholders filled in.
export function t(key: string, params?: Record<string, string | number>): string {
  let s = table[current][key];
  if (s === undefined) {
    console.error(`kenes i18n: missing message "${key}" in ${current}`);
    s = table.en[key] ?? key;
  }
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, name: string) =>
      name in params ? String(params[name]) : m,
    );
  }
  return s;
}

export function has(key: string): boolean {
  return key in table[current];
}

export function locale(): string {
  return LOCALES[current];
}

// Chromium's bundled ICU data lacks Kazakh month names (it prints "2026 M12 4"), so Kazakh dates
// are assembled from the numeric parts in CLDR's order: "2026 ж. 4 желтоқсан".
const KK_MONTHS = ['қаңтар', 'ақпан', 'наурыз', 'сәуір', 'мамыр', 'маусым', 'шілде', 'тамыз',
  'қыркүйек', 'қазан', 'қараша', 'желтоқсан'];

function kazakhDate(d: Date, utc: boolean): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    year: 'numeric', month: 'numeric', day: 'numeric', ...(utc ? { timeZone: 'UTC' } : {}),
  }).formatToParts(d);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return `${get('year')} ж. ${get('day')} ${KK_MONTHS[get('month') - 1]}`;
}

// Dates as the API sends them: "YYYY-MM-DD" (a calendar day) or an ISO instant.
export function fmtDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const day = /^\d{4}-\d{2}-\d{2}$/.test(iso);
  const d = new Date(day ? iso + 'T00:00:00Z' : iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (current === 'kk') return kazakhDate(d, day);
  return new Intl.DateTimeFormat(locale(), {
    dateStyle: 'medium',
    ...(day ? { timeZone: 'UTC' } : {}),
  }).format(d);
}

export function fmtDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  if (current === 'kk') {
    const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' }).format(d);
    return `${kazakhDate(d, false)}, ${time}`;
  }
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

// A month ("YYYY-MM" or any date in it), e.g. "Dec 2026", "дек. 2026 г.", "желтоқсан 2026".
export function fmtMonth(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(`${iso.slice(0, 7)}-01T00:00:00Z`);
  if (Number.isNaN(d.getTime())) return iso;
  if (current === 'kk') return `${KK_MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  return new Intl.DateTimeFormat(locale(), { month: 'short', year: 'numeric', timeZone: 'UTC' })
    .format(d);
}

export function fmtNumber(n: number | null | undefined, digits?: number): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return new Intl.NumberFormat(locale(), digits === undefined ? {} : {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(n);
}

// Integer pence as pounds in the current locale.
export function fmtPence(pence: number | null | undefined): string {
  if (pence === null || pence === undefined) return '—';
  return new Intl.NumberFormat(locale(), { style: 'currency', currency: 'GBP' }).format(pence / 100);
}

// A language's own name ("Қазақша" whatever the interface language): for the language switch,
// where a reader looks for their language.
export function langName(l: Lang): string {
  return { en: 'English', kk: 'Қазақша', ru: 'Русский' }[l];
}

// A language's name in the interface language ("Ағылшын тілі" in Kazakh): for the language of a
// report or a document. A code that is not one of ours is shown as it is.
export function languageName(code: string): string {
  return isLang(code) ? t(`common.language.${code}`) : code;
}
