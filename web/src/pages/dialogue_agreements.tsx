// Agreements: the ratification board, and one agreement with each side's track (signature, the
// domestic procedure, ratification, entry into force) and the forms to record the next step.
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError } from '../api';
import { fmtDate, t } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { submitWith, useAction, useLang, useLoad } from '../ui/hooks';
import { Async, Badge, DataTable, Field, PageHeader } from '../ui/widgets';
import {
  ACTIONS,
  type Agreement,
  type Area,
  type Items,
  PROCEDURE,
  RATIFIABLE,
  actionName,
  areaName,
  idOf,
  kindName,
  nextStep,
  partyName,
  stateName,
  statusKind,
  statusText,
  stepName,
  whyOutOfOrder,
} from './dialogue_model';
import { Illustrative, RatificationBoard, Sources, loadAreas } from './dialogue_widgets';
import { NewButton } from './dialogue_create';

export function AgreementsPage() {
  useLang();
  const state = useLoad((s) => api.get<Items<Agreement>>('/api/v1/dialogue/agreements', s), []);
  return (
    <>
      <PageHeader title={t('dialogue.agreements.title')}>
        <NewButton href="/dialogue/agreements/new" label={t('dialogue.create.agreement.new')} />
      </PageHeader>
      <p class="muted">{t('dialogue.agreements.intro')}</p>
      <Async state={state}>{(d) => <RatificationBoard agreements={d.items} />}</Async>
    </>
  );
}

interface TrackItem {
  key: string;
  label: string;
  date?: string;
  note?: string;
  done: boolean;
}

// One side's path through the agreement, done steps with their dates, the next one marked.
function Track({ a, party }: { a: Agreement; party: string }) {
  useLang();
  const acts = a.actions.filter((x) => x.party === party);
  const steps = a.procedure_steps.filter((x) => x.party === party);
  const act = (n: string) => acts.find((x) => x.action === n);
  const items: TrackItem[] = [];
  const sig = act('signature');
  items.push({ key: 'signature', label: actionName('signature'), date: sig?.date, note: sig?.note, done: !!sig });
  if (RATIFIABLE.has(a.kind)) {
    for (const s of PROCEDURE[party] ?? []) {
      const st = steps.find((x) => x.step === s);
      items.push({ key: s, label: stepName(party, s), date: st?.date, note: st?.note, done: !!st });
    }
    const consent = act('ratification') ?? act('approval');
    items.push({
      key: 'consent',
      label: consent ? actionName(consent.action) : actionName('ratification'),
      date: consent?.date,
      note: consent?.note,
      done: !!consent,
    });
  }
  const force = act('entry_into_force');
  if (RATIFIABLE.has(a.kind) || force) {
    items.push({ key: 'force', label: actionName('entry_into_force'), date: force?.date, note: force?.note, done: !!force });
  }
  const term = act('termination');
  if (term) items.push({ key: 'termination', label: actionName('termination'), date: term.date, note: term.note, done: true });
  const nextIndex = term ? -1 : items.findIndex((i) => !i.done);
  const ps = a.party_status.find((p) => p.party === party);
  const next = nextStep(a, party);
  return (
    <section class="card track" aria-labelledby={`track-${party}`}>
      <h3 id={`track-${party}`}>{partyName(party)}</h3>
      <p>
        {t('dialogue.track.state')}: <strong>{stateName(ps?.state ?? 'not_signed')}</strong>
        {next ? (
          <>
            <br />
            {t('dialogue.next', { step: next })}
          </>
        ) : null}
      </p>
      <ol class="track-steps">
        {items.map((i, n) => (
          <li class={i.done ? 'done' : n === nextIndex ? 'next' : 'pending'}>
            <span class="track-mark">
              {i.done ? t('dialogue.track.done') : n === nextIndex ? t('dialogue.track.next') : t('dialogue.track.pending')}
            </span>{' '}
            <span class="track-label">{i.label}</span>
            {i.date ? (
              <>
                {' '}
                — <time dateTime={i.date}>{fmtDate(i.date)}</time>
              </>
            ) : null}
            {i.note ? <span class="muted"> ({i.note})</span> : null}
          </li>
        ))}
      </ol>
    </section>
  );
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

// Records a party action or a procedure step. The server refuses anything out of order (422
// "out-of-order"); the reason is then shown in the reader's language beside the server's words.
function RecordForm({ a, kind, onDone }: { a: Agreement; kind: 'action' | 'step'; onDone: (a: Agreement) => void }) {
  useLang();
  const [party, setParty] = useState(a.parties[0] ?? 'KZ');
  const options = kind === 'action' ? ACTIONS : PROCEDURE[party] ?? [];
  const [what, setWhat] = useState(options[0] ?? '');
  const [date, setDate] = useState(today());
  const [note, setNote] = useState('');
  const [why, setWhy] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  useEffect(() => {
    if (!options.includes(what)) setWhat(options[0] ?? '');
  }, [party, kind]);
  const act = useAction(async () => {
    setWhy(null);
    setOk(null);
    const path = `/api/v1/dialogue/agreements/${a.id}/${kind === 'action' ? 'actions' : 'steps'}`;
    const body: Record<string, string> = { party, date, note };
    if (kind === 'action') body.action = what;
    else body.step = what;
    try {
      const updated = await api.post<Agreement>(path, body);
      setOk(t('dialogue.record.saved', { what: kind === 'action' ? actionName(what) : stepName(party, what) }));
      setNote('');
      onDone(updated);
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) setWhy(whyOutOfOrder(a, kind, party, what, date));
      throw e;
    }
  });
  const id = `record-${kind}`;
  return (
    <form
      class="card"
      aria-labelledby={id}
      onSubmit={submitWith(act.run)}
    >
      <h3 id={id}>{t(kind === 'action' ? 'dialogue.record.action_title' : 'dialogue.record.step_title')}</h3>
      <p class="muted">{t(kind === 'action' ? 'dialogue.record.action_hint' : 'dialogue.record.step_hint')}</p>
      <div class="row">
        <Field label={t('dialogue.record.party')}>
          <select name="party" value={party} onChange={(e) => setParty((e.target as HTMLSelectElement).value)}>
            {a.parties.map((p) => (
              <option value={p}>{partyName(p)}</option>
            ))}
          </select>
        </Field>
        <Field label={t(kind === 'action' ? 'dialogue.record.action' : 'dialogue.record.step')}>
          <select name={kind} value={what} onChange={(e) => setWhat((e.target as HTMLSelectElement).value)}>
            {options.map((o) => (
              <option value={o}>{kind === 'action' ? actionName(o) : stepName(party, o)}</option>
            ))}
          </select>
        </Field>
        <Field label={t('common.date')}>
          <input type="date" name="date" required max={today()} value={date} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
        </Field>
      </div>
      <Field label={t('dialogue.record.note')}>
        <input name="note" maxLength={2000} value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
      </Field>
      {act.error ? (
        <div class="record-error">
          <ErrorBox error={act.error} />
          {why ? (
            <p class="error" role="status">
              {t('dialogue.record.why', { why })}
            </p>
          ) : null}
        </div>
      ) : null}
      {ok ? (
        <p class="success" role="status">
          {ok}
        </p>
      ) : null}
      <button type="submit" disabled={act.busy || !what}>
        {t('dialogue.record.submit')}
      </button>
    </form>
  );
}

function AgreementView({ initial, areas }: { initial: Agreement; areas: Area[] }) {
  useLang();
  const { may } = useSession();
  const [a, setA] = useState(initial);
  useEffect(() => setA(initial), [initial]);
  const meetingId = idOf(a.meeting, 'meetings');
  return (
    <>
      <PageHeader title={a.title} />
      <p>
        <a href="/dialogue/agreements">{t('dialogue.agreements.back')}</a>
      </p>
      <p class="status-line">
        <Badge kind={statusKind(a.status, a.kind)}>{statusText(a)}</Badge> <Illustrative on={a.illustrative} />
      </p>
      <p class="muted">{t('dialogue.agreement.derived')}</p>
      <dl class="facts">
        <dt>{t('dialogue.agreement.kind')}</dt>
        <dd>
          {kindName(a.kind)}
          {RATIFIABLE.has(a.kind) ? '' : ` — ${t('dialogue.agreement.not_ratifiable')}`}
        </dd>
        <dt>{t('dialogue.agreement.parties')}</dt>
        <dd>{a.parties.map(partyName).join(', ')}</dd>
        {a.signatory_bodies.length ? (
          <>
            <dt>{t('dialogue.agreement.signatories')}</dt>
            <dd>{a.signatory_bodies.join('; ')}</dd>
          </>
        ) : null}
        {meetingId ? (
          <>
            <dt>{t('dialogue.agreement.meeting')}</dt>
            <dd>
              <a href={`/dialogue/meetings/${meetingId}`}>{t('dialogue.agreement.meeting_link')}</a>
            </dd>
          </>
        ) : null}
        {a.areas.length ? (
          <>
            <dt>{t('dialogue.meeting.areas')}</dt>
            <dd>{a.areas.map((x) => areaName(x, areas)).join(', ')}</dd>
          </>
        ) : null}
      </dl>
      {a.summary ? <p class="prose">{a.summary}</p> : null}
      <h2>{t('dialogue.agreement.tracks')}</h2>
      <div class="grid">
        {a.parties.map((p) => (
          <Track a={a} party={p} />
        ))}
      </div>
      {may('dialogue.write') ? (
        <>
          <h2>{t('dialogue.record.title')}</h2>
          <div class="grid">
            <RecordForm a={a} kind="action" onDone={setA} />
            {RATIFIABLE.has(a.kind) ? <RecordForm a={a} kind="step" onDone={setA} /> : null}
          </div>
        </>
      ) : null}
      <h2>{t('dialogue.agreement.history')}</h2>
      <HistoryTable a={a} />
      <Sources sources={a.sources} />
    </>
  );
}

function HistoryTable({ a }: { a: Agreement }) {
  const rows = [
    ...a.actions.map((x) => ({ date: x.date, party: x.party, what: actionName(x.action), note: x.note, id: `a${x.id}` })),
    ...a.procedure_steps.map((x) => ({ date: x.date, party: x.party, what: stepName(x.party, x.step), note: x.note, id: `s${x.id}` })),
  ].sort((x, y) => x.date.localeCompare(y.date) || x.id.localeCompare(y.id));
  if (!rows.length) return <p class="muted">{t('dialogue.agreement.history_none')}</p>;
  return (
    <DataTable headers={[t('common.date'), t('dialogue.record.party'), t('dialogue.agreement.event'), t('dialogue.record.note')]}>
      {rows.map((r) => (
        <tr>
          <td>{fmtDate(r.date)}</td>
          <td>{partyName(r.party)}</td>
          <td>{r.what}</td>
          <td>{r.note}</td>
        </tr>
      ))}
    </DataTable>
  );
}

export function AgreementPage({ id }: { id: number }) {
  const state = useLoad(
    (s) => Promise.all([api.get<Agreement>(`/api/v1/dialogue/agreements/${id}`, s), loadAreas()]),
    [id],
  );
  return <Async state={state}>{([a, areas]) => <AgreementView initial={a} areas={areas} />}</Async>;
}
