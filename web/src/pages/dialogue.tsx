// The Strategic Dialogue record (/dialogue/*): meetings timeline and meeting pages, agreements
// with each side's ratification steps, commitments with progress updates, indicators, side
// engagements and the briefing pack for the next meeting. The foreign ministries' desk officers
// (dialogue.write) record party actions, procedure steps, progress updates and indicator values.
import { useLocation } from 'preact-iso';
import { api } from '../api';
import { t } from '../i18n/core';
import { useLang, useLoad } from '../ui/hooks';
import { Async, Badge, PageHeader } from '../ui/widgets';
import { AgreementPage, AgreementsPage } from './dialogue_agreements';
import { BriefingPage } from './dialogue_briefing';
import { CommitmentPage, CommitmentsPage } from './dialogue_commitments';
import { EngagementPage, EngagementsPage, IndicatorPage, IndicatorsPage } from './dialogue_more';
import {
  type Agreement,
  type Commitment,
  type Engagement,
  type Items,
  type Meeting,
  areaName,
  engagementKindName,
  formatName,
  idOf,
  meetingDate,
  meetingTitle,
  partyName,
} from './dialogue_model';
import { CommitmentState, Illustrative, Sources, loadAreas } from './dialogue_widgets';
import { fmtDate } from '../i18n/core';
import { useSession } from '../session';
import {
  EditCommitmentPage,
  EditMeetingPage,
  NewAgreementPage,
  NewButton,
  NewCommitmentPage,
  NewEngagementPage,
  NewIndicatorPage,
  NewMeetingPage,
} from './dialogue_create';

// Today as the server counts days (UTC).
const today = () => new Date().toISOString().slice(0, 10);

const TABS = ['meetings', 'agreements', 'commitments', 'indicators', 'engagements', 'briefing'];

function Tabs({ current }: { current: string }) {
  return (
    <nav class="tabs no-print" aria-label={t('dialogue.tabs')}>
      {TABS.map((s) => (
        <a href={`/dialogue/${s}`} aria-current={s === current ? 'page' : undefined}>
          {t(`dialogue.tab.${s}`)}
        </a>
      ))}
    </nav>
  );
}

function MeetingsPage() {
  const state = useLoad((s) => api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s), []);
  return (
    <>
      <PageHeader title={t('dialogue.meetings.title')}>
        <NewButton href="/dialogue/meetings/new" label={t('dialogue.create.meeting.new')} />
      </PageHeader>
      <p class="muted">{t('dialogue.meetings.intro')}</p>
      <Async state={state}>
        {(d) => {
          const list = [...d.items].sort((a, b) => b.date.localeCompare(a.date));
          if (!list.length) return <p>{t('common.none')}</p>;
          return (
            <ol class="timeline meeting-timeline" aria-label={t('dialogue.meetings.timeline')}>
              {list.map((m) => (
                <li class={m.status === 'planned' ? 'planned' : ''}>
                  <p class="timeline-date">
                    <time dateTime={m.date}>{meetingDate(m)}</time>
                  </p>
                  <h2 class="timeline-title">
                    <a href={`/dialogue/meetings/${m.id}`}>
                      {meetingTitle(m)} — {m.city}
                    </a>
                  </h2>
                  <p>
                    <Badge kind={m.status === 'planned' ? 'warn' : 'ok'}>{t(`dialogue.meeting.status.${m.status === 'planned' ? 'planned' : 'held'}`)}</Badge>{' '}
                    <span class="muted">
                      {partyName(m.country)} · {formatName(m.format)}
                    </span>{' '}
                    <Illustrative on={m.illustrative} />
                  </p>
                  {m.co_chairs.length ? (
                    <p class="muted">
                      {t('dialogue.meeting.co_chairs')}: {m.co_chairs.map((p) => p.name).join(', ')}
                    </p>
                  ) : null}
                  {m.summary ? <p>{m.summary.length > 260 ? m.summary.slice(0, 257) + '…' : m.summary}</p> : null}
                </li>
              ))}
            </ol>
          );
        }}
      </Async>
    </>
  );
}

function People({ list }: { list: { side: string; name: string; title: string }[] }) {
  return (
    <ul>
      {list.map((p) => (
        <li>
          <strong>{p.name}</strong>
          {p.title ? `, ${p.title}` : ''} <span class="muted">({partyName(p.side)})</span>
        </li>
      ))}
    </ul>
  );
}

function MeetingPage({ id }: { id: number }) {
  useLang();
  const { may } = useSession();
  const state = useLoad(
    (s) =>
      Promise.all([
        api.get<Meeting>(`/api/v1/dialogue/meetings/${id}`, s),
        api.get<Items<Agreement>>('/api/v1/dialogue/agreements', s),
        api.get<Items<Engagement>>('/api/v1/dialogue/engagements', s),
        api.get<Items<Commitment>>('/api/v1/dialogue/commitments', s),
        loadAreas(),
      ]),
    [id],
  );
  return (
    <Async state={state}>
      {([m, agreements, engagements, commitments, areas]) => {
        const signed = agreements.items.filter((a) => m.documents_signed.some((h) => idOf(h, 'agreements') === a.id));
        const side = engagements.items.filter((e) => m.side_engagements.some((h) => idOf(h, 'engagements') === e.id));
        const made = commitments.items.filter((k) => k.meeting_id === m.id && k.parent_id == null);
        return (
          <>
            <PageHeader title={`${meetingTitle(m)} — ${m.city}, ${meetingDate(m)}`}>
              {may('dialogue.write') ? (
                <>
                  <a class="button" href={`/dialogue/commitments/new?meeting=${m.id}`}>
                    {t('dialogue.create.meeting.add_commitment')}
                  </a>
                  <a class="button secondary" href={`/dialogue/agreements/new?meeting=${m.id}`}>
                    {t('dialogue.create.meeting.add_agreement')}
                  </a>
                  <a class="button secondary" href={`/dialogue/engagements/new?meeting=${m.id}`}>
                    {t('dialogue.create.meeting.add_engagement')}
                  </a>
                  <a class="button secondary" href={`/dialogue/meetings/${m.id}/edit`}>
                    {t('dialogue.edit.button')}
                  </a>
                </>
              ) : null}
            </PageHeader>
            <p>
              <a href="/dialogue/meetings">{t('dialogue.meetings.back')}</a>
            </p>
            {may('dialogue.write') && m.status === 'planned' && m.date < today() ? (
              <div class="notice meeting-passed" role="status">
                <p>{t('dialogue.edit.meeting.passed')}</p>
                <p>
                  <a class="button" href={`/dialogue/meetings/${m.id}/edit?status=held`}>
                    {t('dialogue.edit.meeting.record_held')}
                  </a>
                </p>
              </div>
            ) : null}
            <dl class="facts">
              <dt>{t('common.date')}</dt>
              <dd>
                {meetingDate(m)}
                {m.date_approximate ? <span class="muted"> — {t('dialogue.meeting.date_approximate')}</span> : null}
              </dd>
              <dt>{t('dialogue.meeting.place')}</dt>
              <dd>
                {m.city}, {partyName(m.country)}
              </dd>
              <dt>{t('dialogue.meeting.format')}</dt>
              <dd>{formatName(m.format)}</dd>
              <dt>{t('common.status')}</dt>
              <dd>
                {t(`dialogue.meeting.status.${m.status === 'planned' ? 'planned' : 'held'}`)} <Illustrative on={m.illustrative} />
              </dd>
              {m.number_inferred ? (
                <>
                  <dt>{t('dialogue.meeting.number')}</dt>
                  <dd>{t('dialogue.meeting.number_inferred')}</dd>
                </>
              ) : null}
              {m.areas.length ? (
                <>
                  <dt>{t('dialogue.meeting.areas')}</dt>
                  <dd>{m.areas.map((a) => areaName(a, areas)).join(', ')}</dd>
                </>
              ) : null}
            </dl>
            {m.co_chairs.length ? (
              <>
                <h2>{t('dialogue.meeting.co_chairs')}</h2>
                <People list={m.co_chairs} />
              </>
            ) : null}
            {m.delegations.length ? (
              <>
                <h2>{t('dialogue.meeting.delegations')}</h2>
                <People list={m.delegations} />
              </>
            ) : null}
            {m.summary ? (
              <>
                <h2>{t('dialogue.meeting.summary')}</h2>
                <p class="prose">{m.summary}</p>
              </>
            ) : null}
            {m.outcomes ? (
              <>
                <h2>{t('dialogue.meeting.outcomes')}</h2>
                <p class="prose">{m.outcomes}</p>
              </>
            ) : null}
            <h2>{t('dialogue.meeting.signed')}</h2>
            {signed.length ? (
              <ul>
                {signed.map((a) => (
                  <li>
                    <a href={`/dialogue/agreements/${a.id}`}>{a.title}</a>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">{t('dialogue.meeting.signed_none')}</p>
            )}
            <h2>{t('dialogue.meeting.commitments')}</h2>
            {made.length ? (
              <ul>
                {made.map((k) => (
                  <li>
                    <a href={`/dialogue/commitments/${k.id}`}>{k.text}</a> <CommitmentState k={k} />
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">{t('dialogue.meeting.commitments_none')}</p>
            )}
            <h2>{t('dialogue.meeting.engagements')}</h2>
            {side.length ? (
              <ul>
                {side.map((e) => (
                  <li>
                    {fmtDate(e.date)} — <a href={`/dialogue/engagements/${e.id}`}>{e.title}</a>{' '}
                    <span class="muted">({engagementKindName(e.kind)})</span>
                  </li>
                ))}
              </ul>
            ) : (
              <p class="muted">{t('dialogue.meeting.engagements_none')}</p>
            )}
            <Sources sources={m.sources} />
          </>
        );
      }}
    </Async>
  );
}

export default function Dialogue() {
  useLang();
  const { path } = useLocation();
  const parts = path.split('/').filter(Boolean).slice(1);
  const section = TABS.includes(parts[0]) ? parts[0] : parts.length ? '' : 'meetings';
  const id = parts[1] && /^\d+$/.test(parts[1]) ? Number(parts[1]) : null;
  const isNew = parts[1] === 'new' && parts.length === 2;
  const isEdit = id !== null && parts[2] === 'edit' && parts.length === 3;
  let body;
  if (isEdit && section === 'meetings') body = <EditMeetingPage id={id} />;
  else if (isEdit && section === 'commitments') body = <EditCommitmentPage id={id} />;
  else if (isNew && section === 'meetings') body = <NewMeetingPage />;
  else if (isNew && section === 'agreements') body = <NewAgreementPage />;
  else if (isNew && section === 'commitments') body = <NewCommitmentPage />;
  else if (isNew && section === 'indicators') body = <NewIndicatorPage />;
  else if (isNew && section === 'engagements') body = <NewEngagementPage />;
  else if (section === 'meetings') body = id ? <MeetingPage id={id} /> : <MeetingsPage />;
  else if (section === 'agreements') body = id ? <AgreementPage id={id} /> : <AgreementsPage />;
  else if (section === 'commitments') body = id ? <CommitmentPage id={id} /> : <CommitmentsPage />;
  else if (section === 'indicators') body = id ? <IndicatorPage id={id} /> : <IndicatorsPage />;
  else if (section === 'engagements') body = id ? <EngagementPage id={id} /> : <EngagementsPage />;
  else if (section === 'briefing') body = <BriefingPage />;
  else body = <PageHeader title={t('common.not_found_page')} />;
  if (parts[1] !== undefined && id === null && section !== '' && !(isNew && section !== 'briefing')) {
    body = <PageHeader title={t('common.not_found_page')} />;
  }
  // Only meetings and commitments have an edit page; nothing else lies below a record's page.
  if (parts.length > 2 && !(isEdit && (section === 'meetings' || section === 'commitments'))) {
    body = <PageHeader title={t('common.not_found_page')} />;
  }
  return (
    <div class="dialogue">
      <Tabs current={section} />
      {body}
    </div>
  );
}
