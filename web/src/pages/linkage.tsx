// Privacy-preserving record linkage between the two labour agencies: projects, the upload of this
// side's CLKs (the file `kenes link encode` writes on the agency's own machine: no names leave
// it), the match with its progress, and the pairs: this side's own records, each with an opaque
// pair reference that the partner sees for its own record of the same person. From a pair, an
// officer refers to the partner: a new case opened for the pair, or one of the agency's open cases,
// then the case's referral form with the pair filled in.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError, query } from '../api';
import { fmtDateTime, fmtNumber, has, lang, t } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { submitWith, useAction, useLang, useLoad } from '../ui/hooks';
import { Async, Badge, DataTable, Fact, Field, Loading, PageHeader } from '../ui/widgets';

interface Project {
  id: number;
  name: string;
  schema: string;
  clk_bits: number;
  threshold: number;
  party_a: string;
  party_b: string;
  created_by: number;
  created_at: string;
  status: string; // open, ready, queued, running, matched, failed
  progress: number;
  records_a: number | null;
  records_b: number | null;
  candidates: number;
  pairs: number;
  message?: string;
  matched_at?: string;
}

interface Pair {
  seq: number;
  pair_ref: string;
  similarity: number;
  own_index: number;
  own_ref?: string;
}

// The agency's cases, as GET /api/v1/cases lists them (the fields used here).
interface CaseItem {
  id: number;
  reference: string;
  status: string;
  created_at: string;
  what_happened: string;
}

const PAIRS_PER_REQUEST = 200;
const POLL_MS = 1000;

function statusKind(s: string): string | undefined {
  if (s === 'matched') return 'ok';
  if (s === 'failed') return 'danger';
  if (s === 'queued' || s === 'running') return 'warn';
  return undefined;
}

function statusName(s: string): string {
  const key = `linkage.status.${s}`;
  return has(key) ? t(key) : s;
}

function partnerOf(agency: string): string {
  return agency === 'kz-mlsp' ? 'uk-fwa' : 'kz-mlsp';
}

function agencyName(code: string): string {
  return has(`agency.${code}`) ? t(`agency.${code}`) : code;
}

function ProjectsList() {
  useLang();
  const { may, me } = useSession();
  const { route } = useLocation();
  const state = useLoad((signal) => api.get<{ projects: Project[] }>('/api/v1/linkage/projects', signal), []);
  const [name, setName] = useState('');
  const [threshold, setThreshold] = useState('');
  const create = useAction(async () => {
    const body: Record<string, unknown> = { name: name.trim(), partner_agency: partnerOf(me.user.agency) };
    if (threshold.trim()) body.threshold = Number(threshold);
    const p = await api.post<Project>('/api/v1/linkage/projects', body);
    route(`/linkage/${p.id}`);
  });
  return (
    <>
      <PageHeader title={t('linkage.title')} />
      <p class="muted">{t('linkage.intro')}</p>
      <section aria-labelledby="linkage-projects-title">
        <h2 id="linkage-projects-title">{t('linkage.projects')}</h2>
        <Async state={state}>
          {({ projects }) =>
            projects.length === 0 ? (
              <p class="muted">{t('linkage.none')}</p>
            ) : (
              <DataTable
                headers={[
                  t('common.name'),
                  t('linkage.col.parties'),
                  t('common.status'),
                  { label: t('linkage.col.records_a'), num: true },
                  { label: t('linkage.col.records_b'), num: true },
                  { label: t('linkage.col.pairs'), num: true },
                  t('common.created'),
                ]}
              >
                {projects.map((p) => (
                  <tr key={p.id}>
                    <td>
                      <a href={`/linkage/${p.id}`}>{p.name}</a>
                    </td>
                    <td>
                      {p.party_a} ↔ {p.party_b}
                    </td>
                    <td>
                      <Badge kind={statusKind(p.status)}>{statusName(p.status)}</Badge>
                    </td>
                    <td class="num">{p.records_a === null ? '—' : fmtNumber(p.records_a)}</td>
                    <td class="num">{p.records_b === null ? '—' : fmtNumber(p.records_b)}</td>
                    <td class="num">{p.status === 'matched' ? fmtNumber(p.pairs) : '—'}</td>
                    <td>{fmtDateTime(p.created_at)}</td>
                  </tr>
                ))}
              </DataTable>
            )
          }
        </Async>
      </section>
      {may('linkage.manage') ? (
        <section class="card" aria-labelledby="linkage-new-title">
          <h2 id="linkage-new-title">{t('linkage.new.title')}</h2>
          <p class="muted">
            {t('linkage.new.intro', { partner: agencyName(partnerOf(me.user.agency)) })}
          </p>
          <form onSubmit={submitWith(create.run)}>
            <div class="row">
              <Field label={t('linkage.new.name')}>
                <input
                  name="name"
                  required
                  maxLength={200}
                  value={name}
                  onInput={(e) => setName((e.target as HTMLInputElement).value)}
                />
              </Field>
              <Field label={t('linkage.new.threshold')} hint={t('linkage.new.threshold_hint')}>
                <input
                  name="threshold"
                  type="number"
                  min="0.5"
                  max="1"
                  step="0.005"
                  value={threshold}
                  onInput={(e) => setThreshold((e.target as HTMLInputElement).value)}
                />
              </Field>
            </div>
            <p class="muted">{t('linkage.new.schema')}</p>
            <ErrorBox error={create.error} />
            <button type="submit" disabled={create.busy}>
              {t('linkage.new.submit')}
            </button>
          </form>
        </section>
      ) : null}
    </>
  );
}

// References for the CLKs, read in the browser and never uploaded with names: a text file with
// one reference per line, or the CSV given to `kenes link encode` (only its "id" column is read).
function parseRefs(text: string): string[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  const header = lines[0]?.split(',').map((s) => s.trim().replace(/^"|"$/g, '')) ?? [];
  const idCol = header.indexOf('id');
  if (lines.length && header.length > 1 && idCol >= 0) {
    return lines.slice(1).map((l) => (l.split(',')[idCol] ?? '').trim().replace(/^"|"$/g, ''));
  }
  return lines.map((l) => l.trim());
}

function UploadForm({ project, onDone }: { project: Project; onDone: (p: Project) => void }) {
  useLang();
  const [clkFile, setClkFile] = useState<File | null>(null);
  const [refsFile, setRefsFile] = useState<File | null>(null);
  const upload = useAction(async () => {
    if (!clkFile) throw new ApiError(400, { detail: t('linkage.upload.no_file') });
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(await clkFile.text());
    } catch {
      throw new ApiError(400, { detail: t('linkage.upload.not_json') });
    }
    if (!doc || typeof doc !== 'object' || !Array.isArray(doc.clks)) {
      throw new ApiError(400, { detail: t('linkage.upload.not_clks') });
    }
    const body: Record<string, unknown> = { clks: doc.clks };
    if (doc.kenes && typeof doc.kenes === 'object') body.kenes = doc.kenes;
    if (refsFile) {
      const refs = parseRefs(await refsFile.text());
      if (refs.length !== doc.clks.length) {
        throw new ApiError(400, {
          detail: t('linkage.upload.refs_mismatch', { refs: refs.length, clks: (doc.clks as unknown[]).length }),
        });
      }
      body.refs = refs;
    }
    onDone(await api.put<Project>(`/api/v1/linkage/projects/${project.id}/clks`, body));
  });
  return (
    <form onSubmit={submitWith(upload.run)}>
      <div class="row">
        <Field label={t('linkage.upload.clk_file')} hint={t('linkage.upload.clk_hint')}>
          <input
            type="file"
            name="clks"
            accept=".json,application/json"
            required
            onChange={(e) => setClkFile((e.target as HTMLInputElement).files?.[0] ?? null)}
          />
        </Field>
        <Field label={t('linkage.upload.refs_file')} hint={t('linkage.upload.refs_hint')}>
          <input
            type="file"
            name="refs"
            accept=".txt,.csv,text/plain,text/csv"
            onChange={(e) => setRefsFile((e.target as HTMLInputElement).files?.[0] ?? null)}
          />
        </Field>
      </div>
      <ErrorBox error={upload.error} />
      <button type="submit" disabled={upload.busy}>
        {upload.busy ? t('linkage.upload.busy') : t('linkage.upload.submit')}
      </button>
    </form>
  );
}

// The case page with its referral form opened and the pair filled in.
function referUrl(caseId: number, pairRef: string): string {
  return `/cases/${caseId}${query({ refer_pair: pairRef })}`;
}

function shorten(s: string, n: number): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

// Referring one pair: what the pair is (a probable match, with its similarity), then either a new
// case opened for it or one of the agency's open cases, and on to that case's referral form.
function ReferPair({
  project,
  pair,
  partner,
  onClose,
}: {
  project: Project;
  pair: Pair;
  partner: string;
  onClose: () => void;
}) {
  useLang();
  const { route } = useLocation();
  const cases = useLoad(
    (signal) => api.get<{ items: CaseItem[] }>('/api/v1/cases', signal).then((d) => d.items.filter((k) => k.status !== 'closed')),
    [],
  );
  const [caseId, setCaseId] = useState('');
  const similarity = fmtNumber(pair.similarity, 3);
  const record = pair.own_ref ?? t('linkage.refer.row', { row: fmtNumber(pair.own_index + 1) });
  const open = useAction(async () => {
    // The description may cross to the partner (it is in the minimal set of a referral), so it
    // names the pair, which both sides hold, and not this agency's own reference.
    const k = await api.post<CaseItem>('/api/v1/cases', {
      source: 'officer',
      language: lang(),
      what_happened: t('linkage.refer.case_text', {
        pair: pair.pair_ref,
        similarity,
        project: project.name,
        partner: agencyName(partner),
      }),
    });
    route(referUrl(k.id, pair.pair_ref));
  });
  const chosenCase = cases.data?.find((k) => String(k.id) === caseId);
  // The panel opens under the table: bring it into view, its heading focused for screen readers.
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.scrollIntoView({ block: 'nearest' });
    heading.current?.focus({ preventScroll: true });
  }, []);
  return (
    <section class="card" id="linkage-refer" aria-labelledby="linkage-refer-title">
      <h3 id="linkage-refer-title" ref={heading} tabIndex={-1}>{t('linkage.refer.title', { pair: pair.pair_ref })}</h3>
      <p>
        {t('linkage.refer.what', {
          record,
          partner: agencyName(partner),
          similarity,
          threshold: fmtNumber(project.threshold, 3),
        })}
      </p>
      <p class="muted">{t('linkage.refer.crosses', { partner: agencyName(partner) })}</p>
      <div class="grid">
        <div>
          <h4>{t('linkage.refer.new_title')}</h4>
          <p class="field-hint">{t('linkage.refer.new_hint')}</p>
          <ErrorBox error={open.error} />
          <button type="button" name="open-case-and-refer" disabled={open.busy} onClick={() => open.run()}>
            {t('linkage.refer.new_submit')}
          </button>
        </div>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (chosenCase) route(referUrl(chosenCase.id, pair.pair_ref));
          }}
        >
          <h4>{t('linkage.refer.existing_title')}</h4>
          <Async state={cases}>
            {(items) =>
              items.length === 0 ? (
                <p class="muted">{t('linkage.refer.no_cases')}</p>
              ) : (
                <>
                  <Field label={t('linkage.refer.case')} hint={t('linkage.refer.case_hint')}>
                    <select
                      name="case"
                      required
                      value={caseId}
                      onChange={(e) => setCaseId((e.target as HTMLSelectElement).value)}
                    >
                      <option value="" disabled>
                        {t('linkage.refer.choose_case')}
                      </option>
                      {items.map((k) => (
                        <option key={k.id} value={String(k.id)}>
                          {k.reference} · {t(`cases.status.${k.status}`)} · {shorten(k.what_happened, 60)}
                        </option>
                      ))}
                    </select>
                  </Field>
                  <button type="submit" name="refer-existing-case" disabled={!chosenCase}>
                    {t('linkage.refer.existing_submit')}
                  </button>
                </>
              )
            }
          </Async>
        </form>
      </div>
      <p>
        <button type="button" class="secondary" onClick={onClose}>
          {t('common.cancel')}
        </button>
      </p>
    </section>
  );
}

function Pairs({ project }: { project: Project }) {
  useLang();
  const { may, me } = useSession();
  const side = me.user.agency === project.party_a ? 'a' : me.user.agency === project.party_b ? 'b' : null;
  const partner = side === 'a' ? project.party_b : project.party_a;
  const canRefer = may('case.write') && side !== null;
  const [chosen, setChosen] = useState<Pair | null>(null);
  const [pairs, setPairs] = useState<Pair[] | undefined>(undefined);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const load = async (after: number, signal?: AbortSignal) => {
    setBusy(true);
    setError(null);
    try {
      const r = await api.get<{ pairs: Pair[]; next_after: number | null }>(
        `/api/v1/linkage/projects/${project.id}/pairs${query({ after: after || undefined, limit: PAIRS_PER_REQUEST })}`,
        signal,
      );
      if (signal?.aborted) return;
      setPairs((old) => (after && old ? [...old, ...r.pairs] : r.pairs));
      setNext(r.next_after);
    } catch (e) {
      if (!signal?.aborted) setError(e);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    const c = new AbortController();
    setPairs(undefined);
    load(0, c.signal);
    return () => c.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [project.id, project.matched_at]);
  return (
    <section aria-labelledby="linkage-pairs-title">
      <h2 id="linkage-pairs-title">
        {t('linkage.pairs.title')} <span class="muted">({fmtNumber(project.pairs)})</span>
      </h2>
      <p class="muted">{t('linkage.pairs.intro')}</p>
      {canRefer ? <p class="muted">{t('linkage.pairs.refer_intro', { partner: agencyName(partner) })}</p> : null}
      <ErrorBox error={error} />
      {pairs === undefined && !error ? (
        <Loading />
      ) : null}
      {pairs !== undefined && pairs.length === 0 ? <p class="muted">{t('linkage.pairs.none')}</p> : null}
      {pairs !== undefined && pairs.length > 0 ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col" class="num">#</th>
                <th scope="col">{t('linkage.col.own_ref')}</th>
                <th scope="col" class="num">{t('linkage.col.own_index')}</th>
                <th scope="col">{t('linkage.col.pair_ref')}</th>
                <th scope="col" class="num">{t('linkage.col.similarity')}</th>
                {canRefer ? <th scope="col">{t('common.actions')}</th> : null}
              </tr>
            </thead>
            <tbody>
              {pairs.map((p) => (
                <tr key={p.seq}>
                  <td class="num">{fmtNumber(p.seq)}</td>
                  <td>{p.own_ref ?? <span class="muted">{t('linkage.pairs.no_ref')}</span>}</td>
                  <td class="num">{fmtNumber(p.own_index + 1)}</td>
                  <td>
                    <code>{p.pair_ref}</code>
                  </td>
                  <td class="num">{fmtNumber(p.similarity, 3)}</td>
                  {canRefer ? (
                    <td>
                      <button
                        type="button"
                        class="secondary"
                        name="refer-pair"
                        data-pair={p.pair_ref}
                        aria-expanded={chosen?.seq === p.seq}
                        onClick={() => setChosen(chosen?.seq === p.seq ? null : p)}
                      >
                        {t('linkage.pairs.refer')}
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {next !== null ? (
        <p>
          <button type="button" class="secondary" disabled={busy} onClick={() => load(next)}>
            {t('linkage.pairs.more')}
          </button>
        </p>
      ) : null}
      {canRefer && chosen ? (
        <ReferPair
          key={chosen.pair_ref}
          project={project}
          pair={chosen}
          partner={partner}
          onClose={() => setChosen(null)}
        />
      ) : null}
    </section>
  );
}

function ProjectDetail({ id }: { id: number }) {
  useLang();
  const { may, me } = useSession();
  const state = useLoad((signal) => api.get<Project>(`/api/v1/linkage/projects/${id}`, signal), [id]);
  const [live, setLive] = useState<Project | null>(null);
  const [pollError, setPollError] = useState<unknown>(null);
  const timer = useRef<number | undefined>(undefined);
  const p = live ?? state.data;
  const running = p?.status === 'queued' || p?.status === 'running';

  // Poll the project while its match is queued or running.
  useEffect(() => {
    if (!running) return;
    const ctrl = new AbortController();
    const tick = async () => {
      try {
        const next = await api.get<Project>(`/api/v1/linkage/projects/${id}`, ctrl.signal);
        setPollError(null);
        setLive(next);
      } catch (e) {
        if (!ctrl.signal.aborted) setPollError(e);
      }
    };
    timer.current = window.setInterval(tick, POLL_MS);
    return () => {
      ctrl.abort();
      window.clearInterval(timer.current);
    };
  }, [id, running]);

  const match = useAction(async () => {
    setLive(await api.post<Project>(`/api/v1/linkage/projects/${id}/match`));
  });

  if (!p) {
    return (
      <>
        <PageHeader title={t('linkage.title')} />
        <Async state={state}>{() => null}</Async>
      </>
    );
  }
  const side = me.user.agency === p.party_a ? 'a' : me.user.agency === p.party_b ? 'b' : null;
  const mine = side === 'a' ? p.records_a : side === 'b' ? p.records_b : null;
  const theirs = side === 'a' ? p.records_b : side === 'b' ? p.records_a : null;
  const partner = side === 'a' ? p.party_b : p.party_a;
  const locked = p.status === 'queued' || p.status === 'running' || p.status === 'matched';
  const canManage = may('linkage.manage') && side !== null;
  const bothUploaded = p.records_a !== null && p.records_b !== null;
  return (
    <>
      <PageHeader title={p.name}>
        <a class="button secondary" href="/linkage">
          {t('linkage.back')}
        </a>
      </PageHeader>
      <section class="card" aria-labelledby="linkage-state-title">
        <h2 id="linkage-state-title">{t('linkage.state.title')}</h2>
        <dl class="linkage-dl">
          <Fact label={t('common.status')}>
            <Badge kind={statusKind(p.status)}>{statusName(p.status)}</Badge>
          </Fact>
          <Fact label={t('linkage.col.parties')}>
            {agencyName(p.party_a)} ↔ {agencyName(p.party_b)}
          </Fact>
          <Fact label={t('linkage.col.schema')}>
            <code>{p.schema.startsWith('{') ? t('linkage.custom_schema') : p.schema}</code> ·{' '}
            {t('linkage.bits', { n: fmtNumber(p.clk_bits) })}
          </Fact>
          <Fact label={t('linkage.col.threshold')}>{fmtNumber(p.threshold, 3)}</Fact>
          <Fact label={t('linkage.col.own_upload')}>
            {mine === null ? t('linkage.not_uploaded') : t('linkage.records', { n: fmtNumber(mine) })}
          </Fact>
          <Fact label={t('linkage.col.partner_upload', { partner })}>
            {theirs === null ? t('linkage.not_uploaded') : t('linkage.records', { n: fmtNumber(theirs) })}
          </Fact>
          {p.matched_at ? (
            <Fact label={t('linkage.col.matched_at')}>{fmtDateTime(p.matched_at)}</Fact>
          ) : null}
          {p.status === 'matched' ? (
            <Fact label={t('linkage.col.candidates')}>{fmtNumber(p.candidates)}</Fact>
          ) : null}
        </dl>
        {p.status === 'failed' && p.message ? (
          <p class="error" role="alert">
            {t('linkage.failed', { message: p.message })}
          </p>
        ) : null}
        {running ? (
          <div class="linkage-progress">
            <progress max={100} value={Math.round(p.progress * 100)} aria-label={t('linkage.match.progress')} />
            <p role="status">
              {t('linkage.match.running', {
                status: statusName(p.status),
                percent: fmtNumber(Math.round(p.progress * 100)),
              })}
            </p>
          </div>
        ) : null}
        <ErrorBox error={pollError} />
      </section>

      {canManage ? (
        <section class="card" aria-labelledby="linkage-upload-title">
          <h2 id="linkage-upload-title">{t('linkage.upload.title')}</h2>
          <p class="muted">{t('linkage.upload.intro')}</p>
          {locked ? (
            <p class="notice">{t('linkage.upload.locked')}</p>
          ) : (
            <UploadForm project={p} onDone={setLive} />
          )}
        </section>
      ) : null}

      {canManage ? (
        <section class="card" aria-labelledby="linkage-match-title">
          <h2 id="linkage-match-title">{t('linkage.match.title')}</h2>
          {!bothUploaded ? <p class="muted">{t('linkage.match.not_ready')}</p> : null}
          {p.status === 'matched' ? <p class="muted">{t('linkage.match.rerun_note')}</p> : null}
          <ErrorBox error={match.error} />
          <button type="button" disabled={!bothUploaded || running || match.busy} onClick={() => match.run()}>
            {p.status === 'matched' || p.status === 'failed' ? t('linkage.match.rerun') : t('linkage.match.start')}
          </button>
        </section>
      ) : null}

      {p.status === 'matched' ? <Pairs project={p} /> : null}
    </>
  );
}

export default function Page() {
  useLang();
  const { path } = useLocation();
  const p = path.replace(/\/+$/, '') || '/linkage';
  const m = /^\/linkage\/(\d+)$/.exec(p);
  if (m) return <ProjectDetail key={m[1]} id={Number(m[1])} />;
  if (p === '/linkage') return <ProjectsList />;
  return <PageHeader title={t('common.not_found_page')} />;
}
