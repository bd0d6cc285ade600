// Commitments made at the meetings: the table (sub-commitments under their parent, overdue in red
// with words), one commitment with its progress updates, and the form to add an update.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api';
import { fmtDate, t } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { submitWith, useAction, useLang, useLoad } from '../ui/hooks';
import { Async, DataTable, Field, PageHeader } from '../ui/widgets';
import {
  type Area,
  COMMITMENT_STATUSES,
  type Commitment,
  type Items,
  type Meeting,
  areaName,
  commitmentStatusName,
  meetingTitle,
} from './dialogue_model';
import { CommitmentState, Illustrative, Sources, loadAreas } from './dialogue_widgets';
import { NewButton } from './dialogue_create';

// Parents first, each followed by its sub-commitments (depth for indenting).
function ordered(items: Commitment[]): { k: Commitment; depth: number }[] {
  const byParent = new Map<number | null, Commitment[]>();
  const ids = new Set(items.map((k) => k.id));
  for (const k of items) {
    const p = k.parent_id != null && ids.has(k.parent_id) ? k.parent_id : null;
    byParent.set(p, [...(byParent.get(p) ?? []), k]);
  }
  const out: { k: Commitment; depth: number }[] = [];
  const visit = (p: number | null, depth: number) => {
    for (const k of byParent.get(p) ?? []) {
      out.push({ k, depth });
      if (depth < 5) visit(k.id, depth + 1);
    }
  };
  visit(null, 0);
  return out;
}

export function CommitmentsPage() {
  useLang();
  const { query, route } = useLocation();
  const area = query.area ?? '';
  const overdue = query.overdue === 'true';
  const state = useLoad(
    (s) =>
      Promise.all([
        api.get<Items<Commitment>>('/api/v1/dialogue/commitments', s),
        api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s),
        loadAreas(),
      ]),
    [],
  );
  const go = (a: string, o: boolean) => {
    const q = new URLSearchParams();
    if (a) q.set('area', a);
    if (o) q.set('overdue', 'true');
    const s = q.toString();
    route(`/dialogue/commitments${s ? '?' + s : ''}`, true);
  };
  return (
    <>
      <PageHeader title={t('dialogue.commitments.title')}>
        <NewButton href="/dialogue/commitments/new" label={t('dialogue.create.commitment.new')} />
      </PageHeader>
      <Async state={state}>
        {([all, meetings, areas]) => {
          const usedAreas = Array.from(new Set(all.items.map((k) => k.area).filter(Boolean)));
          // A filtered view keeps a matching sub-commitment's parent for context.
          const match = (k: Commitment) => (!area || k.area === area) && (!overdue || k.overdue);
          const keep = new Set<number>();
          for (const k of all.items) {
            if (match(k)) {
              keep.add(k.id);
              if (k.parent_id != null) keep.add(k.parent_id);
            }
          }
          const rows = ordered(all.items.filter((k) => keep.has(k.id)));
          const lateCount = all.items.filter((k) => k.overdue).length;
          return (
            <>
              <form class="row no-print" onSubmit={(e) => e.preventDefault()} aria-label={t('common.filter')}>
                <Field label={t('dialogue.commitment.area')}>
                  <select value={area} onChange={(e) => go((e.target as HTMLSelectElement).value, overdue)}>
                    <option value="">{t('dialogue.commitments.all_areas')}</option>
                    {usedAreas.map((a) => (
                      <option value={a}>{areaName(a, areas)}</option>
                    ))}
                  </select>
                </Field>
                <label class="check">
                  <input type="checkbox" checked={overdue} onChange={(e) => go(area, (e.target as HTMLInputElement).checked)} />
                  <span>{t('dialogue.commitments.overdue_only', { n: lateCount })}</span>
                </label>
              </form>
              {rows.length === 0 ? (
                <p>{t('dialogue.commitments.none')}</p>
              ) : (
                <DataTable
                  tableClass="commitments"
                  headers={[
                    t('dialogue.commitment'),
                    t('dialogue.commitment.meeting'),
                    t('dialogue.commitment.area'),
                    t('dialogue.commitment.owner'),
                    t('dialogue.commitment.due'),
                    t('common.status'),
                  ]}
                >
                  {rows.map(({ k, depth }) => {
                    const m = meetings.items.find((x) => x.id === k.meeting_id);
                    return (
                      <tr class={`${k.overdue ? 'overdue-row' : ''} depth-${depth}`}>
                        <th scope="row" class={depth ? 'sub' : ''}>
                          {depth ? <span class="muted">{t('dialogue.commitment.sub')} </span> : null}
                          <a href={`/dialogue/commitments/${k.id}`}>{k.text}</a> <Illustrative on={k.illustrative} />
                        </th>
                        <td>{m ? <a href={`/dialogue/meetings/${m.id}`}>{meetingTitle(m)}</a> : '—'}</td>
                        <td>{areaName(k.area, areas)}</td>
                        <td>
                          {k.owner_agency ? t(`agency.${k.owner_agency}`) : '—'}
                          {k.owner_person ? <span class="muted"> — {k.owner_person}</span> : null}
                        </td>
                        <td class={k.overdue ? 'overdue-text' : ''}>{fmtDate(k.due_date)}</td>
                        <td>
                          <CommitmentState k={k} />
                        </td>
                      </tr>
                    );
                  })}
                </DataTable>
              )}
            </>
          );
        }}
      </Async>
    </>
  );
}

function UpdateForm({ k, onDone }: { k: Commitment; onDone: (k: Commitment) => void }) {
  useLang();
  const [date, setDate] = useState(new Date().toISOString().slice(0, 10));
  const [status, setStatus] = useState(k.status);
  const [text, setText] = useState('');
  const [evidence, setEvidence] = useState('');
  const [ok, setOk] = useState(false);
  const act = useAction(async () => {
    setOk(false);
    const body: Record<string, string> = { date, status, text };
    if (evidence.trim()) body.evidence_url = evidence.trim();
    const updated = await api.post<Commitment>(`/api/v1/dialogue/commitments/${k.id}/updates`, body);
    setText('');
    setEvidence('');
    setOk(true);
    onDone(updated);
  });
  return (
    <form
      class="card"
      aria-labelledby="update-title"
      onSubmit={submitWith(act.run)}
    >
      <h2 id="update-title">{t('dialogue.update.title')}</h2>
      <div class="row">
        <Field label={t('common.date')}>
          <input type="date" required value={date} onInput={(e) => setDate((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label={t('common.status')}>
          <select value={status} onChange={(e) => setStatus((e.target as HTMLSelectElement).value)}>
            {COMMITMENT_STATUSES.map((s) => (
              <option value={s}>{commitmentStatusName(s)}</option>
            ))}
          </select>
        </Field>
      </div>
      <Field label={t('dialogue.update.text')}>
        <textarea required maxLength={5000} value={text} onInput={(e) => setText((e.target as HTMLTextAreaElement).value)} />
      </Field>
      <Field label={t('dialogue.update.evidence')} hint={t('dialogue.update.evidence_hint')}>
        <input type="url" value={evidence} onInput={(e) => setEvidence((e.target as HTMLInputElement).value)} />
      </Field>
      <ErrorBox error={act.error} />
      {ok ? (
        <p class="success" role="status">
          {t('dialogue.update.saved')}
        </p>
      ) : null}
      <button type="submit" disabled={act.busy}>
        {t('dialogue.update.submit')}
      </button>
    </form>
  );
}

function CommitmentView({ initial, all, meetings, areas }: { initial: Commitment; all: Commitment[]; meetings: Meeting[]; areas: Area[] }) {
  useLang();
  const { may } = useSession();
  const [k, setK] = useState(initial);
  useEffect(() => setK(initial), [initial]);
  const m = meetings.find((x) => x.id === k.meeting_id);
  const parent = all.find((x) => x.id === k.parent_id);
  const children = all.filter((x) => x.parent_id === k.id);
  const updates = [...k.updates].sort((a, b) => b.date.localeCompare(a.date) || b.id - a.id);
  return (
    <>
      <PageHeader title={t('dialogue.commitment.title', { id: k.id })}>
        {may('dialogue.write') ? (
          <a class="button secondary" href={`/dialogue/commitments/${k.id}/edit`}>
            {t('dialogue.edit.button')}
          </a>
        ) : null}
        <NewButton href={`/dialogue/commitments/new?parent=${k.id}`} label={t('dialogue.create.commitment.add_sub')} />
      </PageHeader>
      <p>
        <a href="/dialogue/commitments">{t('dialogue.commitments.back')}</a>
      </p>
      <p class="lead">{k.text}</p>
      <p>
        <CommitmentState k={k} /> <Illustrative on={k.illustrative} />
      </p>
      <dl class="facts">
        <dt>{t('dialogue.commitment.meeting')}</dt>
        <dd>{m ? <a href={`/dialogue/meetings/${m.id}`}>{`${meetingTitle(m)} — ${m.city}, ${fmtDate(m.date)}`}</a> : '—'}</dd>
        {parent ? (
          <>
            <dt>{t('dialogue.commitment.parent')}</dt>
            <dd>
              <a href={`/dialogue/commitments/${parent.id}`}>{parent.text}</a>
            </dd>
          </>
        ) : null}
        <dt>{t('dialogue.commitment.area')}</dt>
        <dd>{areaName(k.area, areas)}</dd>
        <dt>{t('dialogue.commitment.owner')}</dt>
        <dd>
          {k.owner_agency ? t(`agency.${k.owner_agency}`) : '—'}
          {k.owner_person ? ` — ${k.owner_person}` : ''}
        </dd>
        <dt>{t('dialogue.commitment.due')}</dt>
        <dd class={k.overdue ? 'overdue-text' : ''}>
          {fmtDate(k.due_date)}
          {k.overdue ? ` — ${t('dialogue.overdue')}` : ''}
        </dd>
      </dl>
      {children.length ? (
        <>
          <h2>{t('dialogue.commitment.children')}</h2>
          <p class="muted">{t('dialogue.commitment.rollup')}</p>
          <ul>
            {children.map((c) => (
              <li>
                <a href={`/dialogue/commitments/${c.id}`}>{c.text}</a> <CommitmentState k={c} />
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <h2>{t('dialogue.commitment.updates')}</h2>
      {updates.length ? (
        <ol class="timeline">
          {updates.map((u) => (
            <li>
              <p>
                <strong>
                  <time dateTime={u.date}>{fmtDate(u.date)}</time>
                </strong>{' '}
                — {commitmentStatusName(u.status)}
                {u.author ? <span class="muted"> ({u.author})</span> : null}
              </p>
              <p class="prose">{u.text}</p>
              {u.evidence_url && /^https?:\/\//i.test(u.evidence_url) ? (
                <p>
                  <a href={u.evidence_url} target="_blank" rel="noopener noreferrer">
                    {t('dialogue.update.evidence_link')}
                  </a>
                </p>
              ) : null}
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">{t('dialogue.commitment.updates_none')}</p>
      )}
      {may('dialogue.write') ? <UpdateForm k={k} onDone={setK} /> : null}
      <Sources sources={k.sources} />
    </>
  );
}

export function CommitmentPage({ id }: { id: number }) {
  const state = useLoad(
    (s) =>
      Promise.all([
        api.get<Commitment>(`/api/v1/dialogue/commitments/${id}`, s),
        api.get<Items<Commitment>>('/api/v1/dialogue/commitments', s),
        api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s),
        loadAreas(),
      ]),
    [id],
  );
  return (
    <Async state={state}>
      {([k, all, meetings, areas]) => <CommitmentView initial={k} all={all.items} meetings={meetings.items} areas={areas} />}
    </Async>
  );
}
