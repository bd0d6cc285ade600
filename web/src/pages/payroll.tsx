// Payroll compliance: upload a payslip CSV to be checked against the UK minimum wage,
// accommodation offset, recruitment-fee ban and Seasonal Worker rules; the agency's past checks;
// one check's findings (amounts in pounds, message in the reader's language), its rejected rows,
// and "open a case" from a violation.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, query, upload as uploadWithProgress } from '../api';
import { fmtDate, fmtDateTime, fmtNumber, fmtPence, has, lang, t } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { useAction, useLang, useLoad } from '../ui/hooks';
import { Async, Badge, DataTable, Fact, Field, Loading, PageHeader, Pager } from '../ui/widgets';

interface Check {
  id: number;
  agency: string;
  created_by: number;
  created_at: string;
  as_of: string;
  rules_version: string;
  rows_read: number;
  rows_rejected: number;
  rows_with_findings: number;
  findings_by_rule: Record<string, number>;
  total_shortfall_pence: number;
  total_arrears_pence: number;
  state: 'running' | 'done' | 'failed';
  progress: number;
  message: string;
}

interface Finding {
  seq: number;
  line: number;
  worker_ref: string;
  provider_ref: string;
  period_start: string;
  rule: string;
  severity: string;
  required_pence: number;
  paid_pence: number;
  shortfall_pence: number;
  arrears_pence: number;
  message: string;
  message_ru: string;
  message_kk: string;
}

interface Reject {
  line: number;
  reason: string;
}

// The server's limit for an ordinary request body (server.max_body_bytes, 1 MiB by default).
// The server's server.max_upload_bytes default for bulk uploads.
const MAX_UPLOAD_BYTES = 256 * 1024 * 1024;
const POLL_MS = 400;
const CHECKS_PER_PAGE = 20;
const ROWS_PER_REQUEST = 500;

export function ruleName(rule: string): string {
  const key = `payroll.rule.${rule}`;
  return has(key) ? t(key) : rule;
}

function severityBadge(severity: string) {
  const key = `payroll.severity.${severity}`;
  return (
    <Badge kind={severity === 'violation' ? 'danger' : 'warn'}>{has(key) ? t(key) : severity}</Badge>
  );
}

function findingMessage(f: Finding): string {
  const l = lang();
  const m = l === 'ru' ? f.message_ru : l === 'kk' ? f.message_kk : f.message;
  return m || f.message;
}

function findingCount(c: Check): number {
  return Object.values(c.findings_by_rule).reduce((a, b) => a + b, 0);
}

function UploadForm({ onDone }: { onDone: (c: Check) => void }) {
  useLang();
  const [file, setFile] = useState<File | null>(null);
  const [asOf, setAsOf] = useState('');
  const [phase, setPhase] = useState<'idle' | 'uploading' | 'checking'>('idle');
  const [fraction, setFraction] = useState<number | null>(0);
  const [checked, setChecked] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [cancelled, setCancelled] = useState<'upload' | 'wait' | null>(null);
  const checking = useRef(false);
  const upload = useRef<AbortController | null>(null);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => () => upload.current?.abort(), []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setCancelled(null);
    checking.current = false;
    if (!file) {
      setError(new ApiError(400, { detail: t('payroll.upload.no_file') }));
      input.current?.focus();
      return;
    }
    if (file.size > MAX_UPLOAD_BYTES) {
      setError(new ApiError(413, { detail: t('payroll.upload.too_large', { size: fmtNumber(Math.ceil(file.size / 1024)) }) }));
      return;
    }
    setPhase('uploading');
    setFraction(0);
    setChecked(null);
    try {
      upload.current = new AbortController();
      const signal = upload.current.signal;
      // The bytes go out with progress; the server answers at once (respond-async) and checks
      // in the background, and the check's own progress is followed until it is done.
      let check = await uploadWithProgress<Check>(
        'POST',
        `/api/v1/payroll/checks${query({ as_of: asOf })}`,
        file,
        'text/csv',
        (f) => {
          setFraction(f);
          setPhase(f === null ? 'checking' : 'uploading');
        },
        signal,
        { Prefer: 'respond-async' },
      );
      setPhase('checking');
      checking.current = true;
      while (check.state === 'running') {
        setChecked(check.progress);
        await new Promise((r) => setTimeout(r, POLL_MS));
        if (signal.aborted) throw new DOMException('aborted', 'AbortError');
        check = await api.get<Check>(`/api/v1/payroll/checks/${check.id}`, signal);
      }
      if (check.state === 'failed') {
        throw new ApiError(422, { type: 'urn:kenes:problem:check-failed', detail: check.message });
      }
      setPhase('idle');
      onDone(check);
    } catch (err) {
      setPhase('idle');
      // Stopping the wait leaves the check running on the server: it joins the list when done.
      if ((err as Error).name === 'AbortError') setCancelled(checking.current ? 'wait' : 'upload');
      else setError(err);
    }
  };

  const busy = phase !== 'idle';
  return (
    <section class="card" aria-labelledby="payroll-upload-title">
      <h2 id="payroll-upload-title">{t('payroll.upload.title')}</h2>
      <p class="muted">{t('payroll.upload.intro')}</p>
      <form onSubmit={submit}>
        <div class="row">
          <Field label={t('payroll.upload.file')} hint={t('payroll.upload.file_hint')}>
            <input
              ref={input}
              type="file"
              name="payslips"
              accept=".csv,text/csv"
              required
              disabled={busy}
              onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
            />
          </Field>
          <Field label={t('payroll.upload.as_of')} hint={t('payroll.upload.as_of_hint')}>
            <input
              type="date"
              name="as_of"
              value={asOf}
              disabled={busy}
              onInput={(e) => setAsOf((e.target as HTMLInputElement).value)}
            />
          </Field>
        </div>
        <div class="row">
          <button type="submit" disabled={busy}>
            {t('payroll.upload.submit')}
          </button>
          {busy ? (
            <button type="button" class="secondary" onClick={() => upload.current?.abort()}>
              {phase === 'uploading' ? t('payroll.upload.cancel') : t('payroll.upload.stop_waiting')}
            </button>
          ) : null}
        </div>
      </form>
      {busy ? (
        <div class="payroll-progress">
          {phase === 'uploading' && fraction !== null ? (
            <progress max={100} value={Math.round(fraction * 100)} aria-label={t('payroll.upload.progress')} />
          ) : phase === 'checking' && checked !== null ? (
            <progress max={100} value={Math.round(checked * 100)} aria-label={t('payroll.upload.progress')} />
          ) : (
            <progress aria-label={t('payroll.upload.progress')} />
          )}
          <p role="status">
            {phase === 'uploading'
              ? t('payroll.upload.uploading', { percent: fmtNumber(Math.round((fraction ?? 0) * 100)) })
              : checked !== null
                ? t('payroll.upload.checking_percent', { percent: fmtNumber(Math.round(checked * 100)) })
                : t('payroll.upload.checking')}
          </p>
        </div>
      ) : null}
      {cancelled ? (
        <p class="notice" role="status">
          {t(cancelled === 'wait' ? 'payroll.upload.left_running' : 'payroll.upload.cancelled')}
        </p>
      ) : null}
      <ErrorBox error={error} />
      <details class="payroll-columns">
        <summary>{t('payroll.upload.columns_title')}</summary>
        <p>{t('payroll.upload.columns_required')}</p>
        <p>
          <code>worker_ref, date_of_birth, period_start, period_end, hours_worked, gross_pay</code>
        </p>
        <p>{t('payroll.upload.columns_optional')}</p>
        <p>
          <code>
            hours_paid, accommodation_days, accommodation_charge, deductions_employer_benefit,
            recruitment_fee, route, provider_ref, apprentice
          </code>
        </p>
        <p class="muted">{t('payroll.upload.columns_note')}</p>
      </details>
    </section>
  );
}

function ChecksList({ reloadKey }: { reloadKey: number }) {
  useLang();
  const [page, setPage] = useState(0);
  const state = useLoad((signal) => api.get<{ checks: Check[] }>('/api/v1/payroll/checks', signal), [reloadKey]);
  return (
    <section aria-labelledby="payroll-checks-title">
      <h2 id="payroll-checks-title">{t('payroll.list.title')}</h2>
      <Async state={state}>
        {({ checks }) => {
          if (checks.length === 0) return <p class="muted">{t('payroll.list.none')}</p>;
          const shown = checks.slice(page * CHECKS_PER_PAGE, (page + 1) * CHECKS_PER_PAGE);
          return (
            <>
              <p class="muted">{t('common.total', { n: fmtNumber(checks.length) })}</p>
              <DataTable
                headers={[
                  t('payroll.col.check'),
                  t('payroll.col.run_at'),
                  t('payroll.col.as_of'),
                  { label: t('payroll.col.rows_read'), num: true },
                  { label: t('payroll.col.rows_rejected'), num: true },
                  { label: t('payroll.col.findings'), num: true },
                  { label: t('payroll.col.total_arrears'), num: true },
                ]}
              >
                {shown.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <a href={`/payroll/checks/${c.id}`}>{t('payroll.check_label', { id: c.id })}</a>
                      {c.state !== 'done' ? (
                        <>
                          {' '}
                          <Badge kind={c.state === 'failed' ? 'danger' : 'warn'}>{t(`payroll.state.${c.state}`)}</Badge>
                        </>
                      ) : null}
                    </td>
                    <td>{fmtDateTime(c.created_at)}</td>
                    <td>{fmtDate(c.as_of)}</td>
                    <td class="num">{fmtNumber(c.rows_read)}</td>
                    <td class="num">
                      {c.rows_rejected > 0 ? (
                        <Badge kind="warn">{fmtNumber(c.rows_rejected)}</Badge>
                      ) : (
                        fmtNumber(0)
                      )}
                    </td>
                    <td class="num">{fmtNumber(findingCount(c))}</td>
                    <td class="num">{fmtPence(c.total_arrears_pence)}</td>
                  </tr>
                ))}
              </DataTable>
              {checks.length > CHECKS_PER_PAGE ? (
                <Pager page={page} hasNext={(page + 1) * CHECKS_PER_PAGE < checks.length} onPage={setPage} />
              ) : null}
            </>
          );
        }}
      </Async>
    </section>
  );
}

// A list read page by page with an "after" cursor; "show more" appends the next page.
function useCursorList<T>(url: string, field: string, deps: unknown[]) {
  const [items, setItems] = useState<T[] | undefined>(undefined);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const ctrl = useRef<AbortController | null>(null);
  const load = async (after: number, append: boolean) => {
    ctrl.current?.abort();
    const c = new AbortController();
    ctrl.current = c;
    setLoading(true);
    setError(null);
    try {
      const r = await api.get<Record<string, unknown>>(
        `${url}${query({ after: after || undefined, limit: ROWS_PER_REQUEST })}`,
        c.signal,
      );
      if (c.signal.aborted) return;
      const page = (r[field] as T[]) ?? [];
      setItems((old) => (append && old ? [...old, ...page] : page));
      setNext((r.next_after as number | null) ?? null);
    } catch (e) {
      if (!c.signal.aborted) setError(e);
    } finally {
      if (!c.signal.aborted) setLoading(false);
    }
  };
  useEffect(() => {
    setItems(undefined);
    load(0, false);
    return () => ctrl.current?.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return {
    items,
    next,
    error,
    loading,
    more: () => (next !== null ? load(next, true) : undefined),
    reload: () => setTick((n) => n + 1),
  };
}

// "Show more" under a cursor list while it has a next page.
function ShowMore({ list }: { list: { next: number | null; loading: boolean; more: () => void } }) {
  if (list.next === null) return null;
  return (
    <p>
      <button type="button" class="secondary" disabled={list.loading} onClick={list.more}>
        {list.loading ? t('common.loading') : t('payroll.show_more')}
      </button>
    </p>
  );
}

function FindingsTable({ check }: { check: Check }) {
  useLang();
  const { may } = useSession();
  const { route } = useLocation();
  const list = useCursorList<Finding>(`/api/v1/payroll/checks/${check.id}/findings`, 'findings', [check.id]);
  const [rule, setRule] = useState('');
  const [opening, setOpening] = useState<number | null>(null);
  const open = useAction(async (f: Finding) => {
    setOpening(f.seq);
    try {
      const k = await api.post<{ id: number }>(
        `/api/v1/payroll/checks/${check.id}/findings/${f.seq}/case`,
      );
      route(`/cases/${k.id}`);
    } finally {
      setOpening(null);
    }
  });
  const canOpen = may('case.write');
  const rules = Object.keys(check.findings_by_rule).filter((r) => check.findings_by_rule[r] > 0);
  const total = findingCount(check);

  return (
    <section aria-labelledby="payroll-findings-title">
      <h2 id="payroll-findings-title">
        {t('payroll.findings.title')} <span class="muted">({fmtNumber(total)})</span>
      </h2>
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.items === undefined && !list.error ? <Loading /> : null}
      {list.items !== undefined && list.items.length === 0 ? (
        <p class="success">{t('payroll.findings.none')}</p>
      ) : null}
      {list.items !== undefined && list.items.length > 0 ? (
        <>
          {rules.length > 1 ? (
            <div class="row">
              <Field label={t('payroll.findings.filter_rule')}>
                <select value={rule} onChange={(e) => setRule((e.target as HTMLSelectElement).value)}>
                  <option value="">{t('payroll.findings.all_rules')}</option>
                  {rules.map((r) => (
                    <option value={r}>
                      {ruleName(r)} ({fmtNumber(check.findings_by_rule[r])})
                    </option>
                  ))}
                </select>
              </Field>
            </div>
          ) : null}
          <ErrorBox error={open.error} />
          <div class="table-wrap">
            <table class="payroll-findings">
              <thead>
                <tr>
                  <th scope="col" class="num">{t('payroll.col.line')}</th>
                  <th scope="col">{t('payroll.col.worker')}</th>
                  <th scope="col">{t('payroll.col.rule')}</th>
                  <th scope="col" class="num">{t('payroll.col.required')}</th>
                  <th scope="col" class="num">{t('payroll.col.paid')}</th>
                  <th scope="col" class="num">{t('payroll.col.shortfall')}</th>
                  <th scope="col" class="num">{t('payroll.col.arrears')}</th>
                  <th scope="col">{t('payroll.col.message')}</th>
                  {canOpen ? <th scope="col">{t('common.actions')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {list.items
                  .filter((f) => !rule || f.rule === rule)
                  .map((f) => (
                    <tr key={f.seq} data-rule={f.rule}>
                      <td class="num">{fmtNumber(f.line)}</td>
                      <td>
                        <strong>{f.worker_ref}</strong>
                        <div class="muted">{t('payroll.period_from', { date: fmtDate(f.period_start) })}</div>
                        {f.provider_ref ? (
                          <div class="muted">{t('payroll.provider_ref', { ref: f.provider_ref })}</div>
                        ) : null}
                      </td>
                      <td>
                        {ruleName(f.rule)}
                        <div>
                          {severityBadge(f.severity)} <code class="muted">{f.rule}</code>
                        </div>
                      </td>
                      <td class="num">{fmtPence(f.required_pence)}</td>
                      <td class="num">{fmtPence(f.paid_pence)}</td>
                      <td class="num">{fmtPence(f.shortfall_pence)}</td>
                      <td class="num">
                        <strong>{fmtPence(f.arrears_pence)}</strong>
                      </td>
                      <td class="payroll-message">{findingMessage(f)}</td>
                      {canOpen ? (
                        <td>
                          {f.severity === 'violation' ? (
                            <button
                              type="button"
                              class="secondary payroll-open-case"
                              disabled={open.busy}
                              aria-label={t('payroll.findings.open_case_for', { line: f.line, rule: ruleName(f.rule) })}
                              onClick={() => open.run(f)}
                            >
                              {opening === f.seq ? t('payroll.findings.opening') : t('payroll.findings.open_case')}
                            </button>
                          ) : (
                            <span class="muted">{t('payroll.findings.warning_no_case')}</span>
                          )}
                        </td>
                      ) : null}
                    </tr>
                  ))}
              </tbody>
            </table>
          </div>
          <ShowMore list={list} />
        </>
      ) : null}
    </section>
  );
}

function RejectsTable({ check }: { check: Check }) {
  useLang();
  const list = useCursorList<Reject>(`/api/v1/payroll/checks/${check.id}/rejects`, 'rejects', [check.id]);
  return (
    <section aria-labelledby="payroll-rejects-title">
      <h2 id="payroll-rejects-title">
        {t('payroll.rejects.title')} <span class="muted">({fmtNumber(check.rows_rejected)})</span>
      </h2>
      {check.rows_rejected > 0 ? <p class="notice">{t('payroll.rejects.intro')}</p> : null}
      {list.error ? <ErrorBox error={list.error} onRetry={list.reload} /> : null}
      {list.items === undefined && !list.error ? <Loading /> : null}
      {list.items !== undefined && list.items.length === 0 ? <p class="muted">{t('payroll.rejects.none')}</p> : null}
      {list.items !== undefined && list.items.length > 0 ? (
        <>
          <DataTable
            tableClass="payroll-rejects"
            headers={[
              { label: t('payroll.col.line'), num: true },
              t('payroll.col.reason'),
            ]}
          >
            {list.items.map((r) => (
              <tr key={r.line}>
                <td class="num">{fmtNumber(r.line)}</td>
                <td>{r.reason}</td>
              </tr>
            ))}
          </DataTable>
          <ShowMore list={list} />
        </>
      ) : null}
    </section>
  );
}

// A check still running in the background: how far it has got, looked at again every second.
function Running({ check, onTick }: { check: Check; onTick: () => void }) {
  useEffect(() => {
    const timer = setTimeout(onTick, 1000);
    return () => clearTimeout(timer);
  }, [check]);
  const percent = Math.round(check.progress * 100);
  return (
    <section class="card payroll-progress" aria-labelledby="payroll-running-title">
      <h2 id="payroll-running-title">{t('payroll.state.running')}</h2>
      <progress max={100} value={percent} aria-label={t('payroll.upload.progress')} />
      <p role="status">{t('payroll.upload.checking_percent', { percent: fmtNumber(percent) })}</p>
    </section>
  );
}

function CheckDetail({ id }: { id: number }) {
  useLang();
  const [tick, setTick] = useState(0);
  const state = useLoad((signal) => api.get<Check>(`/api/v1/payroll/checks/${id}`, signal), [id, tick]);
  return (
    <>
      <PageHeader title={t('payroll.check_title', { id })}>
        <a class="button secondary" href="/payroll">
          {t('payroll.back_to_list')}
        </a>
      </PageHeader>
      <Async state={state}>
        {(c) =>
          c.state === 'running' ? (
            <Running check={c} onTick={() => setTick((n) => n + 1)} />
          ) : c.state === 'failed' ? (
            <p class="error" role="alert">
              {t('payroll.state.failed_note', { reason: c.message })}
            </p>
          ) : (
          <>
            <section class="card" aria-labelledby="payroll-summary-title">
              <h2 id="payroll-summary-title">{t('payroll.summary.title')}</h2>
              {c.rows_rejected > 0 ? (
                <p class="notice">
                  <a href="#payroll-rejects-title">
                    {t('payroll.summary.rejected', { n: fmtNumber(c.rows_rejected) })}
                  </a>
                </p>
              ) : null}
              <dl class="payroll-summary">
                <Fact label={t('payroll.col.run_at')}>{fmtDateTime(c.created_at)}</Fact>
                <Fact label={t('payroll.col.as_of')}>{fmtDate(c.as_of)}</Fact>
                <Fact label={t('payroll.col.rows_read')}>{fmtNumber(c.rows_read)}</Fact>
                <Fact label={t('payroll.col.rows_rejected')}>{fmtNumber(c.rows_rejected)}</Fact>
                <Fact label={t('payroll.col.rows_with_findings')}>{fmtNumber(c.rows_with_findings)}</Fact>
                <Fact label={t('payroll.col.total_shortfall')}>{fmtPence(c.total_shortfall_pence)}</Fact>
                <Fact label={t('payroll.col.total_arrears')}>
                  <strong>{fmtPence(c.total_arrears_pence)}</strong>
                </Fact>
                <Fact label={t('payroll.col.rules_version')}>{c.rules_version || '—'}</Fact>
              </dl>
              <h3>{t('payroll.summary.by_rule')}</h3>
              <DataTable headers={[t('payroll.col.rule'), { label: t('payroll.col.findings'), num: true }]}>
                {Object.entries(c.findings_by_rule).map(([r, n]) => (
                  <tr>
                    <td>{ruleName(r)}</td>
                    <td class="num">{fmtNumber(n)}</td>
                  </tr>
                ))}
              </DataTable>
              <p class="muted">{t('payroll.summary.arrears_note')}</p>
            </section>
            <FindingsTable check={c} />
            <RejectsTable check={c} />
          </>
          )
        }
      </Async>
    </>
  );
}

export default function Page() {
  useLang();
  const { may } = useSession();
  const { path, route } = useLocation();
  const [reloadKey, setReloadKey] = useState(0);
  const m = /^\/payroll\/checks\/(\d+)\/?$/.exec(path);
  if (m) return <CheckDetail id={Number(m[1])} />;
  if (path !== '/payroll' && path !== '/payroll/') {
    return <PageHeader title={t('common.not_found_page')} />;
  }
  return (
    <>
      <PageHeader title={t('payroll.title')} />
      <p class="muted">{t('payroll.intro')}</p>
      {may('payroll.check') ? (
        <UploadForm
          onDone={(c) => {
            setReloadKey((n) => n + 1);
            route(`/payroll/checks/${c.id}`);
          }}
        />
      ) : (
        <p class="notice">{t('payroll.read_only')}</p>
      )}
      <ChecksList reloadKey={reloadKey} />
    </>
  );
}
