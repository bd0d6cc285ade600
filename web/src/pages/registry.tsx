// The registry: UK labour providers with their licence status history, the "licensed on date D?"
// check and the register import; UK employers and farms and Kazakh recruitment agencies (with
// their licences); Kazakh workers (personal data, encrypted at rest) for the roles that may read
// it: find by IIN or passport, record, read one, and the employers where they were placed.
import type { ComponentChildren } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, query } from '../api';
import { fmtDate, fmtNumber, has, t } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { submitWith, useAction, useLang, useLoad } from '../ui/hooks';
import { CursorPager, useCursorPages } from '../ui/paging';
import { Async, Badge, DataTable, Fact, Field, PageHeader, Pager } from '../ui/widgets';

interface LicenceStatus {
  status: string;
  effective_from: string;
  expires_on: string | null;
}

interface Provider {
  id: number;
  licence_number: string;
  name: string;
  principal_authority: string;
  sectors: string[];
  status: string | null;
  history: LicenceStatus[];
}

interface LicenceCheck {
  licence: string;
  date: string;
  licensed: boolean;
  status: string | null;
  since: string | null;
  expires_on: string | null;
}

const PERSONAL_FIELDS = [
  'given_name',
  'family_name',
  'patronymic',
  'given_name_cyrillic',
  'family_name_cyrillic',
  'date_of_birth',
  'sex',
  'iin',
  'passport_number',
  'phone',
] as const;
const VISA_FIELDS = ['visa_route', 'visa_start', 'visa_end', 'recruitment_agency', 'scheme_operator'] as const;

type Worker = {
  id: number;
  agency: string;
  created_by: number;
  created_at: string;
} & Record<(typeof PERSONAL_FIELDS)[number], string | null> &
  Record<(typeof VISA_FIELDS)[number], string>;

const WORKERS_PER_PAGE = 50;
const PROVIDERS_PER_PAGE = 50;
const MAX_REGISTER_BYTES = 1024 * 1024;

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

function statusKind(status: string | null): string | undefined {
  if (status === 'licensed') return 'ok';
  if (status === 'licensed_with_conditions' || status === 'applied') return 'warn';
  if (status) return 'danger';
  return undefined;
}

function statusName(status: string | null): string {
  if (!status) return t('registry.status.none');
  const key = `registry.status.${status}`;
  return has(key) ? t(key) : status;
}

function StatusBadge({ status }: { status: string | null }) {
  return <Badge kind={statusKind(status)}>{statusName(status)}</Badge>;
}

function visaRouteName(route: string): string {
  if (!route) return '—';
  const key = `registry.visa_route.${route}`;
  return has(key) ? t(key) : route;
}

function sexName(sex: string | null): string {
  if (sex === 'f') return t('registry.sex.f');
  if (sex === 'm') return t('registry.sex.m');
  return '—';
}

// The latest status that took effect on or before today (what the register says now).
function currentEntry(p: Provider): LicenceStatus | undefined {
  const now = today();
  let cur: LicenceStatus | undefined;
  for (const h of p.history) if (h.effective_from <= now) cur = h;
  return cur ?? p.history[p.history.length - 1];
}

function Tabs() {
  useLang();
  const { may } = useSession();
  const { path } = useLocation();
  const tabs: { href: string; key: string; active: boolean }[] = [
    {
      href: '/registry',
      key: 'registry.tab.providers',
      active: path === '/registry' || path === '/registry/' || path.startsWith('/registry/providers'),
    },
    { href: '/registry/check', key: 'registry.tab.check', active: path.startsWith('/registry/check') },
  ];
  if (may('registry.read')) {
    tabs.push({ href: '/registry/workers', key: 'registry.tab.workers', active: path.startsWith('/registry/workers') });
  }
  if (may('provider.write')) {
    tabs.push({ href: '/registry/import', key: 'registry.tab.import', active: path.startsWith('/registry/import') });
  }
  tabs.push({
    href: '/registry/organisations',
    key: 'registry.tab.organisations',
    active: path.startsWith('/registry/organisations') || path.startsWith('/registry/other'),
  });
  return (
    <nav class="tabs" aria-label={t('registry.tabs')}>
      {tabs.map((tab) => (
        <a href={tab.href} aria-current={tab.active ? 'page' : undefined}>
          {t(tab.key)}
        </a>
      ))}
    </nav>
  );
}

// ---------------------------------------------------------------- providers

function ProvidersTab() {
  useLang();
  const { query: q, route } = useLocation();
  const text = q.q ?? '';
  const [draft, setDraft] = useState(text);
  const [page, setPage] = useState(0);
  const state = useLoad(
    (signal) => api.get<{ items: Provider[] }>(`/api/v1/providers${query({ q: text })}`, signal),
    [text],
  );
  return (
    <>
      <SearchForm
        label={t('registry.providers.search')}
        hint={t('registry.providers.search_hint')}
        value={draft}
        onInput={setDraft}
        onSubmit={() => {
          setPage(0);
          route(`/registry${query({ q: draft.trim() })}`);
        }}
      />
      <Async state={state}>
        {({ items }) => {
          if (items.length === 0) {
            return <p class="muted">{text ? t('registry.providers.no_match') : t('registry.providers.empty')}</p>;
          }
          const shown = items.slice(page * PROVIDERS_PER_PAGE, (page + 1) * PROVIDERS_PER_PAGE);
          return (
            <>
              <p class="muted">
                {items.length >= 200 ? t('registry.providers.first_200') : t('common.total', { n: fmtNumber(items.length) })}
              </p>
              <DataTable
                headers={[
                  t('registry.col.licence_number'),
                  t('common.name'),
                  t('registry.col.status_now'),
                  t('registry.col.since'),
                  t('registry.col.expires_on'),
                  t('registry.col.sectors'),
                ]}
              >
                {shown.map((p) => {
                  const cur = currentEntry(p);
                  return (
                    <tr key={p.id}>
                      <td>
                        <code>{p.licence_number}</code>
                      </td>
                      <td>
                        <a href={`/registry/providers/${p.id}`}>{p.name}</a>
                      </td>
                      <td>
                        <StatusBadge status={cur?.status ?? null} />
                      </td>
                      <td>{fmtDate(cur?.effective_from)}</td>
                      <td>{fmtDate(cur?.expires_on)}</td>
                      <td>{p.sectors.join(', ') || '—'}</td>
                    </tr>
                  );
                })}
              </DataTable>
              {items.length > PROVIDERS_PER_PAGE ? (
                <Pager page={page} hasNext={(page + 1) * PROVIDERS_PER_PAGE < items.length} onPage={setPage} />
              ) : null}
            </>
          );
        }}
      </Async>
    </>
  );
}

function ProviderDetail({ id }: { id: number }) {
  useLang();
  const state = useLoad((signal) => api.get<Provider>(`/api/v1/providers/${id}`, signal), [id]);
  return (
    <Async state={state}>
      {(p) => {
        const cur = currentEntry(p);
        return (
          <>
            <section class="card" aria-labelledby="registry-provider-title">
              <h2 id="registry-provider-title">{p.name}</h2>
              <dl class="registry-dl">
                <Fact label={t('registry.col.licence_number')}>
                  <code>{p.licence_number}</code>
                </Fact>
                <Fact label={t('registry.col.status_now')}>
                  <StatusBadge status={cur?.status ?? null} />
                </Fact>
                <Fact label={t('registry.col.principal_authority')}>{p.principal_authority || '—'}</Fact>
                <Fact label={t('registry.col.sectors')}>{p.sectors.join(', ') || '—'}</Fact>
              </dl>
            </section>
            <section aria-labelledby="registry-history-title">
              <h2 id="registry-history-title">{t('registry.history.title')}</h2>
              {p.history.length === 0 ? (
                <p class="muted">{t('registry.history.none')}</p>
              ) : (
                <DataTable headers={[t('registry.col.effective_from'), t('common.status'), t('registry.col.expires_on')]}>
                  {[...p.history].reverse().map((h) => (
                    <tr>
                      <td>{fmtDate(h.effective_from)}</td>
                      <td>
                        <StatusBadge status={h.status} />
                        {h === cur ? <span class="muted"> {t('registry.history.in_force')}</span> : null}
                        {h.effective_from > today() ? <span class="muted"> {t('registry.history.future')}</span> : null}
                      </td>
                      <td>{fmtDate(h.expires_on)}</td>
                    </tr>
                  ))}
                </DataTable>
              )}
            </section>
            <LicenceCheckForm initialLicence={p.licence_number} fixedLicence />
          </>
        );
      }}
    </Async>
  );
}

function LicenceCheckForm({ initialLicence, fixedLicence }: { initialLicence: string; fixedLicence?: boolean }) {
  useLang();
  const [licence, setLicence] = useState(initialLicence);
  const [date, setDate] = useState(today());
  const [result, setResult] = useState<LicenceCheck | null>(null);
  const check = useAction(async () => {
    setResult(null);
    const r = await api.get<LicenceCheck>(
      `/api/v1/providers/check${query({ licence: licence.trim(), date })}`,
    );
    setResult(r);
  });
  const unknown = check.error instanceof ApiError && check.error.status === 404;
  return (
    <section class="card" aria-labelledby="registry-check-title">
      <h2 id="registry-check-title">{t('registry.check.title')}</h2>
      <p class="muted">{t('registry.check.intro')}</p>
      <form
        class="row"
        onSubmit={submitWith(check.run)}
      >
        {fixedLicence ? null : (
          <Field label={t('registry.col.licence_number')}>
            <input
              name="licence"
              required
              value={licence}
              onInput={(e) => setLicence((e.target as HTMLInputElement).value)}
            />
          </Field>
        )}
        <Field label={t('registry.check.date')}>
          <input
            type="date"
            name="date"
            required
            value={date}
            onInput={(e) => setDate((e.target as HTMLInputElement).value)}
          />
        </Field>
        <button type="submit" disabled={check.busy}>
          {t('registry.check.submit')}
        </button>
      </form>
      <div aria-live="polite">
        {unknown ? (
          <p class="error" role="alert">
            {t('registry.check.unknown', { licence: licence.trim() })}
          </p>
        ) : (
          <ErrorBox error={check.error} />
        )}
        {result ? (
          <div class={`registry-verdict ${result.licensed ? 'success' : 'error'}`} data-licensed={String(result.licensed)}>
            <p>
              <strong>
                {result.licensed
                  ? t('registry.check.yes', { licence: result.licence, date: fmtDate(result.date) })
                  : t('registry.check.no', { licence: result.licence, date: fmtDate(result.date) })}
              </strong>
            </p>
            <p>
              {result.status
                ? t('registry.check.in_force', { status: statusName(result.status), since: fmtDate(result.since) })
                : t('registry.check.no_status_yet')}
              {result.expires_on ? ` ${t('registry.check.expires', { date: fmtDate(result.expires_on) })}` : ''}
            </p>
          </div>
        ) : null}
      </div>
    </section>
  );
}

function CheckTab() {
  const { query: q } = useLocation();
  return <LicenceCheckForm initialLicence={q.licence ?? ''} />;
}

// ---------------------------------------------------------------- provider import

function ImportTab() {
  useLang();
  const [file, setFile] = useState<File | null>(null);
  const [report, setReport] = useState<{ rows: number; created: number; statuses_added: number } | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const upload = useAction(async () => {
    setReport(null);
    if (!file) throw new ApiError(400, { detail: t('registry.import.no_file') });
    if (file.size > MAX_REGISTER_BYTES) throw new ApiError(413, { detail: t('registry.import.too_large') });
    const text = await file.text();
    setReport(await api.post('/api/v1/providers/import', text, 'text/csv'));
  });
  const err = upload.error;
  const lines =
    err instanceof ApiError && typeof err.problem.detail === 'string' && err.problem.detail.includes('\n')
      ? err.problem.detail.split('\n').slice(1)
      : null;
  return (
    <section class="card" aria-labelledby="registry-import-title">
      <h2 id="registry-import-title">{t('registry.import.title')}</h2>
      <p>{t('registry.import.intro')}</p>
      <p>
        <code>licence_number, name, status, effective_from</code> — {t('registry.import.required')}
        <br />
        <code>expires_on, sectors, principal_authority</code> — {t('registry.import.optional')}
      </p>
      <p class="muted">{t('registry.import.statuses', { list: 'applied, licensed, licensed_with_conditions, suspended, refused, revoked, expired, surrendered' })}</p>
      <form
        class="row"
        onSubmit={submitWith(upload.run)}
      >
        <Field label={t('registry.import.file')}>
          <input
            ref={input}
            type="file"
            name="register"
            accept=".csv,text/csv"
            required
            onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
          />
        </Field>
        <button type="submit" disabled={upload.busy}>
          {upload.busy ? t('registry.import.busy') : t('registry.import.submit')}
        </button>
      </form>
      {lines ? (
        <div class="error" role="alert">
          <strong>{t('registry.import.rejected')}</strong>
          <ul class="registry-import-problems">
            {lines.map((l) => (
              <li>{l}</li>
            ))}
          </ul>
        </div>
      ) : (
        <ErrorBox error={err} />
      )}
      {report ? (
        <p class="success" role="status">
          {t('registry.import.done', {
            rows: fmtNumber(report.rows),
            created: fmtNumber(report.created),
            statuses: fmtNumber(report.statuses_added),
          })}{' '}
          <a href="/registry">{t('registry.import.see_list')}</a>
        </p>
      ) : null}
    </section>
  );
}

// ---------------------------------------------------------------- workers

function workerName(w: Worker): string {
  const latin = [w.given_name, w.family_name].filter(Boolean).join(' ');
  const cyr = [w.given_name_cyrillic, w.family_name_cyrillic].filter(Boolean).join(' ');
  if (latin && cyr) return `${latin} (${cyr})`;
  return latin || cyr || t('registry.workers.unnamed', { id: w.id });
}

function WorkerTable({ items }: { items: Worker[] }) {
  useLang();
  return (
    <DataTable
      headers={[
        t('common.name'),
        t('registry.field.date_of_birth'),
        t('registry.field.iin'),
        t('registry.field.passport_number'),
        t('registry.field.visa_route'),
        t('registry.col.recorded'),
      ]}
    >
      {items.map((w) => (
        <tr key={w.id}>
          <td>
            <a href={`/registry/workers/${w.id}`}>{workerName(w)}</a>
          </td>
          <td>{fmtDate(w.date_of_birth)}</td>
          <td>{w.iin ?? '—'}</td>
          <td>{w.passport_number ?? '—'}</td>
          <td>{visaRouteName(w.visa_route)}</td>
          <td>{fmtDate(w.created_at)}</td>
        </tr>
      ))}
    </DataTable>
  );
}

function WorkerFind() {
  useLang();
  const [by, setBy] = useState<'iin' | 'passport'>('iin');
  const [value, setValue] = useState('');
  const [found, setFound] = useState<Worker[] | null>(null);
  const find = useAction(async () => {
    setFound(null);
    const r = await api.get<{ items: Worker[] }>(`/api/v1/workers${query({ [by]: value.trim() })}`);
    setFound(r.items);
  });
  return (
    <section class="card" aria-labelledby="registry-find-title">
      <h2 id="registry-find-title">{t('registry.workers.find_title')}</h2>
      <form
        class="row"
        role="search"
        onSubmit={submitWith(find.run)}
      >
        <Field label={t('registry.workers.find_by')}>
          <select value={by} onChange={(e) => setBy((e.target as HTMLSelectElement).value as 'iin' | 'passport')}>
            <option value="iin">{t('registry.field.iin')}</option>
            <option value="passport">{t('registry.field.passport_number')}</option>
          </select>
        </Field>
        <Field label={by === 'iin' ? t('registry.field.iin') : t('registry.field.passport_number')}>
          <input
            name="lookup"
            required
            autoComplete="off"
            inputMode={by === 'iin' ? 'numeric' : undefined}
            value={value}
            onInput={(e) => setValue((e.target as HTMLInputElement).value)}
          />
        </Field>
        <button type="submit" disabled={find.busy}>
          {t('common.search')}
        </button>
      </form>
      <p class="muted">{t('registry.workers.find_hint')}</p>
      <ErrorBox error={find.error} />
      <div aria-live="polite">
        {found !== null && found.length === 0 ? <p>{t('registry.workers.not_found')}</p> : null}
        {found !== null && found.length > 0 ? <WorkerTable items={found} /> : null}
      </div>
    </section>
  );
}

function WorkersTab() {
  useLang();
  const { may } = useSession();
  const pages = useCursorPages();
  const before = pages.before;
  const state = useLoad(
    (signal) =>
      api.get<{ items: Worker[]; next_before: number | null }>(
        `/api/v1/workers${query({ before: before || undefined, limit: WORKERS_PER_PAGE })}`,
        signal,
      ),
    [before],
  );
  return (
    <>
      {may('registry.write') ? (
        <p>
          <a class="button" href="/registry/workers/new">
            {t('registry.workers.new')}
          </a>
        </p>
      ) : null}
      <p class="notice">{t('registry.workers.privacy')}</p>
      <WorkerFind />
      <section aria-labelledby="registry-workers-title">
        <h2 id="registry-workers-title">{t('registry.workers.list_title')}</h2>
        <Async state={state}>
          {(r) =>
            r.items.length === 0 && pages.first ? (
              <p class="muted">{t('registry.workers.empty')}</p>
            ) : (
              <>
                <WorkerTable items={r.items} />
                <CursorPager pages={pages} next={r.next_before} />
              </>
            )
          }
        </Async>
      </section>
    </>
  );
}

// The search box of a list: one field and the search button; submitting calls `onSubmit`.
function SearchForm({
  label,
  hint,
  value,
  onInput,
  onSubmit,
}: {
  label: string;
  hint: string;
  value: string;
  onInput: (v: string) => void;
  onSubmit: () => void;
}) {
  return (
    <form
      class="row"
      role="search"
      onSubmit={submitWith(onSubmit)}
    >
      <Field label={label} hint={hint}>
        <input type="search" name="q" value={value} onInput={(e) => onInput((e.target as HTMLInputElement).value)} />
      </Field>
      <button type="submit">{t('common.search')}</button>
    </form>
  );
}

function WorkerDetail({ id }: { id: number }) {
  useLang();
  const { may } = useSession();
  const state = useLoad((signal) => api.get<Worker>(`/api/v1/workers/${id}`, signal), [id]);
  const [fresh, setFresh] = useState<Worker | null>(null);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  return (
    <>
      <p>
        <a href="/registry/workers">{t('registry.workers.back')}</a>
      </p>
      <Async state={state}>
        {(loaded) => {
          const w = fresh && fresh.id === loaded.id ? fresh : loaded;
          return (
            <>
              <section class="card" aria-labelledby="registry-worker-title">
                <h2 id="registry-worker-title">{workerName(w)}</h2>
                <p class="muted">{t('registry.workers.read_audited')}</p>
                <dl class="registry-dl registry-worker-facts">
                  {PERSONAL_FIELDS.map((f) => (
                    <Fact label={t(`registry.field.${f}`)}>
                      {f === 'sex' ? sexName(w.sex) : f === 'date_of_birth' ? fmtDate(w[f]) : (w[f] ?? '—')}
                    </Fact>
                  ))}
                </dl>
                {saved && !editing ? (
                  <p class="success" role="status">
                    {t('registry.workers.saved')}
                  </p>
                ) : null}
                {may('registry.write') && !editing ? (
                  <button
                    type="button"
                    class="secondary"
                    name="edit-worker"
                    onClick={() => {
                      setSaved(false);
                      setEditing(true);
                    }}
                  >
                    {t('registry.workers.edit')}
                  </button>
                ) : null}
              </section>
              {editing ? (
                <section class="card" aria-labelledby="registry-worker-edit-title">
                  <h2 id="registry-worker-edit-title">{t('registry.workers.edit_title', { name: workerName(w) })}</h2>
                  <p class="muted">{t('registry.workers.edit_intro')}</p>
                  <WorkerForm
                    existing={w}
                    onSaved={(x) => {
                      setFresh(x);
                      setEditing(false);
                      setSaved(true);
                    }}
                    onCancel={() => setEditing(false)}
                  />
                </section>
              ) : null}
              <section class="card" aria-labelledby="registry-visa-title">
                <h2 id="registry-visa-title">{t('registry.workers.visa_title')}</h2>
                <dl class="registry-dl">
                  <Fact label={t('registry.field.visa_route')}>{visaRouteName(w.visa_route)}</Fact>
                  <Fact label={t('registry.field.visa_start')}>{fmtDate(w.visa_start)}</Fact>
                  <Fact label={t('registry.field.visa_end')}>{fmtDate(w.visa_end)}</Fact>
                  <Fact label={t('registry.field.recruitment_agency')}>{w.recruitment_agency || '—'}</Fact>
                  <Fact label={t('registry.field.scheme_operator')}>{w.scheme_operator || '—'}</Fact>
                  <Fact label={t('common.agency')}>{t(`agency.${w.agency}`)}</Fact>
                  <Fact label={t('registry.col.recorded')}>{fmtDate(w.created_at)}</Fact>
                </dl>
              </section>
              <Placements workerId={w.id} />
            </>
          );
        }}
      </Async>
    </>
  );
}

const DATE_FIELDS = new Set(['date_of_birth', 'visa_start', 'visa_end']);

const WORKER_FIELDS = [...PERSONAL_FIELDS, ...VISA_FIELDS];

// The values a worker's form starts from: empty for a new worker, the stored ones when correcting.
function workerValues(w?: Worker): Record<string, string> {
  const v: Record<string, string> = {};
  for (const f of WORKER_FIELDS) {
    const x = w ? (w[f] ?? '') : '';
    v[f] = DATE_FIELDS.has(f) ? x.slice(0, 10) : x;
  }
  return v;
}

// The form of a worker's record: new (POST) or, with `existing`, a correction that sends only the
// changed fields (PATCH; an emptied field is sent as null and cleared).
function WorkerForm({
  existing,
  onSaved,
  onCancel,
}: {
  existing?: Worker;
  onSaved: (w: Worker) => void;
  onCancel?: () => void;
}) {
  useLang();
  const [initial] = useState(() => workerValues(existing));
  const [values, setValues] = useState<Record<string, string>>(initial);
  const set = (k: string) => (e: Event) =>
    setValues((v) => ({ ...v, [k]: (e.target as HTMLInputElement | HTMLSelectElement).value }));
  const save = useAction(async () => {
    if (existing) {
      const body: Record<string, string | null> = {};
      for (const f of WORKER_FIELDS) {
        const now = (values[f] ?? '').trim();
        if (now !== initial[f].trim()) body[f] = now === '' ? null : now;
      }
      const w = Object.keys(body).length
        ? await api.patch<Worker>(`/api/v1/workers/${existing.id}`, body)
        : existing;
      onSaved(w);
      return w;
    }
    const body: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) if (v.trim()) body[k] = v.trim();
    const w = await api.post<Worker>('/api/v1/workers', body);
    onSaved(w);
    return w;
  });
  const invalidIin = save.error instanceof ApiError && save.error.slug === 'invalid-iin';
  const input = (f: string, extra: Record<string, unknown> = {}) => (
    <Field label={t(`registry.field.${f}`)} hint={has(`registry.hint.${f}`) ? t(`registry.hint.${f}`) : undefined}>
      <input
        name={f}
        type={DATE_FIELDS.has(f) ? 'date' : 'text'}
        autoComplete="off"
        value={values[f] ?? ''}
        onInput={set(f)}
        {...extra}
      />
    </Field>
  );
  return (
    <form class="registry-worker-form" onSubmit={submitWith(save.run)}>
      <fieldset>
        <legend>{t('registry.workers.identity')}</legend>
        <div class="grid">
          {input('given_name')}
          {input('family_name')}
          {input('patronymic')}
          {input('given_name_cyrillic', { lang: 'kk' })}
          {input('family_name_cyrillic', { lang: 'kk' })}
          {input('iin', { inputMode: 'numeric', maxLength: 14 })}
          {input('date_of_birth')}
          <Field label={t('registry.field.sex')} hint={t('registry.hint.sex')}>
            <select name="sex" value={values.sex ?? ''} onChange={set('sex')}>
              <option value="">{t('registry.sex.unknown')}</option>
              <option value="f">{t('registry.sex.f')}</option>
              <option value="m">{t('registry.sex.m')}</option>
            </select>
          </Field>
          {input('passport_number')}
          {input('phone', { type: 'tel', inputMode: 'tel' })}
        </div>
      </fieldset>
      <fieldset>
        <legend>{t('registry.workers.visa_title')}</legend>
        <div class="grid">
          <Field label={t('registry.field.visa_route')}>
            <select name="visa_route" value={values.visa_route ?? ''} onChange={set('visa_route')}>
              <option value="">{t('registry.visa_route.none')}</option>
              <option value="seasonal">{t('registry.visa_route.seasonal')}</option>
              <option value="skilled">{t('registry.visa_route.skilled')}</option>
              <option value="other">{t('registry.visa_route.other')}</option>
            </select>
          </Field>
          {input('visa_start')}
          {input('visa_end')}
          {input('recruitment_agency')}
          {input('scheme_operator')}
        </div>
      </fieldset>
      {invalidIin ? <p class="error registry-invalid-iin">{t('registry.workers.invalid_iin')}</p> : null}
      <ErrorBox error={save.error} />
      <div class="row">
        <button type="submit" name="save-worker" disabled={save.busy}>
          {t('common.save')}
        </button>
        {onCancel ? (
          <button type="button" class="secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        ) : (
          <a class="button secondary" href="/registry/workers">
            {t('common.cancel')}
          </a>
        )}
      </div>
    </form>
  );
}

function NewWorker() {
  useLang();
  const { route } = useLocation();
  return (
    <section class="card" aria-labelledby="registry-new-title">
      <h2 id="registry-new-title">{t('registry.workers.new')}</h2>
      <p class="muted">{t('registry.workers.new_intro')}</p>
      <WorkerForm onSaved={(w) => route(`/registry/workers/${w.id}`)} />
    </section>
  );
}

// ---------------------------------------------------------------- employers and Kazakh agencies

type OrgKind = 'employer' | 'kz_agency';

interface Organisation {
  id: number;
  kind: OrgKind;
  name: string;
  country: string;
  region: string;
  address: string;
  licence_number: string | null;
  licence_status: string | null;
  sectors: string[];
  notes: string;
  created_by_agency: string;
  created_at: string;
  updated_at: string;
}

const AGENCY_LICENCE_STATUSES = ['licensed', 'suspended', 'revoked', 'unlicensed', 'unknown'] as const;

function orgKindOf(v: string | undefined): OrgKind {
  return v === 'kz_agency' ? 'kz_agency' : 'employer';
}

function agencyLicenceKind(status: string | null): string | undefined {
  if (status === 'licensed') return 'ok';
  if (status === 'suspended') return 'warn';
  if (status === 'revoked' || status === 'unlicensed') return 'danger';
  return undefined;
}

function agencyLicenceName(status: string | null): string {
  if (!status) return t('registry.orgs.licence.none');
  const key = `registry.orgs.licence.${status}`;
  return has(key) ? t(key) : status;
}

function AgencyLicenceBadge({ status }: { status: string | null }) {
  return <Badge kind={agencyLicenceKind(status)}>{agencyLicenceName(status)}</Badge>;
}

function agencyName(code: string): string {
  return has(`agency.${code}`) ? t(`agency.${code}`) : code;
}

function splitSectors(text: string): string[] {
  return text
    .split(/[,;]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

function OrganisationsTab() {
  useLang();
  const { may } = useSession();
  const { query: q, route } = useLocation();
  const kind = orgKindOf(q.kind);
  const text = q.q ?? '';
  const [draft, setDraft] = useState(text);
  const state = useLoad(
    (signal) => api.get<{ items: Organisation[] }>(`/api/v1/organisations${query({ kind, q: text })}`, signal),
    [kind, text],
  );
  const agencies = kind === 'kz_agency';
  return (
    <>
      <p class="muted">{t('registry.orgs.intro')}</p>
      <nav class="tabs" aria-label={t('registry.orgs.kinds')}>
        {(['employer', 'kz_agency'] as const).map((k) => (
          <a
            href={`/registry/organisations${query({ kind: k })}`}
            aria-current={k === kind ? 'page' : undefined}
            data-kind={k}
            onClick={() => setDraft('')}
          >
            {t(`registry.orgs.kind.${k}`)}
          </a>
        ))}
      </nav>
      <div class="row">
        <SearchForm
          label={t('registry.orgs.search')}
          hint={t('registry.orgs.search_hint')}
          value={draft}
          onInput={setDraft}
          onSubmit={() => {
            route(`/registry/organisations${query({ kind, q: draft.trim() })}`);
          }}
        />
        {may('provider.write') ? (
          <a class="button" href={`/registry/organisations/new${query({ kind })}`} data-action="new-organisation">
            {t(agencies ? 'registry.orgs.new.kz_agency' : 'registry.orgs.new.employer')}
          </a>
        ) : null}
      </div>
      <Async state={state}>
        {({ items }) => {
          if (items.length === 0) {
            return (
              <p class="muted">
                {text ? t('registry.orgs.no_match') : t(agencies ? 'registry.orgs.empty.kz_agency' : 'registry.orgs.empty.employer')}
              </p>
            );
          }
          return (
            <>
              <p class="muted">
                {items.length >= 200 ? t('registry.providers.first_200') : t('common.total', { n: fmtNumber(items.length) })}
              </p>
              <div class="table-wrap">
                <table class="registry-organisations">
                  <thead>
                    <tr>
                      <th scope="col">{t('common.name')}</th>
                      <th scope="col">{t('registry.orgs.field.region')}</th>
                      {agencies ? <th scope="col">{t('registry.col.licence_number')}</th> : null}
                      {agencies ? <th scope="col">{t('registry.orgs.field.licence_status')}</th> : null}
                      <th scope="col">{t('registry.col.sectors')}</th>
                      <th scope="col">{t('registry.orgs.field.recorded_by')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {items.map((o) => (
                      <tr key={o.id} data-organisation={o.id}>
                        <td>
                          <a href={`/registry/organisations/${o.id}`}>{o.name}</a>
                        </td>
                        <td>{o.region || '—'}</td>
                        {agencies ? <td>{o.licence_number ? <code>{o.licence_number}</code> : '—'}</td> : null}
                        {agencies ? (
                          <td>
                            <AgencyLicenceBadge status={o.licence_status} />
                          </td>
                        ) : null}
                        <td>{o.sectors.join(', ') || '—'}</td>
                        <td>{agencyName(o.created_by_agency)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          );
        }}
      </Async>
    </>
  );
}

interface OrgValues {
  kind: OrgKind;
  name: string;
  region: string;
  address: string;
  licence_number: string;
  licence_status: string;
  sectors: string;
  notes: string;
}

function valuesOf(o: Organisation): OrgValues {
  return {
    kind: o.kind,
    name: o.name,
    region: o.region,
    address: o.address,
    licence_number: o.licence_number ?? '',
    licence_status: o.licence_status ?? '',
    sectors: o.sectors.join(', '),
    notes: o.notes,
  };
}

// Creates an organisation (no `existing`) or changes one: only the fields that changed are sent.
function OrganisationForm({
  existing,
  initialKind,
  onSaved,
  onCancel,
}: {
  existing?: Organisation;
  initialKind?: OrgKind;
  onSaved: (o: Organisation) => void;
  onCancel: () => void;
}) {
  useLang();
  const [v, setV] = useState<OrgValues>(
    existing
      ? valuesOf(existing)
      : {
          kind: initialKind ?? 'employer',
          name: '',
          region: '',
          address: '',
          licence_number: '',
          licence_status: '',
          sectors: '',
          notes: '',
        },
  );
  const set = (k: keyof OrgValues) => (e: Event) =>
    setV((x) => ({ ...x, [k]: (e.target as HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement).value }));
  const agency = v.kind === 'kz_agency';
  const save = useAction(async () => {
    type TextField = 'name' | 'region' | 'address' | 'notes' | 'licence_number' | 'licence_status';
    const texts: TextField[] = ['name', 'region', 'address', 'notes'];
    if (agency) texts.push('licence_number', 'licence_status');
    const body: Record<string, unknown> = {};
    if (existing) {
      const before = valuesOf(existing);
      for (const k of texts) if (v[k].trim() !== before[k]) body[k] = v[k].trim();
      const sectors = splitSectors(v.sectors);
      if (JSON.stringify(sectors) !== JSON.stringify(existing.sectors)) body.sectors = sectors;
      const o = Object.keys(body).length
        ? await api.patch<Organisation>(`/api/v1/organisations/${existing.id}`, body)
        : existing;
      onSaved(o);
      return o;
    }
    body.kind = v.kind;
    for (const k of texts) if (v[k].trim()) body[k] = v[k].trim();
    const sectors = splitSectors(v.sectors);
    if (sectors.length) body.sectors = sectors;
    const o = await api.post<Organisation>('/api/v1/organisations', body);
    onSaved(o);
    return o;
  });
  const err = save.error;
  const duplicateLicence = err instanceof ApiError && err.status === 409;
  return (
    <form
      class="registry-organisation-form"
      onSubmit={submitWith(save.run)}
    >
      <div class="grid">
        {existing ? null : (
          <Field label={t('registry.orgs.field.kind')}>
            <select name="kind" value={v.kind} onChange={set('kind')}>
              <option value="employer">{t('registry.orgs.kind_one.employer')}</option>
              <option value="kz_agency">{t('registry.orgs.kind_one.kz_agency')}</option>
            </select>
          </Field>
        )}
        <Field label={t('common.name')}>
          <input name="name" required maxLength={300} value={v.name} onInput={set('name')} />
        </Field>
        <Field
          label={t('registry.orgs.field.region')}
          hint={agency ? t('registry.orgs.hint.region_kz') : t('registry.orgs.hint.region_uk')}
        >
          <input name="region" maxLength={200} value={v.region} onInput={set('region')} />
        </Field>
        <Field label={t('registry.orgs.field.address')}>
          <input name="address" maxLength={500} value={v.address} onInput={set('address')} />
        </Field>
        {agency ? (
          <Field label={t('registry.col.licence_number')} hint={t('registry.orgs.hint.licence_number')}>
            <input name="licence_number" maxLength={60} value={v.licence_number} onInput={set('licence_number')} />
          </Field>
        ) : null}
        {agency ? (
          <Field label={t('registry.orgs.field.licence_status')}>
            <select name="licence_status" value={v.licence_status} onChange={set('licence_status')}>
              <option value="">{t('registry.orgs.licence.none')}</option>
              {AGENCY_LICENCE_STATUSES.map((st) => (
                <option value={st}>{t(`registry.orgs.licence.${st}`)}</option>
              ))}
            </select>
          </Field>
        ) : null}
        <Field label={t('registry.col.sectors')} hint={t('registry.orgs.hint.sectors')}>
          <input name="sectors" value={v.sectors} onInput={set('sectors')} />
        </Field>
      </div>
      <Field label={t('registry.orgs.field.notes')}>
        <textarea name="notes" rows={3} maxLength={5000} value={v.notes} onInput={set('notes')} />
      </Field>
      {duplicateLicence ? (
        <p class="error" role="alert">
          {t('registry.orgs.duplicate_licence', { licence: v.licence_number.trim() })}
        </p>
      ) : (
        <ErrorBox error={err} />
      )}
      <div class="row">
        <button type="submit" name="save-organisation" disabled={save.busy || !v.name.trim()}>
          {t('common.save')}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function NewOrganisation() {
  useLang();
  const { query: q, route } = useLocation();
  const kind = orgKindOf(q.kind);
  return (
    <section class="card" aria-labelledby="registry-new-org-title">
      <h2 id="registry-new-org-title">{t(kind === 'kz_agency' ? 'registry.orgs.new.kz_agency' : 'registry.orgs.new.employer')}</h2>
      <p class="muted">{t('registry.orgs.new_intro')}</p>
      <OrganisationForm
        initialKind={kind}
        onSaved={(o) => route(`/registry/organisations/${o.id}`)}
        onCancel={() => route(`/registry/organisations${query({ kind })}`)}
      />
    </section>
  );
}

function OrganisationDetail({ id }: { id: number }) {
  useLang();
  const { may } = useSession();
  const state = useLoad((signal) => api.get<Organisation>(`/api/v1/organisations/${id}`, signal), [id]);
  const [fresh, setFresh] = useState<Organisation | null>(null);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  return (
    <Async state={state}>
      {(loaded) => {
        const o = fresh && fresh.id === loaded.id ? fresh : loaded;
        const agency = o.kind === 'kz_agency';
        return (
          <>
            <p>
              <a href={`/registry/organisations${query({ kind: o.kind })}`}>
                {t(agency ? 'registry.orgs.back.kz_agency' : 'registry.orgs.back.employer')}
              </a>
            </p>
            <section class="card" aria-labelledby="registry-org-title">
              <h2 id="registry-org-title">{o.name}</h2>
              <dl class="registry-dl">
                <Fact label={t('registry.orgs.field.kind')}>{t(`registry.orgs.kind_one.${o.kind}`)}</Fact>
                <Fact label={t('registry.orgs.field.country')}>{o.country}</Fact>
                <Fact label={t('registry.orgs.field.region')}>{o.region || '—'}</Fact>
                <Fact label={t('registry.orgs.field.address')}>{o.address || '—'}</Fact>
                {agency ? (
                  <Fact label={t('registry.col.licence_number')}>
                    {o.licence_number ? <code>{o.licence_number}</code> : '—'}
                  </Fact>
                ) : null}
                {agency ? (
                  <Fact label={t('registry.orgs.field.licence_status')}>
                    <span data-licence-status={o.licence_status ?? ''}>
                      <AgencyLicenceBadge status={o.licence_status} />
                    </span>
                  </Fact>
                ) : null}
                <Fact label={t('registry.col.sectors')}>{o.sectors.join(', ') || '—'}</Fact>
                <Fact label={t('registry.orgs.field.recorded_by')}>{agencyName(o.created_by_agency)}</Fact>
                <Fact label={t('registry.col.recorded')}>{fmtDate(o.created_at)}</Fact>
                <Fact label={t('registry.orgs.field.updated')}>{fmtDate(o.updated_at)}</Fact>
              </dl>
              {o.notes ? (
                <>
                  <h3>{t('registry.orgs.field.notes')}</h3>
                  <p class="pre">{o.notes}</p>
                </>
              ) : null}
              {saved && !editing ? (
                <p class="success" role="status">
                  {t('registry.orgs.saved')}
                </p>
              ) : null}
              {may('provider.write') && !editing ? (
                <button
                  type="button"
                  class="secondary"
                  name="edit-organisation"
                  onClick={() => {
                    setSaved(false);
                    setEditing(true);
                  }}
                >
                  {t(agency ? 'registry.orgs.edit_agency' : 'registry.orgs.edit')}
                </button>
              ) : null}
            </section>
            {editing ? (
              <section class="card" aria-labelledby="registry-org-edit-title">
                <h2 id="registry-org-edit-title">{t('registry.orgs.edit_title', { name: o.name })}</h2>
                <OrganisationForm
                  existing={o}
                  onSaved={(x) => {
                    setFresh(x);
                    setEditing(false);
                    setSaved(true);
                  }}
                  onCancel={() => setEditing(false)}
                />
              </section>
            ) : null}
          </>
        );
      }}
    </Async>
  );
}

// ---------------------------------------------------------------- placements of a worker

interface Placement {
  id: number;
  worker_id: number;
  organisation_id: number;
  organisation_name: string;
  start_date: string;
  end_date: string | null;
  recorded_at: string;
}

function Placements({ workerId }: { workerId: number }) {
  useLang();
  const { may } = useSession();
  const state = useLoad(
    (signal) => api.get<{ items: Placement[] }>(`/api/v1/workers/${workerId}/placements`, signal),
    [workerId],
  );
  return (
    <section class="card" aria-labelledby="registry-placements-title">
      <h2 id="registry-placements-title">{t('registry.placements.title')}</h2>
      <Async state={state}>
        {({ items }) =>
          items.length === 0 ? (
            <p class="muted">{t('registry.placements.none')}</p>
          ) : (
            <DataTable
              tableClass="registry-placements"
              headers={[
                t('registry.placements.employer'),
                t('registry.placements.start'),
                t('registry.placements.end'),
                t('registry.col.recorded'),
              ]}
            >
              {items.map((p) => (
                <tr key={p.id}>
                  <td>
                    <a href={`/registry/organisations/${p.organisation_id}`}>{p.organisation_name}</a>
                  </td>
                  <td>{fmtDate(p.start_date)}</td>
                  <td>{p.end_date ? fmtDate(p.end_date) : <span class="muted">{t('registry.placements.ongoing')}</span>}</td>
                  <td>{fmtDate(p.recorded_at)}</td>
                </tr>
              ))}
            </DataTable>
          )
        }
      </Async>
      {may('registry.write') ? <PlacementForm workerId={workerId} onAdded={state.reload} /> : null}
    </section>
  );
}

function PlacementForm({ workerId, onAdded }: { workerId: number; onAdded: () => void }) {
  useLang();
  const [text, setText] = useState('');
  const [found, setFound] = useState<Organisation[] | null>(null);
  const [employer, setEmployer] = useState('');
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [done, setDone] = useState(false);
  const search = useAction(async () => {
    setFound(null);
    setEmployer('');
    const r = await api.get<{ items: Organisation[] }>(
      `/api/v1/organisations${query({ kind: 'employer', q: text.trim() })}`,
    );
    setFound(r.items);
    setEmployer(r.items.length ? String(r.items[0].id) : '');
  });
  const add = useAction(async () => {
    setDone(false);
    const body: Record<string, unknown> = { organisation_id: Number(employer), start_date: start };
    if (end) body.end_date = end;
    const p = await api.post<Placement>(`/api/v1/workers/${workerId}/placements`, body);
    setDone(true);
    setStart('');
    setEnd('');
    onAdded();
    return p;
  });
  return (
    <form
      class="registry-placement-form"
      aria-labelledby="registry-place-title"
      onSubmit={submitWith(add.run)}
    >
      <h3 id="registry-place-title">{t('registry.placements.add')}</h3>
      <div class="row">
        <Field label={t('registry.placements.find_employer')} hint={t('registry.placements.find_hint')}>
          <input
            type="search"
            name="employer-search"
            value={text}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                search.run();
              }
            }}
          />
        </Field>
        <button type="button" class="secondary" name="find-employer" disabled={search.busy} onClick={() => search.run()}>
          {t('common.search')}
        </button>
      </div>
      <ErrorBox error={search.error} />
      {found !== null && found.length === 0 ? (
        <p class="muted" role="status">
          {t('registry.placements.no_employer')} <a href={`/registry/organisations${query({ kind: 'employer' })}`}>{t('registry.placements.see_employers')}</a>
        </p>
      ) : null}
      {found !== null && found.length > 0 ? (
        <div class="row">
          <Field label={t('registry.placements.employer')}>
            <select name="organisation_id" required value={employer} onChange={(e) => setEmployer((e.target as HTMLSelectElement).value)}>
              {found.map((o) => (
                <option value={String(o.id)}>{o.region ? `${o.name} — ${o.region}` : o.name}</option>
              ))}
            </select>
          </Field>
          <Field label={t('registry.placements.start')}>
            <input type="date" name="start_date" required value={start} onInput={(e) => setStart((e.target as HTMLInputElement).value)} />
          </Field>
          <Field label={t('registry.placements.end')} hint={t('registry.placements.end_hint')}>
            <input type="date" name="end_date" value={end} onInput={(e) => setEnd((e.target as HTMLInputElement).value)} />
          </Field>
          <button type="submit" name="add-placement" disabled={add.busy || !employer || !start}>
            {t('registry.placements.submit')}
          </button>
        </div>
      ) : null}
      <ErrorBox error={add.error} />
      {done ? (
        <p class="success" role="status">
          {t('registry.placements.added')}
        </p>
      ) : null}
    </form>
  );
}

// ---------------------------------------------------------------- page

function NotAllowed() {
  return <p class="error">{t('common.not_allowed')}</p>;
}

export default function Page() {
  useLang();
  const { may } = useSession();
  const { path } = useLocation();
  const p = path.replace(/\/+$/, '') || '/registry';
  let body: ComponentChildren;
  let m: RegExpExecArray | null;
  if (p === '/registry' || p === '/registry/providers') body = <ProvidersTab />;
  else if ((m = /^\/registry\/providers\/(\d+)$/.exec(p))) body = <ProviderDetail id={Number(m[1])} />;
  else if (p === '/registry/check') body = <CheckTab />;
  else if (p === '/registry/import') body = may('provider.write') ? <ImportTab /> : <NotAllowed />;
  else if (p === '/registry/organisations' || p === '/registry/other') body = <OrganisationsTab />;
  else if (p === '/registry/organisations/new') body = may('provider.write') ? <NewOrganisation /> : <NotAllowed />;
  else if ((m = /^\/registry\/organisations\/(\d+)$/.exec(p))) body = <OrganisationDetail id={Number(m[1])} />;
  else if (p === '/registry/workers') body = may('registry.read') ? <WorkersTab /> : <NotAllowed />;
  else if (p === '/registry/workers/new') body = may('registry.write') ? <NewWorker /> : <NotAllowed />;
  else if ((m = /^\/registry\/workers\/(\d+)$/.exec(p))) {
    body = may('registry.read') ? <WorkerDetail id={Number(m[1])} /> : <NotAllowed />;
  } else body = <p class="error">{t('common.not_found_page')}</p>;
  return (
    <>
      <PageHeader title={t('registry.title')} />
      <Tabs />
      {body}
    </>
  );
}
