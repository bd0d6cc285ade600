// The audit trail for auditors: the agency's events, newest first, filtered by actor, action,
// object and time and read page by page; and the verification of the hash chain that makes any
// change to past events visible.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, query } from '../api';
import { fmtDate, fmtDateTime, fmtNumber, has, languageName, t } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { useLang, useLoad } from '../ui/hooks';
import { CursorPager, useCursorPages } from '../ui/paging';
import { Async, Badge, DataTable, Field, PageHeader } from '../ui/widgets';
import { codeName, useTaxonomy, type Taxonomy } from './cases';

interface AuditEvent {
  seq: number;
  at: string;
  user_id: number | null;
  username: string;
  agency: string;
  action: string;
  object_type: string;
  object_id: string;
  request_id: string;
  detail: Record<string, unknown>;
  hash: string;
}

interface Verify {
  ok: boolean;
  events: number;
  first_bad_seq: number | null;
  problem: string;
  head_hash: string;
}

const PAGE_SIZE = 50;
const FILTERS = ['user', 'action', 'object_type', 'object_id', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const ACTION_SUGGESTIONS = [
  'case.*',
  'referral.*',
  'payroll.*',
  'linkage.*',
  'registry.*',
  'provider.*',
  'library.*',
  'dialogue.*',
  'session.*',
  'user.*',
  'token.*',
];

// The day after YYYY-MM-DD: the API's "to" is exclusive, the form's is the last day included.
function dayAfter(d: string): string {
  const x = new Date(`${d}T00:00:00Z`);
  if (Number.isNaN(x.getTime())) return d;
  x.setUTCDate(x.getUTCDate() + 1);
  return x.toISOString().slice(0, 10);
}

// The message for a key the dictionaries may or may not hold: undefined when they do not.
function known(key: string): string | undefined {
  return has(key) ? t(key) : undefined;
}

// An object type in the reader's language; a type this console does not know stays as written.
function objectName(type: string): string {
  return known(`audit.object.${type}`) ?? type;
}

// The details of an event are the server's identifiers. The keys and the enumerated values the
// console already has names for are shown in the reader's language; the rest as they are.
type Ctx = { e: AuditEvent; taxonomy?: Taxonomy };
type Named = (v: unknown, ctx: Ctx) => string | undefined;

const code =
  (prefix: string | ((ctx: Ctx) => string | undefined)): Named =>
  (v, ctx) => {
    const p = typeof prefix === 'string' ? prefix : prefix(ctx);
    return p && typeof v === 'string' ? known(p + v) : undefined;
  };
const byObject = (prefixes: Record<string, string>) => code((ctx) => prefixes[ctx.e.object_type]);
const list =
  (one: Named): Named =>
  (v, ctx) => {
    const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : null;
    return items ? items.map((x) => one(x, ctx) ?? plain(x)).join(', ') : undefined;
  };
const day: Named = (v) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? fmtDate(v) : undefined);

// The names of the fields an event lists (changed, fields), by object type.
const FIELD_KEYS: Record<string, (f: string) => string[]> = {
  case: (f) => [`cases.field.${f}`, `common.${f}`],
  referral: (f) => [`cases.field.${f}`],
  worker: (f) => [`registry.field.${f}`],
  organisation: (f) => [`registry.orgs.field.${f}`, `registry.col.${f}`, `common.${f}`],
};
const fieldName: Named = (v, ctx) => {
  if (typeof v !== 'string') return undefined;
  for (const k of [...(FIELD_KEYS[ctx.e.object_type]?.(v) ?? []), `audit.detail.${v}`]) {
    const s = known(k);
    if (s !== undefined) return s;
  }
  return undefined;
};

const VALUES: Record<string, Named> = {
  source: code('cases.source.'),
  status: byObject({
    case: 'cases.status.',
    dialogue_agreement: 'dialogue.status.',
    dialogue_commitment: 'dialogue.cstatus.',
    dialogue_meeting: 'dialogue.meeting.status.',
  }),
  from: byObject({ referral: 'referrals.status.' }),
  to: (v, ctx) => code('agency.')(v, ctx) ?? byObject({ referral: 'referrals.status.' })(v, ctx),
  agency: code('agency.'),
  partner: code('agency.'),
  roles: list(code('role.')),
  language: (v) => (typeof v === 'string' ? languageName(v) : undefined),
  visibility: code('library.visibility.'),
  licence_status: code('registry.orgs.licence.'),
  kind: byObject({
    case: 'cases.subjects.kind.',
    organisation: 'registry.orgs.kind_one.',
    dialogue_agreement: 'dialogue.kind.',
    dialogue_engagement: 'dialogue.ekind.',
  }),
  role: byObject({ case: 'cases.subjects.role.' }),
  categories: list((v, ctx) => (typeof v === 'string' ? codeName(ctx.taxonomy?.categories, v) : undefined)),
  indicators: (v, ctx) => {
    const name = (c: string) => codeName(ctx.taxonomy?.indicators, c);
    if (Array.isArray(v)) return v.map((c) => name(String(c))).join(', ');
    if (v && typeof v === 'object') {
      return Object.entries(v as Record<string, unknown>)
        .map(([c, s]) => `${name(c)} (${known(`cases.strength.${String(s)}`) ?? plain(s)})`)
        .join(', ');
    }
    return undefined;
  },
  rule: code('payroll.rule.'),
  parties: list(code('dialogue.party.')),
  party: byObject({ dialogue_agreement: 'dialogue.party.' }),
  action: byObject({ dialogue_agreement: 'dialogue.action.' }),
  step: code((ctx) =>
    ctx.e.object_type === 'dialogue_agreement' ? `dialogue.step.${String(ctx.e.detail?.party ?? '')}.` : undefined,
  ),
  // A worker search by IIN or passport number names the blind index it used.
  by: (v) =>
    v === 'iin_index' ? known('registry.field.iin') : v === 'passport_index' ? known('registry.field.passport_number') : undefined,
  changed: list(fieldName),
  fields: (v, ctx) => (Array.isArray(v) ? list(fieldName)(v, ctx) : undefined),
  date: day,
  as_of: day,
  start_date: day,
};

function plain(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return t(v ? 'common.yes' : 'common.no');
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return v.map(plain).join(', ');
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function detailText(e: AuditEvent, taxonomy?: Taxonomy): string {
  const ctx = { e, taxonomy };
  return Object.entries(e.detail ?? {})
    .map(([k, v]) => {
      const label = known(`audit.detail.${e.action}.${k}`) ?? known(`audit.detail.${k}`) ?? k;
      return `${label}: ${VALUES[k]?.(v, ctx) ?? plain(v)}`;
    })
    .join('; ');
}

// The details as the server wrote them, for the cell's tooltip.
function detailRaw(d: Record<string, unknown>): string {
  return Object.entries(d ?? {})
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('; ');
}

function ChainStatus() {
  useLang();
  const state = useLoad((signal) => api.get<Verify>('/api/v1/audit/verify', signal), []);
  return (
    <section class="card" aria-labelledby="audit-chain-title">
      <h2 id="audit-chain-title">{t('audit.chain.title')}</h2>
      <p class="muted">{t('audit.chain.intro')}</p>
      <div aria-live="polite">
        {state.loading ? (
          <p class="loading" role="status">
            {t('audit.chain.verifying')}
          </p>
        ) : null}
        {state.error ? <ErrorBox error={state.error} onRetry={state.reload} /> : null}
        {!state.loading && state.data ? (
          state.data.ok ? (
            <div class="success audit-chain" data-chain="ok">
              <p>
                <strong>{t('audit.chain.ok', { n: fmtNumber(state.data.events) })}</strong>
              </p>
              <p class="audit-hash">
                {t('audit.chain.head')} <code>{state.data.head_hash || '—'}</code>
              </p>
            </div>
          ) : (
            <div class="error audit-chain" data-chain="broken" role="alert">
              <p>
                <strong>
                  {state.data.first_bad_seq !== null
                    ? t('audit.chain.broken_at', { seq: state.data.first_bad_seq })
                    : t('audit.chain.broken')}
                </strong>
              </p>
              {state.data.problem ? <p>{t('audit.chain.problem', { problem: state.data.problem })}</p> : null}
              <p>{t('audit.chain.broken_advice')}</p>
            </div>
          )
        ) : null}
      </div>
      <button type="button" class="secondary" disabled={state.loading} onClick={state.reload}>
        {t('audit.chain.again')}
      </button>
    </section>
  );
}

function FilterForm({ current }: { current: Filters }) {
  useLang();
  const { route } = useLocation();
  const [draft, setDraft] = useState<Filters>(current);
  const input = (k: (typeof FILTERS)[number], type = 'text', extra: Record<string, unknown> = {}) => (
    <Field label={t(`audit.filter.${k}`)}>
      <input
        name={k}
        type={type}
        value={draft[k]}
        onInput={(e) => setDraft((d) => ({ ...d, [k]: (e.target as HTMLInputElement).value }))}
        {...extra}
      />
    </Field>
  );
  return (
    <form
      class="card"
      role="search"
      aria-label={t('audit.filter.title')}
      onSubmit={(e) => {
        e.preventDefault();
        const q: Record<string, string> = {};
        for (const k of FILTERS) q[k] = draft[k].trim();
        route(`/audit${query(q)}`);
      }}
    >
      <div class="row">
        {input('user', 'text', { autoComplete: 'off' })}
        {input('action', 'text', { list: 'audit-actions', autoComplete: 'off' })}
        <datalist id="audit-actions">
          {ACTION_SUGGESTIONS.map((a) => (
            <option value={a} />
          ))}
        </datalist>
        {input('object_type', 'text', { autoComplete: 'off' })}
        {input('object_id', 'text', { autoComplete: 'off' })}
        {input('from', 'date')}
        {input('to', 'date')}
      </div>
      <p class="muted">{t('audit.filter.hint')}</p>
      <div class="row">
        <button type="submit">{t('common.filter')}</button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setDraft({ user: '', action: '', object_type: '', object_id: '', from: '', to: '' });
            route('/audit');
          }}
        >
          {t('common.reset')}
        </button>
      </div>
    </form>
  );
}

function Events({ filters }: { filters: Filters }) {
  useLang();
  const pages = useCursorPages();
  const taxonomy = useTaxonomy();
  const before = pages.before;
  const key = JSON.stringify(filters);
  const state = useLoad(
    (signal) =>
      api.get<{ events: AuditEvent[]; next_before: number | null }>(
        `/api/v1/audit/events${query({
          user: filters.user,
          action: filters.action,
          object_type: filters.object_type,
          object_id: filters.object_id,
          from: filters.from,
          to: filters.to ? dayAfter(filters.to) : '',
          before: before || undefined,
          limit: PAGE_SIZE,
        })}`,
        signal,
      ),
    [key, before],
  );
  return (
    <section aria-labelledby="audit-events-title">
      <h2 id="audit-events-title">{t('audit.events.title')}</h2>
      <Async state={state}>
        {(r) =>
          r.events.length === 0 && pages.first ? (
            <p class="muted">{t('audit.events.none')}</p>
          ) : (
            <>
              <DataTable
                tableClass="audit-events"
                headers={[
                  { label: t('audit.col.seq'), num: true },
                  t('audit.col.at'),
                  t('audit.col.user'),
                  t('audit.col.action'),
                  t('audit.col.object'),
                  t('audit.col.detail'),
                  t('audit.col.request'),
                  t('audit.col.hash'),
                ]}
              >
                {r.events.map((e) => (
                  <tr key={e.seq}>
                    <td class="num">{e.seq}</td>
                    <td>{fmtDateTime(e.at)}</td>
                    <td>{e.username || <span class="muted">{t('audit.system')}</span>}</td>
                    <td>
                      <code>{e.action}</code>
                    </td>
                    <td>
                      {e.object_type ? (
                        <>
                          <span data-object-type={e.object_type} title={e.object_type}>
                            {objectName(e.object_type)}
                          </span>
                          {e.object_id ? ` ${e.object_id}` : ''}
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td class="audit-detail" title={detailRaw(e.detail) || undefined}>
                      {detailText(e, taxonomy.data) || '—'}
                    </td>
                    <td>
                      <code class="audit-hash">{e.request_id || '—'}</code>
                    </td>
                    <td>
                      <code class="audit-hash" title={e.hash}>
                        {e.hash.slice(0, 12)}…
                      </code>
                    </td>
                  </tr>
                ))}
              </DataTable>
              <CursorPager pages={pages} next={r.next_before} />
            </>
          )
        }
      </Async>
    </section>
  );
}

export default function Page() {
  useLang();
  const { may, me } = useSession();
  const { query: q } = useLocation();
  const filters = Object.fromEntries(FILTERS.map((k) => [k, q[k] ?? ''])) as Filters;
  const key = JSON.stringify(filters);
  const active = FILTERS.filter((k) => filters[k]).length;
  return (
    <>
      <PageHeader title={t('audit.title')} />
      <p class="muted">{t('audit.intro', { agency: t(`agency.${me.user.agency}`) })}</p>
      {may('audit.verify') ? <ChainStatus /> : null}
      <FilterForm key={key} current={filters} />
      {active ? (
        <p>
          <Badge>{t('audit.filter.active', { n: active })}</Badge>
        </p>
      ) : null}
      <Events key={key} filters={filters} />
    </>
  );
}
