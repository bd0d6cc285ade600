// The audit trail for auditors: the agency's events, newest first, filtered by actor, action,
// object and time and read page by page; and the verification of the hash chain that makes any
// change to past events visible.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, query } from '../api';
import { fmtDateTime, fmtNumber, t } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { useLang, useLoad } from '../ui/hooks';
import { CursorPager, useCursorPages } from '../ui/paging';
import { Async, Badge, DataTable, Field, PageHeader } from '../ui/widgets';

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

function detailText(d: Record<string, unknown>): string {
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
                          {e.object_type}
                          {e.object_id ? ` ${e.object_id}` : ''}
                        </>
                      ) : (
                        '—'
                      )}
                    </td>
                    <td class="audit-detail">{detailText(e.detail) || '—'}</td>
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
