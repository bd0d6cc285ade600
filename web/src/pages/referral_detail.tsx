// One referral. The partner agency sees the snapshot of the fields that were shared and nothing
// else (the server sends nothing else); the sender also sees its link to the case. The partner
// answers (accept, decline, request information), the sender may revoke, and both write in the
// message thread. A referral made from a record-linkage pair shows the pair reference and the
// reader's own record of the pair (each agency its own; the server sends nothing else).
import { useEffect, useState } from 'preact/hooks';
import { useRoute } from 'preact-iso';
import { api } from '../api';
import { fmtDateTime, fmtNumber, t } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { useAction, useLang, useLoad } from '../ui/hooks';
import { Fact, Field, Loading, PageHeader, TextPostForm } from '../ui/widgets';
import { IndicatorList, SHAREABLE_FIELDS, fieldText } from './case_detail';
import { useTaxonomy, type Taxonomy } from './cases';
import { ReferralStatusBadge, pendingAction, type Referral } from './referrals';

type Mode = null | 'decline' | 'request_info' | 'revoke';

// The linkage pair a referral names, as the reader sees it: project_id, similarity and own_* only
// when the reader may read the pair's project.
interface ReferralLinkage {
  pair_ref: string;
  project_id?: number;
  similarity?: number;
  own_index?: number;
  own_ref?: string | null;
}
type LinkedReferral = Referral & { linkage?: ReferralLinkage };

export default function ReferralDetailPage() {
  useLang();
  const { params } = useRoute();
  const id = params.id;
  const { me } = useSession();
  const taxonomy = useTaxonomy();
  const state = useLoad((s) => api.get<LinkedReferral>(`/api/v1/referrals/${encodeURIComponent(id)}`, s), [id]);
  const [fresh, setFresh] = useState<Referral | null>(null);
  useEffect(() => setFresh(null), [id]);
  // The answers to responses and messages carry no pair details: keep those of the last GET.
  const r: LinkedReferral | undefined = fresh ? { ...fresh, linkage: state.data?.linkage } : state.data;

  if (state.error) {
    return (
      <section>
        <PageHeader title={t('referrals.detail.title_unknown')}>
          <a href="/referrals">{t('referrals.detail.back')}</a>
        </PageHeader>
        <ErrorBox error={state.error} onRetry={state.reload} />
      </section>
    );
  }
  if (!r) {
    return <Loading />;
  }
  const sender = r.from_agency === me.user.agency;
  const pending = pendingAction(r, me.user.agency);
  const other = sender ? r.to_agency : r.from_agency;

  return (
    <section class="referral-detail">
      <PageHeader title={t('referrals.title_n', { id: r.id })}>
        <a href={`/referrals?box=${sender ? 'out' : 'in'}`}>{t('referrals.detail.back')}</a>
      </PageHeader>

      <section class="card" aria-label={t('referrals.detail.summary')}>
        <dl class="case-facts">
          <Fact label={t('common.status')}>
            <ReferralStatusBadge status={r.status} />
          </Fact>
          <Fact label={t('referrals.field.from')}>{t(`agency.${r.from_agency}`)}</Fact>
          <Fact label={t('referrals.field.to')}>{t(`agency.${r.to_agency}`)}</Fact>
          <Fact label={t('common.created')}>{fmtDateTime(r.created_at)}</Fact>
          {sender && r.case_id ? (
            <Fact label={t('referrals.field.case')}>
              <a href={`/cases/${r.case_id}`}>{t('referrals.detail.open_case')}</a>
            </Fact>
          ) : null}
        </dl>
        {pending ? (
          <p class="notice" role="note">
            <strong>{t(pending)}</strong>
          </p>
        ) : null}
        <dl class="case-fields">
          <Fact label={t('referrals.field.purpose')} valueClass="pre">{r.purpose}</Fact>
          <Fact label={t('referrals.field.legal_basis')} valueClass="pre">{r.legal_basis}</Fact>
          <Fact label={t('referrals.field.consent')}>
            {r.consent
              ? t('referrals.detail.consent_yes')
              : t('referrals.detail.consent_override', { reason: r.override_reason || '—' })}
          </Fact>
        </dl>
      </section>

      {r.linkage ? <LinkagePair linkage={r.linkage} /> : null}
      <Shared r={r} sender={sender} taxonomy={taxonomy.data} />
      <Respond r={r} sender={sender} onChanged={setFresh} />
      <Thread r={r} sender={sender} other={other} onChanged={setFresh} />
    </section>
  );
}

function LinkagePair({ linkage }: { linkage: ReferralLinkage }) {
  const known = linkage.project_id !== undefined;
  return (
    <section class="card" aria-labelledby="linkage-pair-title">
      <h2 id="linkage-pair-title">{t('linkage.referral.title')}</h2>
      <p class="field-hint">{t('linkage.referral.hint')}</p>
      <dl class="case-fields">
        <Fact label={t('linkage.col.pair_ref')} field="pair_ref">
          <code>{linkage.pair_ref}</code>
        </Fact>
        {linkage.similarity !== undefined ? (
          <Fact label={t('linkage.col.similarity')} field="similarity">{fmtNumber(linkage.similarity, 3)}</Fact>
        ) : null}
        {linkage.own_index !== undefined ? (
          <Fact label={t('linkage.referral.own_record')} field="own_record">
            {t('linkage.referral.own', {
              ref: linkage.own_ref ?? t('linkage.pairs.no_ref'),
              row: fmtNumber(linkage.own_index + 1),
            })}
          </Fact>
        ) : null}
      </dl>
      {known ? (
        <p>
          <a href={`/linkage/${linkage.project_id}`}>{t('linkage.referral.open_project')}</a>
        </p>
      ) : (
        <p class="muted">{t('linkage.referral.no_project')}</p>
      )}
    </section>
  );
}

function Shared({ r, sender, taxonomy }: { r: Referral; sender: boolean; taxonomy?: Taxonomy }) {
  // Only the snapshot's fields, in the allow-list's order; anything unexpected after them.
  const keys = [
    ...SHAREABLE_FIELDS.filter((f) => f in r.shared),
    ...Object.keys(r.shared).filter((f) => !SHAREABLE_FIELDS.includes(f)),
  ];
  return (
    <section class="card" aria-labelledby="shared-title">
      <h2 id="shared-title">{sender ? t('referrals.shared.title_sender') : t('referrals.shared.title_partner')}</h2>
      <p class="field-hint">
        {sender
          ? t('referrals.shared.hint_sender', { agency: t(`agency.${r.to_agency}`) })
          : t('referrals.shared.hint_partner', { agency: t(`agency.${r.from_agency}`) })}
      </p>
      <dl class="case-fields shared-fields">
        {keys.map((f) => {
          const v = r.shared[f];
          const known = SHAREABLE_FIELDS.includes(f);
          return (
            <Fact label={known ? t(`cases.field.${f}`) : f} field={f} valueClass={f === 'what_happened' ? 'pre' : undefined}>
              {f === 'indicators' ? (
                <IndicatorList flags={(v ?? {}) as Record<string, string>} taxonomy={taxonomy} />
              ) : (
                fieldText(f, v, taxonomy) || <span class="muted">{t('cases.field.empty')}</span>
              )}
            </Fact>
          );
        })}
      </dl>
    </section>
  );
}

function Respond({ r, sender, onChanged }: { r: Referral; sender: boolean; onChanged: (r: Referral) => void }) {
  const { may } = useSession();
  const [mode, setMode] = useState<Mode>(null);
  const [reason, setReason] = useState('');
  const action = useAction(async (act: string, why: string) => {
    const body: Record<string, string> = { action: act };
    if (why.trim()) body.reason = why.trim();
    const next = await api.post<Referral>(`/api/v1/referrals/${r.id}/respond`, body);
    onChanged(next);
    setMode(null);
    setReason('');
    return next;
  });
  if (!may('case.write')) return null;
  const canAnswer = !sender && r.status === 'sent';
  const canRevoke = sender && r.status !== 'declined' && r.status !== 'revoked';
  if (!canAnswer && !canRevoke) return null;

  return (
    <section class="card" aria-labelledby="respond-title">
      <h2 id="respond-title">{sender ? t('referrals.respond.title_sender') : t('referrals.respond.title')}</h2>
      {!mode ? (
        <div class="row">
          {canAnswer ? (
            <>
              <button type="button" name="accept" disabled={action.busy} onClick={() => action.run('accept', '')}>
                {t('referrals.respond.accept')}
              </button>
              <button type="button" class="secondary" name="request_info" onClick={() => setMode('request_info')}>
                {t('referrals.respond.request_info')}
              </button>
              <button type="button" class="danger" name="decline" onClick={() => setMode('decline')}>
                {t('referrals.respond.decline')}
              </button>
            </>
          ) : null}
          {canRevoke ? (
            <button type="button" class="danger" name="revoke" onClick={() => setMode('revoke')}>
              {t('referrals.respond.revoke')}
            </button>
          ) : null}
        </div>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            action.run(mode, reason);
          }}
        >
          <Field
            label={mode === 'request_info' ? t('referrals.respond.question') : t('referrals.respond.reason')}
            hint={t(`referrals.respond.hint_${mode}`)}
          >
            <textarea
              name="reason"
              required
              maxLength={1000}
              rows={3}
              value={reason}
              onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)}
            />
          </Field>
          <div class="row">
            <button
              type="submit"
              name="confirm"
              class={mode === 'request_info' ? undefined : 'danger'}
              disabled={action.busy}
            >
              {t(`referrals.respond.confirm_${mode}`)}
            </button>
            <button type="button" class="secondary" onClick={() => setMode(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      <ErrorBox error={action.error} />
    </section>
  );
}

function Thread({
  r,
  sender,
  other,
  onChanged,
}: {
  r: Referral;
  sender: boolean;
  other: string;
  onChanged: (r: Referral) => void;
}) {
  const { may, me } = useSession();
  const [text, setText] = useState('');
  const action = useAction(async () => {
    const next = await api.post<Referral>(`/api/v1/referrals/${r.id}/messages`, { body: text });
    onChanged(next);
    setText('');
    return next;
  });
  const open = r.status !== 'declined' && r.status !== 'revoked';
  return (
    <section class="card" aria-labelledby="thread-title">
      <h2 id="thread-title">{t('referrals.thread.title', { n: r.messages.length })}</h2>
      {r.messages.length ? (
        <ol class="timeline thread">
          {r.messages.map((m) => (
            <li class={m.from_agency === me.user.agency ? 'ours' : 'theirs'} data-from={m.from_agency}>
              <p class="muted">
                {t('referrals.thread.from', {
                  agency: t(`agency.${m.from_agency}`),
                  who: m.author,
                  at: fmtDateTime(m.at),
                })}
              </p>
              <p class="pre message-body">{m.body}</p>
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">{t('referrals.thread.none')}</p>
      )}
      {open && may('case.write') ? (
        <TextPostForm
          label={t('referrals.thread.write', { agency: t(`agency.${other}`) })}
          hint={sender && r.status === 'info_requested' ? t('referrals.thread.hint_answer') : t('referrals.thread.hint')}
          name="message"
          submitName="send-message"
          submit={t('referrals.thread.send')}
          value={text}
          onInput={setText}
          action={action}
        />
      ) : !open ? (
        <p class="muted">{t('referrals.thread.closed')}</p>
      ) : null}
    </section>
  );
}
