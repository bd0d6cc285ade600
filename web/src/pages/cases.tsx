// The case list: what needs action first, filters (status on the server, the rest here), sorting
// by column, client-side paging, CSV/XLSX export and a form for officers to open a case. Also the
// types and small helpers the case and referral pages share.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, query } from '../api';
import { fmtDateTime, fmtNumber, lang, t, LANGS, languageName } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { useAction, useLang, useLoad } from '../ui/hooks';
import { Badge, Field, Loading, PageHeader, Pager } from '../ui/widgets';

// ---- Shared with case_detail, referrals and referral_detail ----

export interface Code {
  code: string;
  en: string;
  ru: string;
  kk: string;
}
export interface Taxonomy {
  indicators: Code[];
  categories: Code[];
}
// " Overdue" after a due date, when the case is overdue.
export function OverdueBadge({ overdue }: { overdue: boolean }) {
  return overdue ? (
    <>
      {' '}
      <Badge kind="danger">{t('cases.overdue')}</Badge>
    </>
  ) : null;
}

// The taxonomy's categories as checkboxes named "categories", in the reader's language.
export function CategoryChecks({ categories, selected, onChange }: { categories: Code[]; selected: string[]; onChange: (l: string[]) => void }) {
  return (
    <>
      {categories.map((c) => (
        <label class="check">
          <input
            type="checkbox"
            name="categories"
            value={c.code}
            checked={selected.includes(c.code)}
            onChange={(e) =>
              onChange((e.target as HTMLInputElement).checked ? [...selected, c.code] : selected.filter((x) => x !== c.code))
            }
          />
          <span>{c[lang()]}</span>
        </label>
      ))}
    </>
  );
}

export interface Risk {
  score: number;
  level: string;
  escalate: boolean;
}
interface CasePage {
  items: CaseSummary[];
  next_before: number | null;
}

export interface CaseSummary {
  id: number;
  agency: string;
  reference: string;
  source: string;
  status: string;
  language: string;
  created_at: string;
  due_at: string;
  overdue: boolean;
  indicators: Record<string, string>;
  categories: string[];
  risk: Risk;
  provider_name: string;
  employer_name: string;
  location: string;
  what_happened: string;
  contact: string;
  worker_name: string;
  date_of_birth: string;
  assigned_to: number | null;
  closed_reason: string;
  worker_id: number | null;
}

// The workflow, in order: one step forward at a time; closing (a supervisor's, with a reason)
// from any open state.
export const STATUSES = ['new', 'triaged', 'investigating', 'action_taken', 'closed'] as const;
export const SOURCES = ['public_report', 'hotline', 'officer', 'payroll_finding', 'partner_referral'];
export const LABOUR_AGENCIES = ['uk-fwa', 'kz-mlsp'];

export function useTaxonomy() {
  return useLoad<Taxonomy>((s) => api.get<Taxonomy>('/api/v1/cases/taxonomy', s), []);
}

// A taxonomy code's name in the reader's language (the code itself if unknown).
export function codeName(codes: Code[] | undefined, code: string): string {
  const c = codes?.find((x) => x.code === code);
  return c ? c[lang()] : code;
}

export function StatusBadge({ status }: { status: string }) {
  const kind = status === 'new' ? 'warn' : status === 'closed' ? '' : 'ok';
  return <Badge kind={kind}>{t(`cases.status.${status}`)}</Badge>;
}

export function RiskBadge({ risk }: { risk: Risk }) {
  const kind = risk.level === 'high' ? 'danger' : risk.level === 'medium' ? 'warn' : 'ok';
  return (
    <Badge kind={kind}>
      {t(`cases.risk.${risk.level || 'low'}`)} · {fmtNumber(risk.score)}
    </Badge>
  );
}

export function sourceName(source: string): string {
  return SOURCES.includes(source) ? t(`cases.source.${source}`) : source;
}

// ---- The list ----

const PAGE_SIZE = 25;
type SortKey = 'reference' | 'status' | 'risk' | 'provider' | 'created' | 'due' | 'source';
const SORTS: SortKey[] = ['reference', 'status', 'risk', 'provider', 'created', 'due', 'source'];

function compare(a: CaseSummary, b: CaseSummary, key: SortKey): number {
  switch (key) {
    case 'reference':
      return a.reference.localeCompare(b.reference);
    case 'status':
      return STATUSES.indexOf(a.status as any) - STATUSES.indexOf(b.status as any);
    case 'risk':
      return a.risk.score - b.risk.score || Number(a.risk.escalate) - Number(b.risk.escalate);
    case 'provider':
      return (a.provider_name || '').localeCompare(b.provider_name || '');
    case 'created':
      return a.created_at.localeCompare(b.created_at) || a.id - b.id;
    case 'due':
      return a.due_at.localeCompare(b.due_at);
    case 'source':
      return sourceName(a.source).localeCompare(sourceName(b.source));
  }
}

interface Filters {
  status: string; // server side (GET /api/v1/cases?status=)
  risk: string; // the rest: client side, the API filters by status only
  source: string;
  q: string;
  overdue: boolean;
  escalate: boolean;
  mine: boolean;
  sort: SortKey;
  dir: 'asc' | 'desc';
  page: number;
}

function readFilters(q: Record<string, string>): Filters {
  const sort = SORTS.includes(q.sort as SortKey) ? (q.sort as SortKey) : 'created';
  return {
    status: STATUSES.includes(q.status as any) ? q.status : '',
    risk: ['low', 'medium', 'high'].includes(q.risk) ? q.risk : '',
    source: SOURCES.includes(q.source) ? q.source : '',
    q: q.q ?? '',
    overdue: q.overdue === '1',
    escalate: q.escalate === '1',
    mine: q.mine === '1',
    sort,
    dir: q.dir === 'asc' ? 'asc' : q.dir === 'desc' ? 'desc' : 'desc',
    page: Math.max(0, Number.parseInt(q.page ?? '0', 10) || 0),
  };
}

function filterUrl(f: Filters): string {
  return (
    '/cases' +
    query({
      status: f.status,
      risk: f.risk,
      source: f.source,
      q: f.q.trim(),
      overdue: f.overdue ? 1 : undefined,
      escalate: f.escalate ? 1 : undefined,
      mine: f.mine ? 1 : undefined,
      sort: f.sort === 'created' ? undefined : f.sort,
      dir: f.dir === 'desc' ? undefined : f.dir,
      page: f.page || undefined,
    })
  );
}

export default function CasesPage() {
  useLang();
  const { may, me } = useSession();
  const loc = useLocation();
  const f = readFilters(loc.query);
  const set = (patch: Partial<Filters>) =>
    loc.route(filterUrl({ ...f, page: 0, ...patch }), true);
  const [creating, setCreating] = useState(false);
  const [qText, setQText] = useState(f.q);
  const taxonomy = useTaxonomy();
  const state = useLoad(
    (s) => api.get<CasePage>(`/api/v1/cases${query({ status: f.status })}`, s),
    [f.status],
  );
  // Older cases, a page at a time, after the newest 500 (filters and sorting then cover them too).
  const [older, setOlder] = useState<{ items: CaseSummary[]; next: number | null } | null>(null);
  useEffect(() => setOlder(null), [state.data]);
  const next = older ? older.next : (state.data?.next_before ?? null);
  const more = useAction(async () => {
    if (next === null) return;
    const page = await api.get<CasePage>(`/api/v1/cases${query({ status: f.status, before: next })}`);
    setOlder((o) => ({ items: [...(o?.items ?? []), ...page.items], next: page.next_before }));
  });

  const items = useMemo(
    () => [...(state.data?.items ?? []), ...(older?.items ?? [])],
    [state.data, older],
  );
  const visible = useMemo(() => {
    const needle = f.q.trim().toLowerCase();
    const out = items.filter(
      (k) =>
        (!f.risk || k.risk.level === f.risk) &&
        (!f.source || k.source === f.source) &&
        (!f.overdue || k.overdue) &&
        (!f.escalate || k.risk.escalate) &&
        (!f.mine || k.assigned_to === me.user.id) &&
        (!needle ||
          [k.reference, k.provider_name, k.employer_name, k.location, k.worker_name, k.what_happened]
            .join('\n')
            .toLowerCase()
            .includes(needle)),
    );
    out.sort((a, b) => compare(a, b, f.sort) * (f.dir === 'asc' ? 1 : -1));
    return out;
  }, [items, f.q, f.risk, f.source, f.overdue, f.escalate, f.mine, f.sort, f.dir, me.user.id]);
  const pages = Math.max(1, Math.ceil(visible.length / PAGE_SIZE));
  const page = Math.min(f.page, pages - 1);
  const shown = visible.slice(page * PAGE_SIZE, (page + 1) * PAGE_SIZE);

  // What needs action, over every case the server returned (not only the filtered ones).
  const awaitingTriage = items.filter((k) => k.status === 'new').length;
  const overdue = items.filter((k) => k.overdue).length;
  const escalate = items.filter((k) => k.risk.escalate && k.status !== 'closed').length;
  const mine = items.filter((k) => k.assigned_to === me.user.id && k.status !== 'closed').length;

  const sortHeader = (key: SortKey, label: string) => {
    const active = f.sort === key;
    return (
      <th
        scope="col"
        aria-sort={active ? (f.dir === 'asc' ? 'ascending' : 'descending') : undefined}
      >
        <button
          type="button"
          class="sort"
          onClick={() =>
            set({ sort: key, dir: active && f.dir === 'desc' ? 'asc' : 'desc' })
          }
        >
          {label}
          <span aria-hidden="true">{active ? (f.dir === 'asc' ? ' ▲' : ' ▼') : ' ↕'}</span>
        </button>
      </th>
    );
  };

  const exportHref = (format: string) => `/api/v1/cases/export${query({ format, status: f.status })}`;

  return (
    <section>
      <PageHeader title={t('cases.list.title')}>
        {may('case.aggregate') ? (
          <>
            <a class="button secondary" href={exportHref('csv')} download="cases.csv">
              {t('cases.list.export_csv')}
            </a>
            <a class="button secondary" href={exportHref('xlsx')} download="cases.xlsx">
              {t('cases.list.export_xlsx')}
            </a>
          </>
        ) : null}
        {may('case.write') ? (
          <button
            type="button"
            name="new-case"
            aria-expanded={creating}
            onClick={() => setCreating(!creating)}
          >
            {t('cases.new.open')}
          </button>
        ) : null}
      </PageHeader>

      {creating ? (
        <NewCaseForm taxonomy={taxonomy.data} onCancel={() => setCreating(false)} />
      ) : null}

      <ul class="cases-needs" aria-label={t('cases.list.needs_action')}>
        {[
          { on: f.status === 'new', label: t('cases.list.awaiting_triage', { n: awaitingTriage }), patch: { status: f.status === 'new' ? '' : 'new' } },
          { on: f.overdue, label: t('cases.list.overdue_n', { n: overdue }), patch: { overdue: !f.overdue } },
          { on: f.escalate, label: t('cases.list.escalate_n', { n: escalate }), patch: { escalate: !f.escalate } },
          { on: f.mine, label: t('cases.list.mine_n', { n: mine }), patch: { mine: !f.mine } },
        ].map((b) => (
          <li>
            <button type="button" class="secondary" aria-pressed={b.on} onClick={() => set(b.patch)}>
              {b.label}
            </button>
          </li>
        ))}
      </ul>

      <form
        class="card row cases-filters"
        role="search"
        aria-label={t('cases.list.filters')}
        onSubmit={(e) => {
          e.preventDefault();
          set({ q: qText });
        }}
      >
        <Field label={t('cases.list.search')}>
          <input
            name="q"
            type="search"
            value={qText}
            onInput={(e) => setQText((e.target as HTMLInputElement).value)}
            placeholder={t('cases.list.search_hint')}
          />
        </Field>
        <Field label={t('common.status')}>
          <select
            name="status"
            value={f.status}
            onChange={(e) => set({ status: (e.target as HTMLSelectElement).value })}
          >
            <option value="">{t('cases.list.all')}</option>
            {STATUSES.map((s) => (
              <option value={s}>{t(`cases.status.${s}`)}</option>
            ))}
          </select>
        </Field>
        <Field label={t('cases.field.risk')}>
          <select
            name="risk"
            value={f.risk}
            onChange={(e) => set({ risk: (e.target as HTMLSelectElement).value })}
          >
            <option value="">{t('cases.list.all')}</option>
            {['high', 'medium', 'low'].map((r) => (
              <option value={r}>{t(`cases.risk.${r}`)}</option>
            ))}
          </select>
        </Field>
        <Field label={t('cases.field.source')}>
          <select
            name="source"
            value={f.source}
            onChange={(e) => set({ source: (e.target as HTMLSelectElement).value })}
          >
            <option value="">{t('cases.list.all')}</option>
            {SOURCES.map((s) => (
              <option value={s}>{sourceName(s)}</option>
            ))}
          </select>
        </Field>
        <label class="check">
          <input
            type="checkbox"
            name="overdue"
            checked={f.overdue}
            onChange={(e) => set({ overdue: (e.target as HTMLInputElement).checked })}
          />
          <span>{t('cases.list.only_overdue')}</span>
        </label>
        <label class="check">
          <input
            type="checkbox"
            name="escalate"
            checked={f.escalate}
            onChange={(e) => set({ escalate: (e.target as HTMLInputElement).checked })}
          />
          <span>{t('cases.list.only_escalate')}</span>
        </label>
        <label class="check">
          <input
            type="checkbox"
            name="mine"
            checked={f.mine}
            onChange={(e) => set({ mine: (e.target as HTMLInputElement).checked })}
          />
          <span>{t('cases.list.only_mine')}</span>
        </label>
        <button type="submit">{t('common.search')}</button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setQText('');
            loc.route('/cases', true);
          }}
        >
          {t('common.reset')}
        </button>
      </form>

      {state.error ? <ErrorBox error={state.error} onRetry={state.reload} /> : null}
      {!state.data && !state.error ? (
        <Loading />
      ) : null}
      {state.data ? (
        <>
          <p class="muted" role="status">
            {t('cases.list.count', { shown: visible.length, total: items.length })}
            {next !== null ? ` ${t('cases.list.capped')}` : ''}
          </p>
          {next !== null ? (
            <p>
              <button type="button" class="secondary" disabled={more.busy} onClick={() => more.run()}>
                {t('cases.list.load_older')}
              </button>
            </p>
          ) : null}
          <ErrorBox error={more.error} />
          {visible.length === 0 ? (
            <p class="card">{items.length ? t('cases.list.no_match') : t('common.none')}</p>
          ) : (
            <div class="table-wrap">
              <table class="cases-table">
                <caption class="visually-hidden">{t('cases.list.caption')}</caption>
                <thead>
                  <tr>
                    {sortHeader('reference', t('cases.field.reference'))}
                    {sortHeader('status', t('common.status'))}
                    {sortHeader('risk', t('cases.field.risk'))}
                    <th scope="col">{t('cases.field.categories')}</th>
                    {sortHeader('provider', t('cases.field.provider_name'))}
                    {sortHeader('source', t('cases.field.source'))}
                    {sortHeader('created', t('common.created'))}
                    {sortHeader('due', t('cases.field.due_at'))}
                  </tr>
                </thead>
                <tbody>
                  {shown.map((k) => (
                    <tr key={k.id} data-case={k.id}>
                      <td>
                        <a href={`/cases/${k.id}`}>{k.reference}</a>
                        {k.assigned_to === me.user.id ? (
                          <>
                            {' '}
                            <Badge>{t('cases.assigned_to_you')}</Badge>
                          </>
                        ) : null}
                      </td>
                      <td>
                        <StatusBadge status={k.status} />
                      </td>
                      <td>
                        <RiskBadge risk={k.risk} />
                        {k.risk.escalate && k.status !== 'closed' ? (
                          <>
                            {' '}
                            <Badge kind="danger">{t('cases.risk.escalate_short')}</Badge>
                          </>
                        ) : null}
                      </td>
                      <td>
                        {k.categories.length
                          ? k.categories.map((c) => codeName(taxonomy.data?.categories, c)).join(', ')
                          : '—'}
                      </td>
                      <td>{k.provider_name || '—'}</td>
                      <td>{sourceName(k.source)}</td>
                      <td>{fmtDateTime(k.created_at)}</td>
                      <td>
                        {k.status === 'new' ? fmtDateTime(k.due_at) : '—'}
                        <OverdueBadge overdue={k.overdue} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {pages > 1 ? (
            <Pager
              page={page}
              hasNext={page < pages - 1}
              onPage={(p) => loc.route(filterUrl({ ...f, page: p }), true)}
            />
          ) : null}
        </>
      ) : null}
    </section>
  );
}

// ---- Opening a case (hotline call, own finding, a partner's referral received outside Kenes) ----

const NEW_SOURCES = ['hotline', 'officer', 'partner_referral'];

function NewCaseForm({ taxonomy, onCancel }: { taxonomy?: Taxonomy; onCancel: () => void }) {
  const { route } = useLocation();
  const [v, setV] = useState({
    source: 'hotline',
    language: lang() as string,
    what_happened: '',
    worker_name: '',
    date_of_birth: '',
    provider_name: '',
    employer_name: '',
    location: '',
  });
  const [cats, setCats] = useState<string[]>([]);
  const action = useAction(async () => {
    const body: Record<string, unknown> = { ...v, categories: cats };
    for (const k of Object.keys(body)) if (body[k] === '') delete body[k];
    return api.post<CaseSummary>('/api/v1/cases', body);
  });
  const input = (name: keyof typeof v) => (e: Event) =>
    setV({ ...v, [name]: (e.target as HTMLInputElement).value });

  return (
    <form
      id="new-case"
      class="card"
      aria-labelledby="new-case-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const k = await action.run();
        if (k) route(`/cases/${k.id}`);
      }}
    >
      <h2 id="new-case-title">{t('cases.new.title')}</h2>
      <div class="grid">
        <Field label={t('cases.field.source')}>
          <select name="source" value={v.source} onChange={input('source')}>
            {NEW_SOURCES.map((s) => (
              <option value={s}>{sourceName(s)}</option>
            ))}
          </select>
        </Field>
        <Field label={t('cases.field.language')} hint={t('cases.new.language_hint')}>
          <select name="language" value={v.language} onChange={input('language')}>
            {LANGS.map((l) => (
              <option value={l}>{languageName(l)}</option>
            ))}
          </select>
        </Field>
      </div>
      <Field label={`${t('cases.field.what_happened')} (${t('common.required')})`}>
        <textarea
          name="what_happened"
          required
          maxLength={5000}
          rows={5}
          value={v.what_happened}
          onInput={input('what_happened')}
        />
      </Field>
      <div class="grid">
        <Field label={t('cases.field.worker_name')}>
          <input name="worker_name" maxLength={200} value={v.worker_name} onInput={input('worker_name')} />
        </Field>
        <Field label={t('cases.field.date_of_birth')}>
          <input name="date_of_birth" type="date" value={v.date_of_birth} onInput={input('date_of_birth')} />
        </Field>
        <Field label={t('cases.field.provider_name')} hint={t('cases.new.provider_hint')}>
          <input name="provider_name" maxLength={200} value={v.provider_name} onInput={input('provider_name')} />
        </Field>
        <Field label={t('cases.field.employer_name')}>
          <input name="employer_name" maxLength={200} value={v.employer_name} onInput={input('employer_name')} />
        </Field>
        <Field label={t('cases.field.location')}>
          <input name="location" maxLength={200} value={v.location} onInput={input('location')} />
        </Field>
      </div>
      <fieldset>
        <legend>{t('cases.field.categories')}</legend>
        <CategoryChecks categories={taxonomy?.categories ?? []} selected={cats} onChange={setCats} />
        <p class="field-hint">{t('cases.new.categories_hint')}</p>
      </fieldset>
      <ErrorBox error={action.error} />
      <div class="row">
        <button type="submit" disabled={action.busy}>
          {action.busy ? t('cases.busy') : t('cases.new.submit')}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
      <p class="field-hint">{t('cases.new.sealed_hint')}</p>
    </form>
  );
}
