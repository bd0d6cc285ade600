// Forms that create Dialogue records (desk officers with dialogue.write): a meeting, an agreement,
// a commitment or sub-commitment, a side engagement, an indicator, and a new cooperation area
// from inside the forms that pick areas. The console hints at what the server will refuse; the
// server decides, and its refusal is shown in the reader's language.
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, ApiError } from '../api';
import { fmtDate, t } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { submitWith, useAction, useLang, useLoad } from '../ui/hooks';
import { Async, Field, PageHeader } from '../ui/widgets';
import {
  type Agreement,
  type Area,
  type Commitment,
  type Engagement,
  type Indicator,
  type Items,
  type Meeting,
  type Person,
  type Source,
  PARTIES,
  areaName,
  engagementKindName,
  formatName,
  kindName,
  meetingTitle,
  partyName,
} from './dialogue_model';
import { loadAreas, resetAreas } from './dialogue_widgets';

export const KINDS = ['treaty', 'agreement', 'memorandum_of_understanding', 'joint_statement', 'roadmap'];
export const ENGAGEMENT_KINDS = ['parliamentary', 'expert', 'business', 'government', 'other'];
export const FORMATS = ['in_person', 'virtual', 'hybrid'];
export const AGENCIES = ['kz-mfa', 'uk-fcdo', 'kz-mlsp', 'uk-fwa'];

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

const val = (e: Event) => (e.target as HTMLInputElement).value;

// "New meeting" and the like, beside a page's title, for those who may write.
export function NewButton({ href, label }: { href: string; label: string }) {
  useLang();
  const { may } = useSession();
  if (!may('dialogue.write')) return null;
  return (
    <a class="button" href={href}>
      {label}
    </a>
  );
}

// A meeting for a select: "8th meeting — London, 11 Feb 2025".
function meetingOption(m: Meeting): string {
  return `${meetingTitle(m)} — ${m.city}, ${fmtDate(m.date)}`;
}

// The server's refusal in the reader's language; a 409 "duplicate" is named for what it is
// (the shared message speaks of a record changed in the meantime).
function CreateError({ error, duplicate }: { error: unknown; duplicate?: string }) {
  useLang();
  if (!error) return null;
  const dup = duplicate && error instanceof ApiError && error.status === 409 && error.slug === 'duplicate';
  return (
    <div class="record-error">
      <ErrorBox error={error} />
      {dup ? (
        <p class="error" role="status">
          {duplicate}
        </p>
      ) : null}
    </div>
  );
}

// A warning shown while filling in: the server will refuse this as it stands.
function Hint({ text }: { text: string | null }) {
  return text ? (
    <p class="notice create-hint" role="status">
      {text}
    </p>
  ) : null;
}

function FormPage({ title, back, backLabel, children }: { title: string; back: string; backLabel: string; children: ComponentChildren }) {
  useLang();
  const { may } = useSession();
  return (
    <>
      <PageHeader title={title} />
      <p>
        <a href={back}>{backLabel}</a>
      </p>
      {may('dialogue.write') ? children : <p class="error">{t('common.not_allowed')}</p>}
    </>
  );
}

// The card a create form sits in, titled by the page's heading; submitting runs `onSubmit`.
function CreateForm({ onSubmit, children }: { onSubmit: () => unknown; children: ComponentChildren }) {
  return (
    <form
      class="card create-form"
      aria-labelledby="page-title"
      onSubmit={submitWith(onSubmit)}
    >
      {children}
    </form>
  );
}

function Actions({ busy, submit, cancel }: { busy: boolean; submit: string; cancel: string }) {
  return (
    <div class="row">
      <button type="submit" disabled={busy}>
        {submit}
      </button>
      <a class="button secondary" href={cancel}>
        {t('common.cancel')}
      </a>
    </div>
  );
}

// --- Pieces shared by the forms ----------------------------------------------------------------

// The meeting a record came from, or none.
function OptionalMeetingSelect({ meetings, value, onChange }: { meetings: Meeting[]; value: string; onChange: (v: string) => void }) {
  return (
    <select name="meeting_id" value={value} onChange={(e) => onChange(val(e))}>
      <option value="">{t('dialogue.create.no_meeting')}</option>
      {meetings.map((m) => (
        <option value={String(m.id)}>{meetingOption(m)}</option>
      ))}
    </select>
  );
}

// The ?meeting= of the page's address when it is a record id, else ''.
const queryMeeting = (query: Record<string, string>) => (query.meeting && /^\d+$/.test(query.meeting) ? query.meeting : '');

function SourcesEditor({ list, onChange }: { list: Source[]; onChange: (l: Source[]) => void }) {
  useLang();
  const set = (i: number, patch: Partial<Source>) => onChange(list.map((s, n) => (n === i ? { ...s, ...patch } : s)));
  return (
    <fieldset class="sources-editor">
      <legend>{t('dialogue.sources')}</legend>
      <p class="field-hint">{t('dialogue.create.sources_hint')}</p>
      {list.map((s, i) => (
        <div class="row">
          <Field label={t('dialogue.create.source_url', { n: i + 1 })}>
            <input type="url" name={`source_url_${i}`} maxLength={1000} placeholder="https://" value={s.url} onInput={(e) => set(i, { url: val(e) })} />
          </Field>
          <Field label={t('dialogue.create.source_title', { n: i + 1 })}>
            <input name={`source_title_${i}`} maxLength={300} value={s.title} onInput={(e) => set(i, { title: val(e) })} />
          </Field>
          <button type="button" class="secondary" onClick={() => onChange(list.filter((_, n) => n !== i))}>
            {t('dialogue.create.remove_source', { n: i + 1 })}
          </button>
        </div>
      ))}
      <button type="button" class="secondary" disabled={list.length >= 100} onClick={() => onChange([...list, { url: '', title: '' }])}>
        {t('dialogue.create.add_source')}
      </button>
    </fieldset>
  );
}

const filledSources = (l: Source[]) =>
  l.map((s) => ({ url: s.url.trim(), title: s.title.trim() })).filter((s) => s.url || s.title);

function PeopleEditor({
  legend,
  prefix,
  list,
  max,
  hint,
  addLabel,
  onChange,
}: {
  legend: string;
  prefix: string;
  list: Person[];
  max: number;
  hint?: string;
  addLabel: string;
  onChange: (l: Person[]) => void;
}) {
  useLang();
  const set = (i: number, patch: Partial<Person>) => onChange(list.map((p, n) => (n === i ? { ...p, ...patch } : p)));
  return (
    <fieldset>
      <legend>{legend}</legend>
      {hint ? <p class="field-hint">{hint}</p> : null}
      {list.map((p, i) => (
        <div class="row">
          <Field label={t('dialogue.create.person.side', { n: i + 1 })}>
            <select name={`${prefix}_side_${i}`} value={p.side} onChange={(e) => set(i, { side: val(e) })}>
              {PARTIES.map((s) => (
                <option value={s}>{partyName(s)}</option>
              ))}
            </select>
          </Field>
          <Field label={t('dialogue.create.person.name', { n: i + 1 })}>
            <input name={`${prefix}_name_${i}`} maxLength={200} value={p.name} onInput={(e) => set(i, { name: val(e) })} />
          </Field>
          <Field label={t('dialogue.create.person.title', { n: i + 1 })}>
            <input name={`${prefix}_title_${i}`} maxLength={300} value={p.title} onInput={(e) => set(i, { title: val(e) })} />
          </Field>
          <button type="button" class="secondary" onClick={() => onChange(list.filter((_, n) => n !== i))}>
            {t('dialogue.create.person.remove', { n: i + 1 })}
          </button>
        </div>
      ))}
      <button
        type="button"
        class="secondary"
        disabled={list.length >= max}
        onClick={() => onChange([...list, { side: list.some((p) => p.side === 'KZ') ? 'UK' : 'KZ', name: '', title: '' }])}
      >
        {addLabel}
      </button>
    </fieldset>
  );
}

const filledPeople = (l: Person[]) =>
  l.map((p) => ({ side: p.side, name: p.name.trim(), title: p.title.trim() })).filter((p) => p.name || p.title);

// A new cooperation area, added from inside another form (so no <form> of its own: forms do not
// nest). Enter in its fields adds the area instead of submitting the outer form.
function NewArea({ onAdded }: { onAdded: (code: string) => void }) {
  useLang();
  const [code, setCode] = useState('');
  const [en, setEn] = useState('');
  const [ru, setRu] = useState('');
  const [kk, setKk] = useState('');
  const [ok, setOk] = useState<string | null>(null);
  const act = useAction(async () => {
    setOk(null);
    const out = await api.post<{ code: string; name_en: string }>('/api/v1/dialogue/areas', {
      code: code.trim(),
      name_en: en.trim(),
      ...(ru.trim() ? { name_ru: ru.trim() } : {}),
      ...(kk.trim() ? { name_kk: kk.trim() } : {}),
    });
    resetAreas();
    setOk(t('dialogue.create.area.added', { name: out.name_en }));
    setCode('');
    setEn('');
    setRu('');
    setKk('');
    onAdded(out.code);
  });
  const enter = (e: KeyboardEvent) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      act.run();
    }
  };
  const badCode = code && !/^[a-z_]+$/.test(code) ? t('dialogue.create.area.code_rule') : null;
  return (
    <details class="new-area">
      <summary>{t('dialogue.create.area.title')}</summary>
      <p class="field-hint">{t('dialogue.create.area.hint')}</p>
      <div class="row">
        <Field label={t('dialogue.create.area.code')} hint={t('dialogue.create.area.code_hint')}>
          <input name="area_code" maxLength={64} value={code} onInput={(e) => setCode(val(e))} onKeyDown={enter} />
        </Field>
        <Field label={t('dialogue.create.area.name_en')}>
          <input name="area_name_en" lang="en" maxLength={200} value={en} onInput={(e) => setEn(val(e))} onKeyDown={enter} />
        </Field>
        <Field label={t('dialogue.create.area.name_kk')}>
          <input name="area_name_kk" lang="kk" maxLength={200} value={kk} onInput={(e) => setKk(val(e))} onKeyDown={enter} />
        </Field>
        <Field label={t('dialogue.create.area.name_ru')}>
          <input name="area_name_ru" lang="ru" maxLength={200} value={ru} onInput={(e) => setRu(val(e))} onKeyDown={enter} />
        </Field>
      </div>
      <Hint text={badCode} />
      <CreateError error={act.error} duplicate={t('dialogue.create.duplicate.area')} />
      {ok ? (
        <p class="success" role="status">
          {ok}
        </p>
      ) : null}
      <button type="button" class="secondary" disabled={act.busy} onClick={() => act.run()}>
        {t('dialogue.create.area.add')}
      </button>
    </details>
  );
}

// Areas to tick (a meeting or an agreement covers several), with the form for a new one.
function AreaChecks({ selected, onChange }: { selected: string[]; onChange: (l: string[]) => void }) {
  useLang();
  const state = useLoad(() => loadAreas(), []);
  return (
    <fieldset>
      <legend>{t('dialogue.meeting.areas')}</legend>
      <Async state={state}>
        {(areas) => (
          <div class="tag-choices">
            {areas.map((a) => (
              <label class="check">
                <input
                  type="checkbox"
                  name="areas"
                  value={a.code}
                  checked={selected.includes(a.code)}
                  onChange={(e) =>
                    onChange((e.target as HTMLInputElement).checked ? [...selected, a.code] : selected.filter((x) => x !== a.code))
                  }
                />
                <span>{areaName(a.code, areas)}</span>
              </label>
            ))}
          </div>
        )}
      </Async>
      <NewArea
        onAdded={(code) => {
          state.reload();
          onChange([...selected, code]);
        }}
      />
    </fieldset>
  );
}

// --- A meeting ------------------------------------------------------------------------------------

export function NewMeetingPage() {
  useLang();
  const state = useLoad((s) => api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s), []);
  return (
    <FormPage title={t('dialogue.create.meeting.title')} back="/dialogue/meetings" backLabel={t('dialogue.meetings.back')}>
      <Async state={state}>{(d) => <MeetingForm meetings={d.items} />}</Async>
    </FormPage>
  );
}

// Editing a recorded meeting (e.g. a planned one that has taken place: held, with its outcomes).
// ?status=held comes from the meeting page's prompt once a planned meeting's date has passed.
export function EditMeetingPage({ id }: { id: number }) {
  useLang();
  const { query } = useLocation();
  const state = useLoad(
    (s) =>
      Promise.all([
        api.get<Meeting>(`/api/v1/dialogue/meetings/${id}`, s),
        api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s),
        api.get<Items<Commitment>>('/api/v1/dialogue/commitments', s),
      ]),
    [id],
  );
  const m = state.data?.[0];
  return (
    <FormPage
      title={m ? t('dialogue.edit.meeting.title', { meeting: meetingOption(m) }) : t('dialogue.edit.meeting.title_short')}
      back={`/dialogue/meetings/${id}`}
      backLabel={t('dialogue.edit.meeting.back')}
    >
      <Async state={state}>
        {([meeting, all, commitments]) => (
          <MeetingForm
            key={meeting.id}
            meetings={all.items}
            initial={meeting}
            status={query.status === 'held' || query.status === 'planned' ? query.status : undefined}
            commitments={commitments.items.filter((k) => k.meeting_id === meeting.id)}
          />
        )}
      </Async>
    </FormPage>
  );
}

// The fields as the API takes them (a new meeting posts them all; an edit sends those changed).
interface MeetingFields {
  number: string;
  inferred: boolean;
  date: string;
  approx: boolean;
  status: string;
  city: string;
  country: string;
  format: string;
  coChairs: Person[];
  delegations: Person[];
  areas: string[];
  summary: string;
  outcomes: string;
  sources: Source[];
}

function meetingBody(f: MeetingFields): Record<string, unknown> {
  const n = f.number.trim();
  return {
    ...(n ? { number: Number(n), number_inferred: f.inferred } : {}),
    date: f.date,
    date_approximate: f.approx,
    status: f.status,
    city: f.city.trim(),
    country: f.country,
    format: f.format,
    co_chairs: filledPeople(f.coChairs),
    delegations: filledPeople(f.delegations),
    areas: f.areas,
    summary: f.summary,
    outcomes: f.outcomes,
    sources: filledSources(f.sources),
  };
}

// The members of `body` that differ from `before` (a merge patch of the changes only, so that a
// field someone else changed meanwhile is not overwritten with what this form loaded).
function changedFields(body: Record<string, unknown>, before: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (JSON.stringify(v) !== JSON.stringify(before[k])) out[k] = v;
  }
  return out;
}

const blankSources = (l: Source[] | undefined): Source[] => (l?.length ? l.map((s) => ({ ...s })) : [{ url: '', title: '' }]);

function meetingFields(m: Meeting | undefined): MeetingFields {
  return {
    number: m?.number != null ? String(m.number) : '',
    inferred: m?.number_inferred ?? false,
    date: m?.date ?? today(),
    approx: m?.date_approximate ?? false,
    status: m?.status === 'planned' ? 'planned' : 'held',
    city: m?.city ?? '',
    country: m?.country ?? 'KZ',
    format: m?.format ?? 'in_person',
    coChairs: m?.co_chairs.length
      ? m.co_chairs.map((p) => ({ ...p }))
      : [
          { side: 'KZ', name: '', title: '' },
          { side: 'UK', name: '', title: '' },
        ],
    delegations: m ? m.delegations.map((p) => ({ ...p })) : [],
    areas: m ? [...m.areas] : [],
    summary: m?.summary ?? '',
    outcomes: m?.outcomes ?? '',
    sources: blankSources(m?.sources),
  };
}

function MeetingForm({
  meetings,
  initial,
  status: initialStatus,
  commitments = [],
}: {
  meetings: Meeting[];
  // The meeting being edited; none for a new one.
  initial?: Meeting;
  // A status to start from instead of the meeting's (the "record it as held" prompt).
  status?: string;
  // The commitments agreed at the meeting being edited (their due dates bound its date).
  commitments?: Commitment[];
}) {
  useLang();
  const { route } = useLocation();
  const start = meetingFields(initial);
  const [number, setNumber] = useState(start.number);
  const [inferred, setInferred] = useState(start.inferred);
  const [date, setDate] = useState(start.date);
  const [approx, setApprox] = useState(start.approx);
  const [status, setStatus] = useState(initialStatus ?? start.status);
  const [city, setCity] = useState(start.city);
  const [country, setCountry] = useState(start.country);
  const [format, setFormat] = useState(start.format);
  const [coChairs, setCoChairs] = useState<Person[]>(start.coChairs);
  const [delegations, setDelegations] = useState<Person[]>(start.delegations);
  const [areas, setAreas] = useState<string[]>(start.areas);
  const [summary, setSummary] = useState(start.summary);
  const [outcomes, setOutcomes] = useState(start.outcomes);
  const [sources, setSources] = useState<Source[]>(start.sources);
  const act = useAction(async () => {
    const body = meetingBody({ number, inferred, date, approx, status, city, country, format, coChairs, delegations, areas, summary, outcomes, sources });
    if (initial) {
      const patch = changedFields(body, meetingBody(meetingFields(initial)));
      if (Object.keys(patch).length) await api.patch<Meeting>(`/api/v1/dialogue/meetings/${initial.id}`, patch);
      route(`/dialogue/meetings/${initial.id}`);
      return;
    }
    const out = await api.post<Meeting>('/api/v1/dialogue/meetings', body);
    route(`/dialogue/meetings/${out.id}`);
  });
  // What the server would refuse (dialogue_service.cc InsertMeeting / UpdateMeeting), said before
  // it does; the meeting being edited is not compared with itself.
  const others = initial ? meetings.filter((m) => m.id !== initial.id) : meetings;
  const n = /^\d+$/.test(number.trim()) ? Number(number.trim()) : null;
  const taken = n != null ? others.find((m) => m.number === n) : undefined;
  const outOfOrder =
    n != null && date
      ? others.find((m) => m.number != null && m.number !== n && ((m.number < n && m.date >= date) || (m.number > n && m.date <= date)))
      : undefined;
  const dateHint =
    date && status === 'held' && date > today()
      ? t('dialogue.create.meeting.future_held')
      : date && status === 'planned' && date < today()
        ? t('dialogue.create.meeting.past_planned')
        : null;
  const firstDue = commitments
    .map((k) => k.due_date ?? '')
    .filter(Boolean)
    .sort()[0];
  const dueHint = date && firstDue && firstDue < date ? t('dialogue.edit.meeting.due_before', { date: fmtDate(firstDue) }) : null;
  // The API keeps a recorded number (a missing one leaves it as it is): it may change, not go.
  const keepsNumber = initial?.number != null;
  return (
    <CreateForm onSubmit={act.run}>
      <div class="row">
        <Field
          label={t('dialogue.create.meeting.number')}
          hint={t(keepsNumber ? 'dialogue.edit.meeting.number_hint' : 'dialogue.create.meeting.number_hint')}
        >
          <input
            type="number"
            name="number"
            min={1}
            max={1000}
            step={1}
            required={keepsNumber}
            value={number}
            onInput={(e) => setNumber(val(e))}
          />
        </Field>
        <label class="check">
          <input type="checkbox" name="number_inferred" checked={inferred} onChange={(e) => setInferred((e.target as HTMLInputElement).checked)} />
          <span>{t('dialogue.create.meeting.number_inferred')}</span>
        </label>
      </div>
      <Hint text={taken ? t('dialogue.create.meeting.number_taken', { meeting: meetingOption(taken) }) : null} />
      <Hint
        text={
          !taken && outOfOrder
            ? t('dialogue.create.meeting.out_of_order', { meeting: meetingOption(outOfOrder) })
            : null
        }
      />
      <div class="row">
        <Field label={t('common.date')}>
          <input type="date" name="date" required value={date} onInput={(e) => setDate(val(e))} />
        </Field>
        <Field label={t('common.status')}>
          <select name="status" value={status} onChange={(e) => setStatus(val(e))}>
            <option value="held">{t('dialogue.meeting.status.held')}</option>
            <option value="planned">{t('dialogue.meeting.status.planned')}</option>
          </select>
        </Field>
        <label class="check">
          <input type="checkbox" name="date_approximate" checked={approx} onChange={(e) => setApprox((e.target as HTMLInputElement).checked)} />
          <span>{t('dialogue.create.meeting.date_approximate')}</span>
        </label>
      </div>
      <Hint text={dateHint} />
      <Hint text={dueHint} />
      <div class="row">
        <Field label={t('dialogue.create.meeting.city')}>
          <input name="city" required maxLength={100} value={city} onInput={(e) => setCity(val(e))} />
        </Field>
        <Field label={t('dialogue.create.meeting.country')}>
          <select name="country" value={country} onChange={(e) => setCountry(val(e))}>
            {PARTIES.map((p) => (
              <option value={p}>{partyName(p)}</option>
            ))}
          </select>
        </Field>
        <Field label={t('dialogue.meeting.format')}>
          <select name="format" value={format} onChange={(e) => setFormat(val(e))}>
            {FORMATS.map((f) => (
              <option value={f}>{formatName(f)}</option>
            ))}
          </select>
        </Field>
      </div>
      <PeopleEditor
        legend={t('dialogue.meeting.co_chairs')}
        prefix="co_chair"
        list={coChairs}
        max={2}
        hint={t('dialogue.create.meeting.co_chairs_hint')}
        addLabel={t('dialogue.create.meeting.add_co_chair')}
        onChange={setCoChairs}
      />
      <PeopleEditor
        legend={t('dialogue.meeting.delegations')}
        prefix="delegate"
        list={delegations}
        max={100}
        addLabel={t('dialogue.create.meeting.add_delegate')}
        onChange={setDelegations}
      />
      <AreaChecks selected={areas} onChange={setAreas} />
      <Field label={t('dialogue.meeting.summary')}>
        <textarea name="summary" maxLength={20000} value={summary} onInput={(e) => setSummary(val(e))} />
      </Field>
      <Field label={t('dialogue.meeting.outcomes')} hint={initial ? t('dialogue.edit.meeting.outcomes_hint') : undefined}>
        <textarea name="outcomes" maxLength={20000} value={outcomes} onInput={(e) => setOutcomes(val(e))} />
      </Field>
      <SourcesEditor list={sources} onChange={setSources} />
      <CreateError error={act.error} />
      <Actions
        busy={act.busy}
        submit={t(initial ? 'dialogue.edit.submit' : 'dialogue.create.meeting.submit')}
        cancel={initial ? `/dialogue/meetings/${initial.id}` : '/dialogue/meetings'}
      />
    </CreateForm>
  );
}

// --- An agreement ---------------------------------------------------------------------------------

export function NewAgreementPage() {
  useLang();
  const { query } = useLocation();
  const state = useLoad(
    (s) =>
      Promise.all([
        api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s),
        api.get<Items<Agreement>>('/api/v1/dialogue/agreements', s),
      ]),
    [],
  );
  const meeting = queryMeeting(query);
  return (
    <FormPage title={t('dialogue.create.agreement.title')} back="/dialogue/agreements" backLabel={t('dialogue.agreements.back')}>
      <Async state={state}>{([m, a]) => <AgreementForm meetings={m.items} agreements={a.items} meeting={meeting} />}</Async>
    </FormPage>
  );
}

function AgreementForm({ meetings, agreements, meeting: initialMeeting }: { meetings: Meeting[]; agreements: Agreement[]; meeting: string }) {
  useLang();
  const { route } = useLocation();
  const [title, setTitle] = useState('');
  const [kind, setKind] = useState('memorandum_of_understanding');
  const [parties, setParties] = useState<string[]>(['KZ', 'UK']);
  const [bodies, setBodies] = useState('');
  const [areas, setAreas] = useState<string[]>([]);
  const [meeting, setMeeting] = useState(initialMeeting);
  const [summary, setSummary] = useState('');
  const [sources, setSources] = useState<Source[]>([{ url: '', title: '' }]);
  const act = useAction(async () => {
    const out = await api.post<Agreement>('/api/v1/dialogue/agreements', {
      title: title.trim(),
      kind,
      parties,
      signatory_bodies: bodies
        .split('\n')
        .map((b) => b.trim())
        .filter(Boolean),
      areas,
      ...(meeting ? { meeting_id: Number(meeting) } : {}),
      summary,
      sources: filledSources(sources),
    });
    route(`/dialogue/agreements/${out.id}`);
  });
  const sameTitle = title.trim() && agreements.some((a) => a.title.trim().toLowerCase() === title.trim().toLowerCase());
  return (
    <CreateForm onSubmit={act.run}>
      <Field label={t('dialogue.create.agreement.name')}>
        <input name="title" required maxLength={500} value={title} onInput={(e) => setTitle(val(e))} />
      </Field>
      <Hint text={sameTitle ? t('dialogue.create.duplicate.agreement') : null} />
      <Field label={t('dialogue.agreement.kind')} hint={t('dialogue.create.agreement.kind_hint')}>
        <select name="kind" value={kind} onChange={(e) => setKind(val(e))}>
          {KINDS.map((k) => (
            <option value={k}>{kindName(k)}</option>
          ))}
        </select>
      </Field>
      <fieldset>
        <legend>{t('dialogue.agreement.parties')}</legend>
        <p class="field-hint">{t('dialogue.create.agreement.parties_hint')}</p>
        {PARTIES.map((p) => (
          <label class="check">
            <input
              type="checkbox"
              name="parties"
              value={p}
              checked={parties.includes(p)}
              onChange={(e) => setParties((e.target as HTMLInputElement).checked ? [...parties, p] : parties.filter((x) => x !== p))}
            />
            <span>{partyName(p)}</span>
          </label>
        ))}
      </fieldset>
      <Field label={t('dialogue.agreement.signatories')} hint={t('dialogue.create.agreement.signatories_hint')}>
        <textarea name="signatory_bodies" value={bodies} onInput={(e) => setBodies(val(e))} />
      </Field>
      <Field label={t('dialogue.create.agreement.meeting')}>
        <OptionalMeetingSelect meetings={meetings} value={meeting} onChange={setMeeting} />
      </Field>
      <AreaChecks selected={areas} onChange={setAreas} />
      <Field label={t('dialogue.meeting.summary')}>
        <textarea name="summary" maxLength={20000} value={summary} onInput={(e) => setSummary(val(e))} />
      </Field>
      <SourcesEditor list={sources} onChange={setSources} />
      <p class="muted">{t('dialogue.create.agreement.after')}</p>
      <CreateError error={act.error} duplicate={t('dialogue.create.duplicate.agreement')} />
      <Actions busy={act.busy} submit={t('dialogue.create.agreement.submit')} cancel="/dialogue/agreements" />
    </CreateForm>
  );
}

// --- A commitment or a sub-commitment -------------------------------------------------------------

export function NewCommitmentPage() {
  useLang();
  const { query } = useLocation();
  const num = (v: string | undefined) => (v && /^\d+$/.test(v) ? Number(v) : null);
  const parent = num(query.parent);
  const meeting = num(query.meeting);
  const state = useLoad(
    (s) =>
      Promise.all([
        api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s),
        api.get<Items<Commitment>>('/api/v1/dialogue/commitments', s),
        loadAreas(),
      ]),
    [],
  );
  return (
    <FormPage
      title={t(parent ? 'dialogue.create.commitment.sub_title' : 'dialogue.create.commitment.title')}
      back={parent ? `/dialogue/commitments/${parent}` : '/dialogue/commitments'}
      backLabel={t('dialogue.commitments.back')}
    >
      <Async state={state}>
        {([m, k, areas]) => <CommitmentForm meetings={m.items} commitments={k.items} areas={areas} parent={parent} meeting={meeting} />}
      </Async>
    </FormPage>
  );
}

// Editing what a commitment says (its area, text, owners, due date and sources). Its meeting and
// parent stay; its status moves by progress updates on its page.
export function EditCommitmentPage({ id }: { id: number }) {
  useLang();
  const state = useLoad(
    (s) =>
      Promise.all([
        api.get<Commitment>(`/api/v1/dialogue/commitments/${id}`, s),
        api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s),
        api.get<Items<Commitment>>('/api/v1/dialogue/commitments', s),
        loadAreas(),
      ]),
    [id],
  );
  return (
    <FormPage title={t('dialogue.edit.commitment.title', { id })} back={`/dialogue/commitments/${id}`} backLabel={t('dialogue.edit.commitment.back')}>
      <Async state={state}>
        {([k, m, all, areas]) => (
          <CommitmentForm
            key={k.id}
            meetings={m.items}
            commitments={all.items}
            areas={areas}
            parent={k.parent_id}
            meeting={k.meeting_id}
            initial={k}
          />
        )}
      </Async>
    </FormPage>
  );
}

interface CommitmentFields {
  area: string;
  text: string;
  agency: string;
  person: string;
  due: string;
  sources: Source[];
}

// The fields as PATCH takes them: all of them, empty ones included (an empty due date or owner
// clears it), except an empty area, which the server would refuse.
function commitmentPatchBody(f: CommitmentFields): Record<string, unknown> {
  return {
    ...(f.area ? { area: f.area } : {}),
    text: f.text.trim(),
    owner_agency: f.agency,
    owner_person: f.person.trim(),
    due_date: f.due,
    sources: filledSources(f.sources),
  };
}

function CommitmentForm({
  meetings,
  commitments,
  areas: initialAreas,
  parent: initialParent,
  meeting: initialMeeting,
  initial,
}: {
  meetings: Meeting[];
  commitments: Commitment[];
  areas: Area[];
  parent: number | null;
  meeting: number | null;
  // The commitment being edited; none for a new one.
  initial?: Commitment;
}) {
  useLang();
  const { route } = useLocation();
  const parentK = commitments.find((k) => k.id === initialParent);
  const [meeting, setMeeting] = useState(String(parentK?.meeting_id ?? initialMeeting ?? ''));
  const [parent, setParent] = useState(parentK ? String(parentK.id) : '');
  const [areas, setAreas] = useState(initialAreas);
  const [area, setArea] = useState(initial?.area ?? parentK?.area ?? '');
  const [text, setText] = useState(initial?.text ?? '');
  const [agency, setAgency] = useState(initial?.owner_agency ?? '');
  const [person, setPerson] = useState(initial?.owner_person ?? '');
  const [due, setDue] = useState(initial?.due_date ?? '');
  const [sources, setSources] = useState<Source[]>(blankSources(initial?.sources));
  const act = useAction(async () => {
    if (initial) {
      const before = commitmentPatchBody({
        area: initial.area,
        text: initial.text,
        agency: initial.owner_agency,
        person: initial.owner_person,
        due: initial.due_date ?? '',
        sources: initial.sources,
      });
      const patch = changedFields(commitmentPatchBody({ area, text, agency, person, due, sources }), before);
      if (Object.keys(patch).length) await api.patch<Commitment>(`/api/v1/dialogue/commitments/${initial.id}`, patch);
      route(`/dialogue/commitments/${initial.id}`);
      return;
    }
    const out = await api.post<Commitment>('/api/v1/dialogue/commitments', {
      ...(meeting ? { meeting_id: Number(meeting) } : {}),
      ...(parent ? { parent_id: Number(parent) } : {}),
      ...(area ? { area } : {}),
      text: text.trim(),
      ...(agency ? { owner_agency: agency } : {}),
      ...(person.trim() ? { owner_person: person.trim() } : {}),
      ...(due ? { due_date: due } : {}),
      sources: filledSources(sources),
    });
    route(`/dialogue/commitments/${out.id}`);
  });
  const m = meetings.find((x) => String(x.id) === meeting);
  const siblings = commitments.filter((k) => String(k.meeting_id) === meeting);
  const p = commitments.find((k) => String(k.id) === parent);
  return (
    <CreateForm onSubmit={act.run}>
      {initial ? (
        // The meeting and the parent are shown, not offered: a commitment stays where it was agreed.
        <>
          <dl class="facts">
            <dt>{t('dialogue.commitment.meeting')}</dt>
            <dd>{m ? <a href={`/dialogue/meetings/${m.id}`}>{meetingOption(m)}</a> : '—'}</dd>
            {p ? (
              <>
                <dt>{t('dialogue.commitment.parent')}</dt>
                <dd>
                  <a href={`/dialogue/commitments/${p.id}`}>{p.text}</a>
                </dd>
              </>
            ) : null}
          </dl>
          <p class="field-hint">{t(p ? 'dialogue.edit.commitment.fixed_parent' : 'dialogue.edit.commitment.fixed')}</p>
        </>
      ) : (
        <>
          <Field label={t('dialogue.commitment.meeting')} hint={t('dialogue.create.commitment.meeting_hint')}>
            <select
              name="meeting_id"
              required
              value={meeting}
              onChange={(e) => {
                setMeeting(val(e));
                setParent('');
              }}
            >
              <option value="">{t('dialogue.create.choose_meeting')}</option>
              {meetings.map((x) => (
                <option value={String(x.id)}>{meetingOption(x)}</option>
              ))}
            </select>
          </Field>
          <Field label={t('dialogue.commitment.parent')} hint={t('dialogue.create.commitment.parent_hint')}>
            <select
              name="parent_id"
              value={parent}
              disabled={!meeting}
              onChange={(e) => {
                const v = val(e);
                setParent(v);
                const np = commitments.find((k) => String(k.id) === v);
                if (np && !area) setArea(np.area);
              }}
            >
              <option value="">{t('dialogue.create.commitment.no_parent')}</option>
              {siblings.map((k) => (
                <option value={String(k.id)}>{k.text.length > 90 ? k.text.slice(0, 87) + '…' : k.text}</option>
              ))}
            </select>
          </Field>
        </>
      )}
      <div class="area-pick">
        <Field
          label={t('dialogue.commitment.area')}
          hint={p && !initial ? t('dialogue.create.commitment.area_from_parent', { area: areaName(p.area, areas) }) : undefined}
        >
          <select name="area" required={!parent || !!initial} value={area} onChange={(e) => setArea(val(e))}>
            <option value="">{t(parent && !initial ? 'dialogue.create.commitment.area_parent' : 'dialogue.create.choose_area')}</option>
            {areas.map((a) => (
              <option value={a.code}>{areaName(a.code, areas)}</option>
            ))}
          </select>
        </Field>
        <NewArea
          onAdded={(code) => {
            loadAreas().then(setAreas, () => undefined);
            setArea(code);
          }}
        />
      </div>
      <Field label={t('dialogue.create.commitment.text')}>
        <textarea name="text" required maxLength={5000} value={text} onInput={(e) => setText(val(e))} />
      </Field>
      <div class="row">
        <Field label={t('dialogue.create.commitment.owner_agency')}>
          <select name="owner_agency" value={agency} onChange={(e) => setAgency(val(e))}>
            <option value="">{t('dialogue.create.commitment.no_agency')}</option>
            {AGENCIES.map((a) => (
              <option value={a}>{t(`agency.${a}`)}</option>
            ))}
          </select>
        </Field>
        <Field label={t('dialogue.create.commitment.owner_person')}>
          <input name="owner_person" maxLength={200} value={person} onInput={(e) => setPerson(val(e))} />
        </Field>
        <Field label={t('dialogue.commitment.due')}>
          <input type="date" name="due_date" value={due} onInput={(e) => setDue(val(e))} />
        </Field>
      </div>
      <Hint text={due && m && due < m.date ? t('dialogue.create.commitment.due_before_meeting', { date: fmtDate(m.date) }) : null} />
      <SourcesEditor list={sources} onChange={setSources} />
      {initial ? <p class="muted">{t('dialogue.edit.commitment.status_note')}</p> : null}
      <CreateError error={act.error} />
      <Actions
        busy={act.busy}
        submit={t(initial ? 'dialogue.edit.submit' : parent ? 'dialogue.create.commitment.sub_submit' : 'dialogue.create.commitment.submit')}
        cancel={initial ? `/dialogue/commitments/${initial.id}` : initialParent ? `/dialogue/commitments/${initialParent}` : '/dialogue/commitments'}
      />
    </CreateForm>
  );
}

// --- An engagement --------------------------------------------------------------------------------

export function NewEngagementPage() {
  useLang();
  const { query } = useLocation();
  const state = useLoad((s) => api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s), []);
  const meeting = queryMeeting(query);
  return (
    <FormPage title={t('dialogue.create.engagement.title')} back="/dialogue/engagements" backLabel={t('dialogue.engagements.back')}>
      <Async state={state}>{(d) => <EngagementForm meetings={d.items} meeting={meeting} />}</Async>
    </FormPage>
  );
}

function EngagementForm({ meetings, meeting: initialMeeting }: { meetings: Meeting[]; meeting: string }) {
  useLang();
  const { route } = useLocation();
  const [date, setDate] = useState(today());
  const [kind, setKind] = useState('government');
  const [title, setTitle] = useState('');
  const [meeting, setMeeting] = useState(initialMeeting);
  const [people, setPeople] = useState('');
  const [orgs, setOrgs] = useState('');
  const [notes, setNotes] = useState('');
  const [sources, setSources] = useState<Source[]>([{ url: '', title: '' }]);
  const act = useAction(async () => {
    const out = await api.post<Engagement>('/api/v1/dialogue/engagements', {
      date,
      kind,
      title: title.trim(),
      ...(meeting ? { meeting_id: Number(meeting) } : {}),
      people,
      organisations: orgs,
      notes,
      sources: filledSources(sources),
    });
    route(`/dialogue/engagements/${out.id}`);
  });
  return (
    <CreateForm onSubmit={act.run}>
      <Field label={t('dialogue.create.engagement.name')}>
        <input name="title" required maxLength={500} value={title} onInput={(e) => setTitle(val(e))} />
      </Field>
      <div class="row">
        <Field label={t('common.date')}>
          <input type="date" name="date" required value={date} onInput={(e) => setDate(val(e))} />
        </Field>
        <Field label={t('dialogue.engagement.kind')}>
          <select name="kind" value={kind} onChange={(e) => setKind(val(e))}>
            {ENGAGEMENT_KINDS.map((k) => (
              <option value={k}>{engagementKindName(k)}</option>
            ))}
          </select>
        </Field>
      </div>
      <Hint text={date && date > today() ? t('dialogue.create.engagement.future') : null} />
      <Field label={t('dialogue.create.engagement.meeting')}>
        <OptionalMeetingSelect meetings={meetings} value={meeting} onChange={setMeeting} />
      </Field>
      <Field label={t('dialogue.engagement.people')}>
        <input name="people" maxLength={2000} value={people} onInput={(e) => setPeople(val(e))} />
      </Field>
      <Field label={t('dialogue.engagement.organisations')}>
        <input name="organisations" maxLength={2000} value={orgs} onInput={(e) => setOrgs(val(e))} />
      </Field>
      <Field label={t('dialogue.create.engagement.notes')}>
        <textarea name="notes" maxLength={20000} value={notes} onInput={(e) => setNotes(val(e))} />
      </Field>
      <SourcesEditor list={sources} onChange={setSources} />
      <CreateError error={act.error} />
      <Actions busy={act.busy} submit={t('dialogue.create.engagement.submit')} cancel="/dialogue/engagements" />
    </CreateForm>
  );
}

// --- An indicator ---------------------------------------------------------------------------------

export function NewIndicatorPage() {
  useLang();
  return (
    <FormPage title={t('dialogue.create.indicator.title')} back="/dialogue/indicators" backLabel={t('dialogue.indicators.back')}>
      <IndicatorForm />
    </FormPage>
  );
}

function IndicatorForm() {
  useLang();
  const { route } = useLocation();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [unit, setUnit] = useState('');
  const [description, setDescription] = useState('');
  const act = useAction(async () => {
    const out = await api.post<Indicator>('/api/v1/dialogue/indicators', {
      code: code.trim(),
      name: name.trim(),
      unit: unit.trim(),
      description,
    });
    route(`/dialogue/indicators/${out.id}`);
  });
  return (
    <CreateForm onSubmit={act.run}>
      <Field label={t('dialogue.create.indicator.name')}>
        <input name="name" required maxLength={300} value={name} onInput={(e) => setName(val(e))} />
      </Field>
      <div class="row">
        <Field label={t('dialogue.create.indicator.code')} hint={t('dialogue.create.indicator.code_hint')}>
          <input name="code" required maxLength={64} value={code} onInput={(e) => setCode(val(e))} />
        </Field>
        <Field label={t('dialogue.create.indicator.unit')} hint={t('dialogue.create.indicator.unit_hint')}>
          <input name="unit" required maxLength={64} value={unit} onInput={(e) => setUnit(val(e))} />
        </Field>
      </div>
      <Hint text={code && !/^[a-z0-9_]+$/.test(code) ? t('dialogue.create.indicator.code_rule') : null} />
      <Field label={t('dialogue.create.indicator.description')}>
        <textarea name="description" maxLength={5000} value={description} onInput={(e) => setDescription(val(e))} />
      </Field>
      <p class="muted">{t('dialogue.create.indicator.after')}</p>
      <CreateError error={act.error} duplicate={t('dialogue.create.duplicate.indicator')} />
      <Actions busy={act.busy} submit={t('dialogue.create.indicator.submit')} cancel="/dialogue/indicators" />
    </CreateForm>
  );
}
