// One case: what it is and what needs doing next, its classification by the ILO indicators and
// categories (with the risk score the server computes), the workflow, assignment, notes,
// attachments, possible duplicates, the subjects it is about (registry workers, providers,
// employers, Kazakh agencies), the timeline, and referring it to the partner agency with exactly
// the chosen fields and, optionally, a record-linkage pair (?refer_pair= opens the form with it).
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { api, ApiError, query } from '../api';
import { fmtDate, fmtDateTime, fmtNumber, has, lang, languageName, t } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { submitWith, useAction, useLang, useLoad } from '../ui/hooks';
import { Badge, DataTable, Fact, Field, Loading, PageHeader, TextPostForm } from '../ui/widgets';
import {
  CategoryChecks,
  LABOUR_AGENCIES,
  OverdueBadge,
  RiskBadge,
  STATUSES,
  StatusBadge,
  codeName,
  sourceName,
  useTaxonomy,
  type CaseSummary,
  type Taxonomy,
} from './cases';
import { ReferralStatusBadge, type Referral } from './referrals';

interface TimelineEvent {
  at: string;
  kind: string;
  actor: string;
  detail: any;
}
interface Note {
  at: string;
  author: string;
  body: string;
}
interface Attachment {
  seq: number;
  name: string;
  media_type: string;
  size: number;
  sha256: string;
  at: string;
  author: string;
}
// A registry record the case is about. Workers' names stay sealed (null).
export interface CaseSubject {
  seq: number;
  kind: 'worker' | 'provider' | 'organisation';
  id: number;
  role: string;
  name: string | null;
  at: string;
  author: string;
}
export interface CaseFull extends CaseSummary {
  timeline: TimelineEvent[];
  notes: Note[];
  possible_duplicates: number[];
  attachments: Attachment[];
  subjects?: CaseSubject[];
}
interface User {
  id: number;
  username: string;
  display_name: string;
  agency: string;
  roles: string[];
  disabled: boolean;
}

// The fields a referral may carry (the server's allow-list) and the minimal default.
export const SHAREABLE_FIELDS = [
  'worker_name',
  'date_of_birth',
  'provider_name',
  'employer_name',
  'location',
  'indicators',
  'categories',
  'what_happened',
  'contact',
];
export const MINIMAL_FIELDS = ['worker_name', 'date_of_birth', 'provider_name', 'indicators', 'what_happened'];
const MAX_ATTACHMENT = 10 << 20;

export function fmtBytes(n: number): string {
  if (n < 1024) return t('cases.bytes', { n: fmtNumber(n) });
  if (n < 1 << 20) return t('cases.kib', { n: fmtNumber(n / 1024, 1) });
  return t('cases.mib', { n: fmtNumber(n / (1 << 20), 1) });
}

// Indicators as "name (strong)" chips, strongest first.
export function IndicatorList({ flags, taxonomy }: { flags: Record<string, string>; taxonomy?: Taxonomy }) {
  const entries = Object.entries(flags ?? {}).sort((a, b) => (a[1] === b[1] ? 0 : a[1] === 'strong' ? -1 : 1));
  if (!entries.length) return <span class="muted">{t('cases.classify.none')}</span>;
  return (
    <ul class="chips">
      {entries.map(([code, strength]) => (
        <li>
          <Badge kind={strength === 'strong' ? 'danger' : 'warn'}>
            {codeName(taxonomy?.indicators, code)} · {t(`cases.strength.${strength === 'strong' ? 'strong' : 'medium'}`)}
          </Badge>
        </li>
      ))}
    </ul>
  );
}

export default function CaseDetailPage() {
  useLang();
  const { params } = useRoute();
  const id = params.id;
  const { me, may } = useSession();
  const taxonomy = useTaxonomy();
  const state = useLoad((s) => api.get<CaseFull>(`/api/v1/cases/${encodeURIComponent(id)}`, s), [id]);
  const [freshCase, setFreshCase] = useState<CaseFull | null>(null);
  useEffect(() => setFreshCase(null), [id]);
  // The answers to changes (PATCH, notes, attachments) carry no duplicate hints: keep those of
  // the last GET.
  const setFresh = (c: CaseFull) =>
    setFreshCase({ ...c, possible_duplicates: c.possible_duplicates?.length ? c.possible_duplicates : state.data?.possible_duplicates ?? [] });
  const k = freshCase ?? state.data;
  const referrals = useLoad(
    (s) => api.get<{ items: Referral[] }>('/api/v1/referrals', s),
    [id],
  );
  // Supervisors may list their agency's users: names for the assignee, and whom to assign.
  const users = useLoad<User[]>(
    (s) =>
      may('user.list')
        ? api.get<{ users: User[] }>('/api/v1/users', s).then((d) => d.users)
        : Promise.resolve([]),
    [],
  );
  const userName = (uid: number | null) => {
    if (uid === null) return t('cases.assign.nobody');
    if (uid === me.user.id) return t('cases.assign.you', { name: me.user.display_name || me.user.username });
    const u = users.data?.find((x) => x.id === uid);
    return u ? u.display_name || u.username : t('cases.assign.user_n', { id: uid });
  };

  if (state.error) {
    return (
      <section>
        <PageHeader title={t('cases.detail.title_unknown')}>
          <a href="/cases">{t('cases.detail.back')}</a>
        </PageHeader>
        <ErrorBox error={state.error} onRetry={state.reload} />
      </section>
    );
  }
  if (!k) {
    return <Loading />;
  }
  const writable = may('case.write') && k.status !== 'closed';
  const caseReferrals = (referrals.data?.items ?? []).filter((r) => r.case_id === k.id);

  return (
    <section class="case-detail">
      <PageHeader title={t('cases.detail.title', { reference: k.reference })}>
        <a href="/cases">{t('cases.detail.back')}</a>
      </PageHeader>

      <section class="card case-summary" aria-label={t('cases.detail.summary')}>
        <dl class="case-facts">
          <Fact label={t('common.status')}>
            <StatusBadge status={k.status} />
          </Fact>
          <Fact label={t('cases.field.risk')}>
            <RiskBadge risk={k.risk} />
          </Fact>
          <Fact label={t('cases.field.assigned_to')}>{userName(k.assigned_to)}</Fact>
          <Fact label={t('cases.field.source')}>{sourceName(k.source)}</Fact>
          <Fact label={t('common.created')}>{fmtDateTime(k.created_at)}</Fact>
          {k.status === 'new' ? (
            <Fact label={t('cases.field.due_at')}>
              {fmtDateTime(k.due_at)}
              <OverdueBadge overdue={k.overdue} />
            </Fact>
          ) : null}
        </dl>
        {k.risk.escalate && k.status !== 'closed' ? (
          <p class="error" role="note">
            <strong>{t('cases.risk.escalate')}</strong>
          </p>
        ) : null}
        <NextStep k={k} />
      </section>

      {k.possible_duplicates.length ? (
        <div class="notice" role="note">
          <strong>{t('cases.dup.title')}</strong>{' '}
          {t('cases.dup.text')}{' '}
          {k.possible_duplicates.map((d, i) => (
            <>
              {i ? ', ' : ''}
              <a href={`/cases/${d}`}>{t('cases.dup.case_n', { id: d })}</a>
            </>
          ))}
        </div>
      ) : null}

      <div class="grid">
        <Workflow k={k} onChanged={setFresh} />
        {may('case.supervise') && k.status !== 'closed' ? (
          <Assignment k={k} users={users.data ?? []} usersError={users.error} onChanged={setFresh} />
        ) : null}
      </div>

      <Details k={k} writable={writable} onChanged={setFresh} />
      <Subjects k={k} writable={writable} onChanged={setFresh} />
      <Classification k={k} taxonomy={taxonomy.data} writable={writable} onChanged={setFresh} />

      <section class="card" aria-labelledby="refs-title">
        <h2 id="refs-title">{t('cases.refer.section')}</h2>
        {referrals.error ? <ErrorBox error={referrals.error} onRetry={referrals.reload} /> : null}
        {caseReferrals.length ? (
          <ul class="plain-list">
            {caseReferrals.map((r) => (
              <li>
                <a href={`/referrals/${r.id}`}>{t('referrals.title_n', { id: r.id })}</a> →{' '}
                {t(`agency.${r.to_agency}`)} · <ReferralStatusBadge status={r.status} /> ·{' '}
                {fmtDateTime(r.created_at)}
              </li>
            ))}
          </ul>
        ) : (
          <p class="muted">{t('cases.refer.none')}</p>
        )}
        {writable && LABOUR_AGENCIES.includes(me.user.agency) ? <ReferForm k={k} taxonomy={taxonomy.data} /> : null}
      </section>

      <Notes k={k} writable={may('case.write')} onChanged={setFresh} />
      <Attachments k={k} writable={may('case.write')} onChanged={setFresh} />
      <Timeline k={k} taxonomy={taxonomy.data} userName={userName} />
    </section>
  );
}

// What the reader should do next, in one sentence.
function NextStep({ k }: { k: CaseFull }) {
  const { may } = useSession();
  let key = '';
  if (k.status === 'new') key = k.overdue ? 'cases.next.triage_overdue' : 'cases.next.triage';
  else if (k.status === 'triaged') key = 'cases.next.investigate';
  else if (k.status === 'investigating') key = 'cases.next.act';
  else if (k.status === 'action_taken') key = may('case.supervise') ? 'cases.next.close' : 'cases.next.close_supervisor';
  else if (k.status === 'closed') key = 'cases.next.closed';
  if (!key) return null;
  return (
    <p class="case-next">
      <strong>{t('cases.next.label')}</strong> {t(key, { due: fmtDateTime(k.due_at), reason: k.closed_reason || '—' })}
    </p>
  );
}

function Workflow({ k, onChanged }: { k: CaseFull; onChanged: (c: CaseFull) => void }) {
  const { may } = useSession();
  const [closing, setClosing] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction(async (body: Record<string, unknown>) => {
    const c = await api.patch<CaseFull>(`/api/v1/cases/${k.id}`, body);
    onChanged(c);
    setClosing(false);
    setReason('');
    return c;
  });
  const at = STATUSES.indexOf(k.status as any);
  // One step forward; the step into "closed" is the supervisor's close below.
  const next = at >= 0 && at + 1 < STATUSES.length - 1 ? STATUSES[at + 1] : null;
  const canWrite = may('case.write');
  const canClose = may('case.supervise') && k.status !== 'closed';

  return (
    <section class="card" aria-labelledby="wf-title">
      <h2 id="wf-title">{t('cases.workflow.title')}</h2>
      <ol class="steps" aria-label={t('cases.workflow.steps')}>
        {STATUSES.map((s, i) => (
          <li
            class={i < at ? 'done' : i === at ? 'current' : ''}
            aria-current={i === at ? 'step' : undefined}
          >
            {t(`cases.status.${s}`)}
          </li>
        ))}
      </ol>
      {k.status === 'closed' ? (
        <p>
          <strong>{t('cases.field.closed_reason')}:</strong> {k.closed_reason || '—'}
        </p>
      ) : null}
      <div class="row">
        {canWrite && next ? (
          <button
            type="button"
            name="advance"
            data-to={next}
            disabled={action.busy}
            onClick={() => action.run({ status: next })}
          >
            {t('cases.workflow.move_to', { status: t(`cases.status.${next}`) })}
          </button>
        ) : null}
        {canClose && !closing ? (
          <button type="button" class="secondary" name="close" onClick={() => setClosing(true)}>
            {t('cases.workflow.close')}
          </button>
        ) : null}
      </div>
      {canWrite && !canClose && k.status !== 'closed' ? (
        <p class="field-hint">{t('cases.workflow.close_hint')}</p>
      ) : null}
      {closing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            action.run({ status: 'closed', closed_reason: reason.trim() });
          }}
        >
          <Field label={t('cases.field.closed_reason')} hint={t('cases.workflow.reason_hint')}>
            <textarea
              name="closed_reason"
              required
              maxLength={500}
              rows={3}
              value={reason}
              onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
            />
          </Field>
          <div class="row">
            <button type="submit" class="danger" disabled={action.busy}>
              {t('cases.workflow.close_confirm')}
            </button>
            <button type="button" class="secondary" onClick={() => setClosing(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      ) : null}
      <ErrorBox error={action.error} />
    </section>
  );
}

function Assignment({
  k,
  users,
  usersError,
  onChanged,
}: {
  k: CaseFull;
  users: User[];
  usersError: unknown;
  onChanged: (c: CaseFull) => void;
}) {
  const candidates = users.filter(
    (u) => !u.disabled && u.agency === k.agency && u.roles.some((r) => r === 'officer' || r === 'supervisor'),
  );
  const [to, setTo] = useState(k.assigned_to ? String(k.assigned_to) : '');
  const action = useAction(async () => {
    const c = await api.patch<CaseFull>(`/api/v1/cases/${k.id}`, { assigned_to: Number(to) });
    onChanged(c);
    return c;
  });
  return (
    <section class="card" aria-labelledby="assign-title">
      <h2 id="assign-title">{t('cases.assign.title')}</h2>
      <ErrorBox error={usersError} />
      <form
        class="row"
        onSubmit={submitWith(action.run)}
      >
        <Field label={t('cases.field.assigned_to')}>
          <select name="assigned_to" required value={to} onChange={(e) => setTo((e.target as HTMLSelectElement).value)}>
            <option value="" disabled>
              {t('cases.assign.choose')}
            </option>
            {candidates.map((u) => (
              <option value={String(u.id)}>
                {u.display_name || u.username} — {u.roles.map((r) => t(`role.${r}`)).join(', ')}
              </option>
            ))}
          </select>
        </Field>
        <button type="submit" disabled={action.busy || !to || to === String(k.assigned_to ?? '')}>
          {t('cases.assign.submit')}
        </button>
      </form>
      <ErrorBox error={action.error} />
    </section>
  );
}

function Details({ k, writable, onChanged }: { k: CaseFull; writable: boolean; onChanged: (c: CaseFull) => void }) {
  const [editing, setEditing] = useState(false);
  const [v, setV] = useState({ worker_name: '', date_of_birth: '', employer_name: '' });
  const action = useAction(async () => {
    const c = await api.patch<CaseFull>(`/api/v1/cases/${k.id}`, v);
    onChanged(c);
    setEditing(false);
    return c;
  });
  const row = (label: string, value: string | null | undefined, field: string) => (
    <Fact label={label} field={field}>{value ? value : <span class="muted">{t('cases.field.empty')}</span>}</Fact>
  );
  return (
    <section class="card" aria-labelledby="details-title">
      <h2 id="details-title">{t('cases.details.title')}</h2>
      <dl class="case-fields">
        {row(t('cases.field.what_happened'), k.what_happened, 'what_happened')}
        {row(t('cases.field.worker_name'), k.worker_name, 'worker_name')}
        {row(t('cases.field.date_of_birth'), k.date_of_birth ? fmtDate(k.date_of_birth) : '', 'date_of_birth')}
        {row(t('cases.field.provider_name'), k.provider_name, 'provider_name')}
        {row(t('cases.field.employer_name'), k.employer_name, 'employer_name')}
        {row(t('cases.field.location'), k.location, 'location')}
        {row(t('cases.field.contact'), k.contact, 'contact')}
        {row(t('cases.field.language'), languageName(k.language), 'language')}
        {k.worker_id ? row(t('cases.field.worker_id'), String(k.worker_id), 'worker_id') : null}
      </dl>
      {writable && !editing ? (
        <button
          type="button"
          class="secondary"
          name="edit-details"
          onClick={() => {
            setV({ worker_name: k.worker_name, date_of_birth: k.date_of_birth, employer_name: k.employer_name });
            setEditing(true);
          }}
        >
          {t('cases.details.edit')}
        </button>
      ) : null}
      {editing ? (
        <form onSubmit={submitWith(action.run)}>
          <p class="field-hint">{t('cases.details.edit_hint')}</p>
          <div class="grid">
            <Field label={t('cases.field.worker_name')}>
              <input
                name="worker_name"
                maxLength={200}
                value={v.worker_name}
                onInput={(e) => setV({ ...v, worker_name: (e.target as HTMLInputElement).value })}
              />
            </Field>
            <Field label={t('cases.field.date_of_birth')}>
              <input
                name="date_of_birth"
                type="date"
                value={v.date_of_birth}
                onInput={(e) => setV({ ...v, date_of_birth: (e.target as HTMLInputElement).value })}
              />
            </Field>
            <Field label={t('cases.field.employer_name')}>
              <input
                name="employer_name"
                maxLength={200}
                value={v.employer_name}
                onInput={(e) => setV({ ...v, employer_name: (e.target as HTMLInputElement).value })}
              />
            </Field>
          </div>
          <ErrorBox error={action.error} />
          <div class="row">
            <button type="submit" name="save-details" disabled={action.busy}>
              {t('common.save')}
            </button>
            <button type="button" class="secondary" onClick={() => setEditing(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}

function Classification({
  k,
  taxonomy,
  writable,
  onChanged,
}: {
  k: CaseFull;
  taxonomy?: Taxonomy;
  writable: boolean;
  onChanged: (c: CaseFull) => void;
}) {
  const [flags, setFlags] = useState<Record<string, string>>(k.indicators);
  const [cats, setCats] = useState<string[]>(k.categories);
  const [saved, setSaved] = useState(false);
  // A newer copy of the case (after any change) resets the form to what the server holds.
  useEffect(() => {
    setFlags(k.indicators);
    setCats(k.categories);
  }, [k]);
  const dirty = useMemo(
    () =>
      JSON.stringify(Object.entries(flags).sort()) !== JSON.stringify(Object.entries(k.indicators).sort()) ||
      JSON.stringify([...cats].sort()) !== JSON.stringify([...k.categories].sort()),
    [flags, cats, k],
  );
  const action = useAction(async () => {
    // Only what changed, so the timeline records what the officer actually did.
    const body: Record<string, unknown> = {};
    if (JSON.stringify(Object.entries(flags).sort()) !== JSON.stringify(Object.entries(k.indicators).sort())) {
      body.indicators = flags;
    }
    if (JSON.stringify([...cats].sort()) !== JSON.stringify([...k.categories].sort())) body.categories = cats;
    const c = await api.patch<CaseFull>(`/api/v1/cases/${k.id}`, body);
    onChanged(c);
    setSaved(true);
    return c;
  });

  return (
    <section class="card" aria-labelledby="class-title">
      <h2 id="class-title">{t('cases.classify.title')}</h2>
      <p class="field-hint">{t('cases.classify.hint')}</p>
      {!writable ? (
        <>
          <h3>{t('cases.field.indicators')}</h3>
          <IndicatorList flags={k.indicators} taxonomy={taxonomy} />
          <h3>{t('cases.field.categories')}</h3>
          <p>{k.categories.length ? k.categories.map((c) => codeName(taxonomy?.categories, c)).join(', ') : '—'}</p>
        </>
      ) : !taxonomy ? (
        <Loading />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setSaved(false);
            action.run();
          }}
        >
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">{t('cases.field.indicators')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('cases.classify.indicator')}</th>
                  <th scope="col">{t('cases.classify.strength')}</th>
                </tr>
              </thead>
              <tbody>
                {taxonomy.indicators.map((i) => (
                  <tr>
                    <td id={`ind-${i.code}`}>{i[lang()]}</td>
                    <td>
                      <select
                        name={`indicator-${i.code}`}
                        aria-labelledby={`ind-${i.code}`}
                        value={flags[i.code] ?? ''}
                        onChange={(e) => {
                          const v = (e.target as HTMLSelectElement).value;
                          const next = { ...flags };
                          if (v) next[i.code] = v;
                          else delete next[i.code];
                          setFlags(next);
                          setSaved(false);
                        }}
                      >
                        <option value="">{t('cases.strength.none')}</option>
                        <option value="medium">{t('cases.strength.medium')}</option>
                        <option value="strong">{t('cases.strength.strong')}</option>
                      </select>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <fieldset>
            <legend>{t('cases.field.categories')}</legend>
            <CategoryChecks
              categories={taxonomy.categories}
              selected={cats}
              onChange={(l) => {
                setCats(l);
                setSaved(false);
              }}
            />
          </fieldset>
          <ErrorBox error={action.error} />
          <div class="row">
            <button type="submit" name="save-classification" disabled={action.busy || !dirty}>
              {t('cases.classify.save')}
            </button>
            {dirty ? <span class="muted">{t('cases.classify.unsaved')}</span> : null}
            {saved && !dirty ? (
              <span class="success" role="status">
                {t('cases.classify.saved', { level: t(`cases.risk.${k.risk.level || 'low'}`), score: fmtNumber(k.risk.score) })}
              </span>
            ) : null}
          </div>
        </form>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- subjects

type SubjectKind = CaseSubject['kind'];
const SUBJECT_ROLES: Record<SubjectKind, string[]> = {
  worker: ['worker'],
  provider: ['provider', 'scheme_operator'],
  organisation: ['employer', 'recruitment_agency'],
};

function subjectRoleName(role: string): string {
  const key = `cases.subjects.role.${role}`;
  return has(key) ? t(key) : role;
}

function subjectRecordLabel(kind: string, id: number): string {
  if (kind === 'worker') return t('cases.subjects.worker_n', { id });
  if (kind === 'provider') return t('cases.subjects.provider_n', { id });
  return t('cases.subjects.organisation_n', { id });
}

function subjectHref(s: { kind: string; id: number }): string {
  if (s.kind === 'worker') return `/registry/workers/${s.id}`;
  if (s.kind === 'provider') return `/registry/providers/${s.id}`;
  return `/registry/organisations/${s.id}`;
}

// One record found by the picker: what the select shows.
interface Candidate {
  id: number;
  label: string;
}

interface WorkerRecord {
  id: number;
  given_name: string | null;
  family_name: string | null;
  given_name_cyrillic: string | null;
  family_name_cyrillic: string | null;
  iin: string | null;
  passport_number: string | null;
  date_of_birth: string | null;
}

function workerLabel(w: WorkerRecord): string {
  const latin = [w.given_name, w.family_name].filter(Boolean).join(' ');
  const cyr = [w.given_name_cyrillic, w.family_name_cyrillic].filter(Boolean).join(' ');
  const name = latin && cyr ? `${latin} (${cyr})` : latin || cyr;
  const ids = [w.iin ? `${t('cases.subjects.iin')} ${w.iin}` : '', w.passport_number ?? ''].filter(Boolean).join(', ');
  const head = name ? `${name} · ${t('cases.subjects.worker_n', { id: w.id })}` : t('cases.subjects.worker_n', { id: w.id });
  return ids ? `${head} · ${ids}` : head;
}

function Subjects({ k, writable, onChanged }: { k: CaseFull; writable: boolean; onChanged: (c: CaseFull) => void }) {
  useLang();
  const { may } = useSession();
  const subjects = k.subjects ?? [];
  return (
    <section class="card case-subjects" aria-labelledby="subjects-title">
      <h2 id="subjects-title">{t('cases.subjects.title', { n: subjects.length })}</h2>
      <p class="field-hint">{t('cases.subjects.hint')}</p>
      {subjects.length ? (
        <DataTable
          tableClass="case-subjects-table"
          headers={[
            t('cases.subjects.role'),
            t('cases.subjects.record'),
            t('cases.files.added'),
          ]}
        >
          {subjects.map((s) => {
            const label = s.kind === 'worker' || !s.name ? subjectRecordLabel(s.kind, s.id) : s.name;
            const linkable = s.kind !== 'worker' || may('registry.read');
            return (
              <tr key={s.seq} data-subject-kind={s.kind} data-subject-role={s.role}>
                <td>{subjectRoleName(s.role)}</td>
                <td>{linkable ? <a href={subjectHref(s)}>{label}</a> : label}</td>
                <td>{t('cases.by', { who: s.author, at: fmtDateTime(s.at) })}</td>
              </tr>
            );
          })}
        </DataTable>
      ) : (
        <p class="muted">{t('cases.subjects.none')}</p>
      )}
      {writable ? <AddSubject k={k} onChanged={onChanged} /> : null}
    </section>
  );
}

function AddSubject({ k, onChanged }: { k: CaseFull; onChanged: (c: CaseFull) => void }) {
  useLang();
  const { may } = useSession();
  const kinds: SubjectKind[] = may('registry.read') ? ['worker', 'provider', 'organisation'] : ['provider', 'organisation'];
  const [kind, setKind] = useState<SubjectKind>(kinds[0]);
  const [role, setRole] = useState(SUBJECT_ROLES[kinds[0]][0]);
  const [by, setBy] = useState<'iin' | 'passport' | 'id'>('iin');
  const [text, setText] = useState('');
  const [found, setFound] = useState<Candidate[] | null>(null);
  const [record, setRecord] = useState('');
  const [added, setAdded] = useState(false);
  const reset = () => {
    setFound(null);
    setRecord('');
    setAdded(false);
    search.setError(null);
    add.setError(null);
  };
  const search = useAction(async () => {
    setFound(null);
    setRecord('');
    setAdded(false);
    const v = text.trim();
    let items: Candidate[] = [];
    if (kind === 'worker') {
      if (by === 'id') {
        const w = await api.get<WorkerRecord>(`/api/v1/workers/${encodeURIComponent(v)}`);
        items = [{ id: w.id, label: workerLabel(w) }];
      } else {
        const r = await api.get<{ items: WorkerRecord[] }>(`/api/v1/workers${query({ [by]: v })}`);
        items = r.items.map((w) => ({ id: w.id, label: workerLabel(w) }));
      }
    } else if (kind === 'provider') {
      const r = await api.get<{ items: { id: number; name: string; licence_number: string }[] }>(
        `/api/v1/providers${query({ q: v })}`,
      );
      items = r.items.map((p) => ({ id: p.id, label: `${p.name} · ${p.licence_number}` }));
    } else {
      const orgKind = role === 'recruitment_agency' ? 'kz_agency' : 'employer';
      const r = await api.get<{ items: { id: number; name: string; region: string; licence_number: string | null }[] }>(
        `/api/v1/organisations${query({ kind: orgKind, q: v })}`,
      );
      items = r.items.map((o) => ({
        id: o.id,
        label: [o.name, o.region, o.licence_number].filter(Boolean).join(' · '),
      }));
    }
    setFound(items);
    setRecord(items.length ? String(items[0].id) : '');
  });
  const add = useAction(async () => {
    setAdded(false);
    const c = await api.post<CaseFull>(`/api/v1/cases/${k.id}/subjects`, { kind, id: Number(record), role });
    onChanged(c);
    setAdded(true);
    return c;
  });
  const err = add.error;
  const duplicate = err instanceof ApiError && err.status === 409;
  const mismatch = err instanceof ApiError && err.status === 400;
  const searchLabel =
    kind === 'worker'
      ? t(by === 'iin' ? 'cases.subjects.by.iin' : by === 'passport' ? 'cases.subjects.by.passport' : 'cases.subjects.by.id')
      : kind === 'provider'
        ? t('cases.subjects.search_provider')
        : t('cases.subjects.search_organisation');
  return (
    <form
      class="case-add-subject"
      aria-labelledby="add-subject-title"
      onSubmit={(e) => {
        e.preventDefault();
        if (record) add.run();
      }}
    >
      <h3 id="add-subject-title">{t('cases.subjects.add')}</h3>
      <div class="row">
        <Field label={t('cases.subjects.kind')}>
          <select
            name="subject-kind"
            value={kind}
            onChange={(e) => {
              const v = (e.target as HTMLSelectElement).value as SubjectKind;
              setKind(v);
              setRole(SUBJECT_ROLES[v][0]);
              reset();
            }}
          >
            {kinds.map((x) => (
              <option value={x}>{t(`cases.subjects.kind.${x}`)}</option>
            ))}
          </select>
        </Field>
        <Field label={t('cases.subjects.role')}>
          <select
            name="subject-role"
            value={role}
            onChange={(e) => {
              setRole((e.target as HTMLSelectElement).value);
              // An organisation's role decides which register is searched.
              if (kind === 'organisation') reset();
            }}
          >
            {SUBJECT_ROLES[kind].map((r) => (
              <option value={r}>{subjectRoleName(r)}</option>
            ))}
          </select>
        </Field>
      </div>
      <div class="row">
        {kind === 'worker' ? (
          <Field label={t('cases.subjects.search_by')}>
            <select
              name="subject-by"
              value={by}
              onChange={(e) => {
                setBy((e.target as HTMLSelectElement).value as 'iin' | 'passport' | 'id');
                reset();
              }}
            >
              <option value="iin">{t('cases.subjects.by.iin')}</option>
              <option value="passport">{t('cases.subjects.by.passport')}</option>
              <option value="id">{t('cases.subjects.by.id')}</option>
            </select>
          </Field>
        ) : null}
        <Field label={searchLabel} hint={kind === 'worker' ? t('cases.subjects.worker_hint') : t('cases.subjects.search_hint')}>
          <input
            type="search"
            name="subject-search"
            autoComplete="off"
            required={kind === 'worker'}
            {...(kind === 'worker' && by !== 'passport' ? { inputMode: 'numeric' as const } : {})}
            value={text}
            onInput={(e) => setText((e.target as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter') {
                e.preventDefault();
                if (kind !== 'worker' || text.trim()) search.run();
              }
            }}
          />
        </Field>
        <button
          type="button"
          class="secondary"
          name="find-subject"
          disabled={search.busy || (kind === 'worker' && !text.trim())}
          onClick={() => search.run()}
        >
          {t('common.search')}
        </button>
      </div>
      <ErrorBox error={search.error} />
      <div aria-live="polite">
        {found !== null && found.length === 0 ? <p class="muted">{t('cases.subjects.not_found')}</p> : null}
      </div>
      {found !== null && found.length > 0 ? (
        <div class="row">
          <Field label={t('cases.subjects.record')}>
            <select name="subject-record" required value={record} onChange={(e) => setRecord((e.target as HTMLSelectElement).value)}>
              {found.map((c) => (
                <option value={String(c.id)}>{c.label}</option>
              ))}
            </select>
          </Field>
          <button type="submit" name="add-subject" disabled={add.busy || !record}>
            {t('cases.subjects.submit')}
          </button>
        </div>
      ) : null}
      {duplicate || mismatch ? (
        <div class="error" role="alert">
          <strong>{t(duplicate ? 'cases.subjects.duplicate' : 'cases.subjects.mismatch')}</strong>
          {(err as ApiError).problem.detail ? (
            <p class="error-detail">{t('error.detail', { detail: (err as ApiError).problem.detail as string })}</p>
          ) : null}
        </div>
      ) : (
        <ErrorBox error={err} />
      )}
      {added ? (
        <p class="success" role="status">
          {t('cases.subjects.added')}
        </p>
      ) : null}
    </form>
  );
}

// The value a field would carry, as text for the preview.
export function fieldText(field: string, value: unknown, taxonomy?: Taxonomy): string {
  if (field === 'indicators') {
    const flags = (value ?? {}) as Record<string, string>;
    return Object.entries(flags)
      .map(([c, s]) => `${codeName(taxonomy?.indicators, c)} (${t(`cases.strength.${s === 'strong' ? 'strong' : 'medium'}`)})`)
      .join('; ');
  }
  if (field === 'categories') {
    return ((value ?? []) as string[]).map((c) => codeName(taxonomy?.categories, c)).join('; ');
  }
  if (field === 'date_of_birth' && typeof value === 'string' && value) return fmtDate(value);
  return typeof value === 'string' ? value : value == null ? '' : String(value);
}

function ReferForm({ k, taxonomy }: { k: CaseFull; taxonomy?: Taxonomy }) {
  const { me, may } = useSession();
  const { route, query: params } = useLocation();
  const partner = LABOUR_AGENCIES.find((a) => a !== me.user.agency)!;
  const supervisor = may('case.supervise');
  // From the linkage page's pairs: the form opens with the pair filled in.
  const preselected = (params.refer_pair ?? '').trim().slice(0, 100);
  const [open, setOpen] = useState(preselected !== '');
  const [pairRef, setPairRef] = useState(preselected);
  const pair = pairRef.trim();
  const [fields, setFields] = useState<string[]>(MINIMAL_FIELDS);
  const [purpose, setPurpose] = useState('');
  const [basis, setBasis] = useState('');
  const [consent, setConsent] = useState(false);
  const [override, setOverride] = useState('');
  const action = useAction(async () => {
    const body: Record<string, unknown> = {
      to_agency: partner,
      purpose: purpose.trim(),
      legal_basis: basis.trim(),
      consent,
      fields: SHAREABLE_FIELDS.filter((f) => fields.includes(f)),
    };
    if (!consent) body.override_reason = override.trim();
    if (pair) body.pair_ref = pair;
    return api.post<Referral>(`/api/v1/cases/${k.id}/referrals`, body);
  });
  useEffect(() => {
    if (preselected) document.getElementById('refer-form')?.scrollIntoView({ block: 'start' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  // A pair the server refuses: of a project with another agency (422), or none of this agency's.
  const err = action.error;
  const pairProblem =
    err instanceof ApiError && pair
      ? err.slug === 'pair-mismatch'
        ? 'cases.refer.pair_mismatch'
        : err.status === 404
          ? 'cases.refer.pair_not_found'
          : null
      : null;
  const value = (f: string) => fieldText(f, (k as any)[f], taxonomy);
  const minimal = JSON.stringify([...fields].sort()) === JSON.stringify([...MINIMAL_FIELDS].sort());

  if (!open) {
    return (
      <button type="button" name="refer" aria-expanded="false" onClick={() => setOpen(true)}>
        {t('cases.refer.open', { agency: t(`agency.${partner}`) })}
      </button>
    );
  }
  return (
    <form
      id="refer-form"
      aria-labelledby="refer-title"
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await action.run();
        if (r) route(`/referrals/${r.id}`);
      }}
    >
      <h3 id="refer-title">{t('cases.refer.title', { agency: t(`agency.${partner}`) })}</h3>
      <fieldset>
        <legend>{t('cases.refer.fields')}</legend>
        <p class="field-hint">{t('cases.refer.fields_hint')}</p>
        {SHAREABLE_FIELDS.map((f) => {
          const text = value(f);
          return (
            <label class="check">
              <input
                type="checkbox"
                name="fields"
                value={f}
                checked={fields.includes(f)}
                onChange={(e) =>
                  setFields((e.target as HTMLInputElement).checked ? [...fields, f] : fields.filter((x) => x !== f))
                }
              />
              <span>
                {t(`cases.field.${f}`)}
                {MINIMAL_FIELDS.includes(f) ? <span class="muted"> · {t('cases.refer.minimal_tag')}</span> : null}
                {!text ? <span class="muted"> · {t('cases.field.empty')}</span> : null}
              </span>
            </label>
          );
        })}
        {!minimal ? (
          <button type="button" class="secondary" onClick={() => setFields(MINIMAL_FIELDS)}>
            {t('cases.refer.reset_minimal')}
          </button>
        ) : null}
      </fieldset>

      <Field label={t('cases.refer.pair')} hint={t('cases.refer.pair_hint', { agency: t(`agency.${partner}`) })}>
        <input
          name="pair_ref"
          maxLength={100}
          autoComplete="off"
          spellcheck={false}
          value={pairRef}
          onInput={(e) => setPairRef((e.target as HTMLInputElement).value)}
        />
      </Field>

      <div class="card refer-preview" aria-labelledby="preview-title">
        <h4 id="preview-title">{t('cases.refer.preview', { agency: t(`agency.${partner}`) })}</h4>
        {fields.length || pair ? (
          <dl class="case-fields">
            {SHAREABLE_FIELDS.filter((f) => fields.includes(f)).map((f) => (
              <div data-preview={f}>
                <dt>{t(`cases.field.${f}`)}</dt>
                <dd>{value(f) || <span class="muted">{t('cases.field.empty')}</span>}</dd>
              </div>
            ))}
            {pair ? (
              <div data-preview="pair_ref">
                <dt>{t('cases.refer.pair_label')}</dt>
                <dd>
                  <code>{pair}</code> — {t('cases.refer.pair_preview')}
                </dd>
              </div>
            ) : null}
          </dl>
        ) : null}
        {!fields.length ? <p class="error">{t('cases.refer.no_fields')}</p> : null}
        <p class="muted">
          {t('cases.refer.not_shared')}{' '}
          {SHAREABLE_FIELDS.filter((f) => !fields.includes(f))
            .map((f) => t(`cases.field.${f}`))
            .concat([t('cases.refer.never_shared')])
            .join(', ')}
        </p>
      </div>

      <Field label={t('referrals.field.purpose')} hint={t('cases.refer.purpose_hint')}>
        <textarea
          name="purpose"
          required
          maxLength={500}
          rows={2}
          value={purpose}
          onInput={(e) => setPurpose((e.target as HTMLTextAreaElement).value)}
        />
      </Field>
      <Field label={t('referrals.field.legal_basis')} hint={t('cases.refer.basis_hint')}>
        <input
          name="legal_basis"
          required
          maxLength={500}
          value={basis}
          onInput={(e) => setBasis((e.target as HTMLInputElement).value)}
        />
      </Field>
      <label class="check">
        <input
          type="checkbox"
          name="consent"
          required={!supervisor}
          checked={consent}
          onChange={(e) => setConsent((e.target as HTMLInputElement).checked)}
        />
        <span>{t('cases.refer.consent')}</span>
      </label>
      {!consent && !supervisor ? <p class="field-hint">{t('cases.refer.consent_officer_hint')}</p> : null}
      {!consent && supervisor ? (
        <Field label={t('referrals.field.override_reason')} hint={t('cases.refer.override_hint')}>
          <textarea
            name="override_reason"
            required
            maxLength={500}
            rows={2}
            value={override}
            onInput={(e) => setOverride((e.target as HTMLTextAreaElement).value)}
          />
        </Field>
      ) : null}
      {pairProblem ? (
        <div class="error" role="alert">
          <strong>{t(pairProblem, { agency: t(`agency.${partner}`) })}</strong>
          {(err as ApiError).problem.detail ? (
            <p class="error-detail">{t('error.detail', { detail: (err as ApiError).problem.detail as string })}</p>
          ) : null}
        </div>
      ) : (
        <ErrorBox error={action.error} />
      )}
      <div class="row">
        <button type="submit" name="send-referral" disabled={action.busy || !fields.length}>
          {t('cases.refer.submit', { n: fields.length })}
        </button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

function Notes({ k, writable, onChanged }: { k: CaseFull; writable: boolean; onChanged: (c: CaseFull) => void }) {
  const [text, setText] = useState('');
  const action = useAction(async () => {
    const c = await api.post<CaseFull>(`/api/v1/cases/${k.id}/notes`, { body: text });
    onChanged(c);
    setText('');
    return c;
  });
  return (
    <section class="card" aria-labelledby="notes-title">
      <h2 id="notes-title">{t('cases.notes.title', { n: k.notes.length })}</h2>
      {k.notes.length ? (
        <ul class="timeline">
          {k.notes.map((n) => (
            <li>
              <p class="muted">{t('cases.by', { who: n.author, at: fmtDateTime(n.at) })}</p>
              <p class="pre">{n.body}</p>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">{t('cases.notes.none')}</p>
      )}
      {writable ? (
        <TextPostForm
          label={t('cases.notes.add')}
          hint={t('cases.notes.hint')}
          name="note"
          submitName="add-note"
          submit={t('cases.notes.submit')}
          value={text}
          onInput={setText}
          action={action}
        />
      ) : null}
    </section>
  );
}

function Attachments({ k, writable, onChanged }: { k: CaseFull; writable: boolean; onChanged: (c: CaseFull) => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [inputKey, setInputKey] = useState(0);
  const action = useAction(async () => {
    if (!file) return undefined;
    const c = await api.post<CaseFull>(
      `/api/v1/cases/${k.id}/attachments${query({ name: file.name })}`,
      file,
      file.type || 'application/octet-stream',
    );
    onChanged(c);
    setFile(null);
    setInputKey((n) => n + 1);
    return c;
  });
  const tooLarge = file !== null && file.size > MAX_ATTACHMENT;
  return (
    <section class="card" aria-labelledby="files-title">
      <h2 id="files-title">{t('cases.files.title', { n: k.attachments.length })}</h2>
      {k.attachments.length ? (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('common.name')}</th>
                <th scope="col">{t('cases.files.type')}</th>
                <th scope="col" class="num">
                  {t('cases.files.size')}
                </th>
                <th scope="col">{t('cases.files.added')}</th>
                <th scope="col">{t('common.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {k.attachments.map((a) => (
                <tr>
                  <td>{a.name || t('cases.files.unnamed')}</td>
                  <td>{a.media_type}</td>
                  <td class="num">{fmtBytes(a.size)}</td>
                  <td>{t('cases.by', { who: a.author, at: fmtDateTime(a.at) })}</td>
                  <td>
                    <a href={`/api/v1/cases/${k.id}/attachments/${a.seq}`} download={a.name || undefined}>
                      {t('cases.files.download', { name: a.name || t('cases.files.unnamed') })}
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : (
        <p class="muted">{t('cases.files.none')}</p>
      )}
      {writable ? (
        <form
          class="row"
          onSubmit={submitWith(action.run)}
        >
          <Field label={t('cases.files.choose')} hint={t('cases.files.hint')}>
            <input
              key={inputKey}
              type="file"
              name="file"
              required
              accept=".pdf,.png,.jpg,.jpeg,.gif,.docx,.xlsx,.odt,.ods,.txt,.csv,application/pdf,image/*,text/plain"
              onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)}
            />
          </Field>
          <button type="submit" name="upload" disabled={action.busy || !file || tooLarge}>
            {action.busy ? t('cases.busy') : t('common.upload')}
          </button>
        </form>
      ) : null}
      {tooLarge ? (
        <p class="error" role="alert">
          {t('problem.file-too-large')}
        </p>
      ) : null}
      <ErrorBox error={action.error} />
    </section>
  );
}

function describe(
  e: TimelineEvent,
  taxonomy: Taxonomy | undefined,
  userName: (id: number | null) => string,
  subjects: CaseSubject[] = [],
): string {
  const d = e.detail ?? {};
  switch (e.kind) {
    case 'opened':
      return t('cases.event.opened', { source: sourceName(String(d.source ?? '')) });
    case 'status':
      return t('cases.event.status', {
        from: t(`cases.status.${STATUSES.includes(d.from) ? d.from : 'new'}`),
        to: t(`cases.status.${STATUSES.includes(d.to) ? d.to : 'new'}`),
      });
    case 'classified':
      return t('cases.event.classified', {
        indicators: fieldText('indicators', d.indicators, taxonomy) || '—',
        level: t(`cases.risk.${['low', 'medium', 'high'].includes(d.risk) ? d.risk : 'low'}`),
        score: fmtNumber(d.score ?? 0),
      });
    case 'categorised':
      return t('cases.event.categorised', { categories: fieldText('categories', d.categories, taxonomy) || '—' });
    case 'assigned':
      return t('cases.event.assigned', { who: userName(typeof d.to === 'number' ? d.to : null) });
    case 'referred':
      return t('cases.event.referred', {
        agency: LABOUR_AGENCIES.includes(d.to) ? t(`agency.${d.to}`) : String(d.to ?? ''),
        fields: ((d.fields ?? []) as string[]).map((f) => (SHAREABLE_FIELDS.includes(f) ? t(`cases.field.${f}`) : f)).join(', '),
        consent: d.consent ? t('cases.event.with_consent') : t('cases.event.with_override'),
      });
    case 'note':
      return t('cases.event.note');
    case 'attachment':
      return t('cases.event.attachment', { type: String(d.type ?? ''), size: fmtBytes(Number(d.size ?? 0)) });
    case 'subject':
      return t('cases.event.subject', {
        role: subjectRoleName(String(d.role ?? '')),
        record:
          subjects.find((x) => x.kind === d.kind && x.id === d.ref_id && x.kind !== 'worker')?.name ||
          subjectRecordLabel(String(d.kind ?? ''), Number(d.ref_id ?? 0)),
      });
    default:
      return e.kind;
  }
}

function Timeline({
  k,
  taxonomy,
  userName,
}: {
  k: CaseFull;
  taxonomy?: Taxonomy;
  userName: (id: number | null) => string;
}) {
  const events = [...k.timeline].reverse();
  return (
    <section class="card" aria-labelledby="tl-title">
      <h2 id="tl-title">{t('cases.timeline.title')}</h2>
      <p class="field-hint">{t('cases.timeline.hint')}</p>
      <ol class="timeline" reversed>
        {events.map((e) => (
          <li data-kind={e.kind}>
            <p class="muted">
              <time dateTime={e.at}>{fmtDateTime(e.at)}</time> ·{' '}
              {e.actor === 'public' ? t('cases.timeline.public') : e.actor}
            </p>
            <p>
              {describe(e, taxonomy, userName, k.subjects)}
              {e.kind === 'referred' && e.detail?.referral ? (
                <>
                  {' '}
                  <a href={`/referrals/${e.detail.referral}`}>{t('referrals.title_n', { id: e.detail.referral })}</a>
                </>
              ) : null}
            </p>
          </li>
        ))}
      </ol>
    </section>
  );
}
