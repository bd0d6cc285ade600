// Pieces of the Strategic Dialogue shown on the dashboard and on the dialogue pages: the
// ratification board (each agreement, each side's state and next step) and overdue commitments.
import { api } from '../api';
import { fmtDate, t } from '../i18n/core';
import { useLang } from '../ui/hooks';
import { Badge } from '../ui/widgets';
import {
  type Agreement,
  type Area,
  type Commitment,
  type Items,
  type Source,
  areaName,
  commitmentStatusName,
  kindName,
  nextStep,
  partyName,
  signedDate,
  stateName,
  statusKind,
  statusText,
} from './dialogue_model';

export function RatificationBoard({ agreements }: { agreements: Agreement[] }) {
  useLang();
  if (!agreements.length) return <p class="muted">{t('dialogue.agreements.none')}</p>;
  const parties = Array.from(new Set(agreements.flatMap((a) => a.parties)));
  return (
    <div class="table-wrap">
      <table class="ratification-board">
        <caption class="visually-hidden">{t('dashboard.board.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('dialogue.agreement')}</th>
            <th scope="col">{t('dialogue.agreement.signed')}</th>
            <th scope="col">{t('dialogue.agreement.status')}</th>
            {parties.map((p) => (
              <th scope="col">{partyName(p)}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {agreements.map((a) => {
            const signed = signedDate(a);
            return (
              <tr>
                <th scope="row">
                  <a href={`/dialogue/agreements/${a.id}`}>{a.title}</a>
                  <br />
                  <span class="muted">{kindName(a.kind)}</span>
                  {a.illustrative ? (
                    <>
                      {' '}
                      <Badge>{t('dialogue.illustrative')}</Badge>
                    </>
                  ) : null}
                </th>
                <td>{signed ? fmtDate(signed) : t('dialogue.agreement.not_signed')}</td>
                <td>
                  <Badge kind={statusKind(a.status, a.kind)}>{statusText(a)}</Badge>
                </td>
                {parties.map((p) => {
                  if (!a.parties.includes(p)) return <td class="muted">—</td>;
                  const ps = a.party_status.find((x) => x.party === p);
                  const next = nextStep(a, p);
                  return (
                    <td>
                      <strong>{stateName(ps?.state ?? 'not_signed')}</strong>
                      {next ? (
                        <>
                          <br />
                          <span class="muted">{t('dialogue.next', { step: next })}</span>
                        </>
                      ) : null}
                    </td>
                  );
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

export function OverdueTable({ items, areas }: { items: Commitment[]; areas?: Area[] }) {
  useLang();
  const today = Date.parse(new Date().toISOString().slice(0, 10) + 'T00:00:00Z');
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{t('dashboard.overdue.title')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('dialogue.commitment')}</th>
            <th scope="col">{t('dialogue.commitment.area')}</th>
            <th scope="col">{t('dialogue.commitment.owner')}</th>
            <th scope="col">{t('dialogue.commitment.due')}</th>
            <th scope="col">{t('common.status')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((k) => {
            const days = k.due_date ? Math.round((today - Date.parse(k.due_date + 'T00:00:00Z')) / 86400000) : 0;
            return (
              <tr class="overdue-row">
                <th scope="row">
                  <a href={`/dialogue/commitments/${k.id}`}>{k.text}</a>
                </th>
                <td>{areaName(k.area, areas)}</td>
                <td>{k.owner_agency ? t(`agency.${k.owner_agency}`) : '—'}</td>
                <td class="overdue-text">
                  {fmtDate(k.due_date)}
                  <br />
                  <Badge kind="danger">{t('dialogue.overdue_days', { n: days })}</Badge>
                </td>
                <td>{t('dialogue.progress', { n: k.progress_percent })}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}


export function Sources({ sources }: { sources: Source[] }) {
  useLang();
  if (!sources.length) return null;
  return (
    <section class="sources">
      <h2>{t('dialogue.sources')}</h2>
      <ul>
        {sources.map((s) => (
          <li>
            {/^https?:\/\//i.test(s.url) ? (
              <a href={s.url} target="_blank" rel="noopener noreferrer">
                {s.title || s.url}
              </a>
            ) : (
              <span>{s.title || s.url}</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Illustrative({ on }: { on: boolean }) {
  useLang();
  return on ? (
    <span class="badge badge-illustrative" title={t('dialogue.illustrative_hint')}>
      {t('dialogue.illustrative')}
    </span>
  ) : null;
}

// Where a commitment stands: status, progress and, when late, "Overdue by N days" in red text.
export function CommitmentState({ k }: { k: Commitment }) {
  useLang();
  const today = Date.parse(new Date().toISOString().slice(0, 10) + 'T00:00:00Z');
  const days = k.due_date ? Math.round((today - Date.parse(k.due_date + 'T00:00:00Z')) / 86400000) : 0;
  const kind = k.status === 'complete' ? 'ok' : k.status === 'dropped' ? undefined : k.overdue ? 'danger' : 'warn';
  return (
    <span class="commitment-state">
      <Badge kind={kind}>{commitmentStatusName(k.status)}</Badge>{' '}
      <span class="muted">{t('dialogue.progress', { n: k.progress_percent })}</span>
      {k.overdue ? (
        <>
          {' '}
          <Badge kind="danger">{t('dialogue.overdue_days', { n: days })}</Badge>
        </>
      ) : null}
    </span>
  );
}

// The areas with their names in three languages, loaded once per page.
let areasCache: Promise<Area[]> | null = null;
export function loadAreas(): Promise<Area[]> {
  if (!areasCache) {
    areasCache = api.get<Items<Area>>('/api/v1/dialogue/areas').then(
      (r) => r.items,
      (e) => {
        areasCache = null;
        throw e;
      },
    );
  }
  return areasCache;
}

// Forgets the areas loaded so far (after a new area is added).
export function resetAreas(): void {
  areasCache = null;
}
