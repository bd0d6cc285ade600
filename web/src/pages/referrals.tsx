// Referrals between the two labour agencies: the inbox (sent to this agency) and the outbox (sent
// by it). The API returns both in one list; the direction is read from from_agency / to_agency.
import { useLocation } from 'preact-iso';
import { api } from '../api';
import { fmtDateTime, t } from '../i18n/core';
import { useSession } from '../session';
import { useLang, useLoad } from '../ui/hooks';
import { Async, Badge, Field, PageHeader, Pager } from '../ui/widgets';

export interface ReferralMessage {
  from_agency: string;
  author: string;
  at: string;
  body: string;
}
export interface Referral {
  id: number;
  from_agency: string;
  to_agency: string;
  purpose: string;
  legal_basis: string;
  fields: string[];
  consent: boolean;
  override_reason?: string;
  status: string;
  created_at: string;
  shared: Record<string, unknown>;
  messages: ReferralMessage[];
  case_id?: number; // the sender's only
}

export const REFERRAL_STATUSES = ['sent', 'info_requested', 'accepted', 'declined', 'revoked'];

export function ReferralStatusBadge({ status }: { status: string }) {
  const kind =
    status === 'sent' || status === 'info_requested'
      ? 'warn'
      : status === 'accepted'
        ? 'ok'
        : status === 'declined' || status === 'revoked'
          ? 'danger'
          : '';
  return (
    <Badge kind={kind}>{REFERRAL_STATUSES.includes(status) ? t(`referrals.status.${status}`) : status}</Badge>
  );
}

// Whether the reader's agency has to do something on this referral, and what.
export function pendingAction(r: Referral, agency: string): string | null {
  if (r.to_agency === agency && r.status === 'sent') return 'referrals.pending.answer';
  if (r.from_agency === agency && r.status === 'info_requested') return 'referrals.pending.info';
  return null;
}

const PAGE_SIZE = 25;

export default function ReferralsPage() {
  useLang();
  const { me } = useSession();
  const loc = useLocation();
  const box = loc.query.box === 'out' ? 'out' : 'in';
  const status = REFERRAL_STATUSES.includes(loc.query.status) ? loc.query.status : '';
  const page = Math.max(0, Number.parseInt(loc.query.page ?? '0', 10) || 0);
  const state = useLoad((s) => api.get<{ items: Referral[] }>('/api/v1/referrals', s), []);
  const agency = me.user.agency;
  const url = (b: string, st: string, p = 0) =>
    `/referrals?box=${b}${st ? `&status=${st}` : ''}${p ? `&page=${p}` : ''}`;

  const all = state.data?.items ?? [];
  const inbox = all.filter((r) => r.to_agency === agency);
  const outbox = all.filter((r) => r.from_agency === agency);
  const pendingIn = inbox.filter((r) => pendingAction(r, agency)).length;
  const pendingOut = outbox.filter((r) => pendingAction(r, agency)).length;
  // Status filter and paging are done here: the API returns every referral (up to 500) at once.
  const list = (box === 'in' ? inbox : outbox).filter((r) => !status || r.status === status);
  // What needs this agency's action first, then newest first.
  list.sort((a, b) => Number(!!pendingAction(b, agency)) - Number(!!pendingAction(a, agency)) || b.id - a.id);
  const pages = Math.max(1, Math.ceil(list.length / PAGE_SIZE));
  const p = Math.min(page, pages - 1);
  const shown = list.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE);

  return (
    <section>
      <PageHeader title={t('referrals.list.title')} />
      <p class="muted">{t('referrals.list.intro')}</p>
      <nav class="tabs" aria-label={t('referrals.list.boxes')}>
        <a href={url('in', status)} aria-current={box === 'in' ? 'page' : undefined} id="tab-inbox">
          {t('referrals.list.inbox')} ({inbox.length}
          {pendingIn ? ` · ${t('referrals.list.to_answer', { n: pendingIn })}` : ''})
        </a>
        <a href={url('out', status)} aria-current={box === 'out' ? 'page' : undefined} id="tab-outbox">
          {t('referrals.list.outbox')} ({outbox.length}
          {pendingOut ? ` · ${t('referrals.list.to_answer', { n: pendingOut })}` : ''})
        </a>
      </nav>
      <div class="row">
        <Field label={t('common.status')}>
          <select
            name="status"
            value={status}
            onChange={(e) => loc.route(url(box, (e.target as HTMLSelectElement).value), true)}
          >
            <option value="">{t('referrals.list.all')}</option>
            {REFERRAL_STATUSES.map((s) => (
              <option value={s}>{t(`referrals.status.${s}`)}</option>
            ))}
          </select>
        </Field>
      </div>
      <Async state={state}>
        {() =>
          shown.length === 0 ? (
            <p class="card">{box === 'in' ? t('referrals.list.empty_in') : t('referrals.list.empty_out')}</p>
          ) : (
            <>
              <div class="table-wrap">
                <table class="referrals-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('referrals.field.referral')}</th>
                      <th scope="col">{box === 'in' ? t('referrals.field.from') : t('referrals.field.to')}</th>
                      <th scope="col">{t('common.status')}</th>
                      <th scope="col">{t('referrals.field.purpose')}</th>
                      <th scope="col" class="num">
                        {t('referrals.field.fields')}
                      </th>
                      <th scope="col" class="num">
                        {t('referrals.field.messages')}
                      </th>
                      <th scope="col">{t('common.created')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((r) => {
                      const pending = pendingAction(r, agency);
                      return (
                        <tr data-referral={r.id}>
                          <td>
                            <a href={`/referrals/${r.id}`}>{t('referrals.title_n', { id: r.id })}</a>
                          </td>
                          <td>{t(`agency.${box === 'in' ? r.from_agency : r.to_agency}`)}</td>
                          <td>
                            <ReferralStatusBadge status={r.status} />
                            {pending ? (
                              <>
                                {' '}
                                <Badge kind="danger">{t(pending)}</Badge>
                              </>
                            ) : null}
                          </td>
                          <td>{r.purpose}</td>
                          <td class="num">{r.fields.length}</td>
                          <td class="num">{r.messages.length}</td>
                          <td>{fmtDateTime(r.created_at)}</td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
              {pages > 1 ? (
                <Pager page={p} hasNext={p < pages - 1} onPage={(n) => loc.route(url(box, status, n), true)} />
              ) : null}
            </>
          )
        }
      </Async>
    </section>
  );
}
