// The Strategic Dialogue record as the API sends it (/api/v1/dialogue/…), and the words for its
// codes in the reader's language. The server derives each agreement's status from the party
// actions; its labels are English, so the console names states and next steps from the codes.
import { fmtDate, fmtMonth, has, lang, t } from '../i18n/core';

export interface Source {
  url: string;
  title: string;
}
export interface Person {
  side: string;
  name: string;
  title: string;
}
export interface Meeting {
  id: number;
  href: string;
  number: number | null;
  number_inferred: boolean;
  date: string;
  date_approximate: boolean;
  city: string;
  country: string;
  format: string;
  status: string;
  co_chairs: Person[];
  delegations: Person[];
  areas: string[];
  summary: string;
  outcomes: string;
  documents_signed: string[];
  side_engagements: string[];
  sources: Source[];
  illustrative: boolean;
}
export interface PartyAction {
  id: number;
  party: string;
  action: string;
  date: string;
  note: string;
}
export interface ProcedureStep {
  id: number;
  party: string;
  step: string;
  date: string;
  note: string;
}
export interface PartyStatus {
  party: string;
  state: string;
  next_step: string;
}
export interface Agreement {
  id: number;
  href: string;
  title: string;
  kind: string;
  parties: string[];
  signatory_bodies: string[];
  areas: string[];
  meeting: string | null;
  summary: string;
  status: string;
  status_label: string;
  party_status: PartyStatus[];
  actions: PartyAction[];
  procedure_steps: ProcedureStep[];
  sources: Source[];
  illustrative: boolean;
}
export interface ProgressUpdate {
  id: number;
  date: string;
  status: string;
  text: string;
  evidence_url: string;
  author: string;
}
export interface Commitment {
  id: number;
  href: string;
  meeting: string;
  meeting_id: number;
  parent_id: number | null;
  area: string;
  text: string;
  owner_agency: string;
  owner_person: string;
  due_date: string | null;
  status: string;
  overdue: boolean;
  progress_percent: number;
  updates: ProgressUpdate[];
  sub_commitments: string[];
  sources: Source[];
  illustrative: boolean;
}
export interface Engagement {
  id: number;
  href: string;
  meeting: string | null;
  date: string;
  kind: string;
  title: string;
  people: string;
  organisations: string;
  notes: string;
  sources: Source[];
  illustrative: boolean;
}
export interface IndicatorValue {
  as_of: string;
  value: number;
  source: string;
  note: string;
  illustrative: boolean;
}
export interface Indicator {
  id: number;
  href: string;
  code: string;
  name: string;
  unit: string;
  description: string;
  values: IndicatorValue[];
}
export interface Area {
  code: string;
  name_en: string;
  name_ru: string;
  name_kk: string;
}
export interface Items<T> {
  items: T[];
}

export const PARTIES = ['KZ', 'UK'] as const;
export const ACTIONS = ['signature', 'ratification', 'approval', 'entry_into_force', 'termination'];
export const COMMITMENT_STATUSES = ['not_started', 'limited', 'substantial', 'complete', 'dropped'];
// Each side's domestic procedure before it ratifies, in order (dialogue::ProcedureSteps).
export const PROCEDURE: Record<string, string[]> = {
  KZ: ['legal_expertise', 'linguistic_expertise', 'mazhilis', 'senate', 'presidential_signature'],
  UK: ['laid_before_parliament', 'crag_period_ended'],
};
export const RATIFIABLE = new Set(['treaty', 'agreement']);

// "/api/v1/dialogue/meetings/5" → 5 (null for anything else).
export function idOf(href: string | null | undefined, kind: string): number | null {
  if (!href) return null;
  const m = new RegExp(`^/api/v1/dialogue/${kind}/(\\d+)$`).exec(href);
  return m ? Number(m[1]) : null;
}

// The console page of a record the API names by its path.
export function consoleHref(apiHref: string): string | null {
  const m = /^\/api\/v1\/dialogue\/(meetings|agreements|commitments|engagements|indicators)\/(\d+)$/.exec(apiHref);
  return m ? `/dialogue/${m[1]}/${m[2]}` : null;
}

function word(key: string, fallback: string): string {
  return has(key) ? t(key) : fallback.replace(/_/g, ' ');
}

export const partyName = (p: string) => word(`dialogue.party.${p}`, p);
export const actionName = (a: string) => word(`dialogue.action.${a}`, a);
export const stepName = (party: string, s: string) => word(`dialogue.step.${party}.${s}`, s);
export const stateName = (s: string) => word(`dialogue.state.${s}`, s);
export const statusName = (s: string) => word(`dialogue.status.${s}`, s);
export const kindName = (k: string) => word(`dialogue.kind.${k}`, k);
export const commitmentStatusName = (s: string) => word(`dialogue.cstatus.${s}`, s);
export const engagementKindName = (k: string) => word(`dialogue.ekind.${k}`, k);
export const formatName = (f: string) => word(`dialogue.format.${f}`, f);

export function areaName(code: string, areas: Area[] | undefined): string {
  const a = areas?.find((x) => x.code === code);
  if (!a) return code.replace(/_/g, ' ');
  const l = lang();
  return (l === 'kk' ? a.name_kk : l === 'ru' ? a.name_ru : a.name_en) || a.name_en;
}

// 8 → "8th" in English; Kazakh and Russian write the ordinal in the message ("8-отырыс").
function ordinal(n: number): string {
  if (lang() !== 'en') return String(n);
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : n % 10 === 1 ? 'st' : n % 10 === 2 ? 'nd' : n % 10 === 3 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

export function meetingTitle(m: Meeting): string {
  if (m.number == null) return t('dialogue.meeting.session_unnumbered');
  return t(m.number_inferred ? 'dialogue.meeting.nth_inferred' : 'dialogue.meeting.nth', { n: ordinal(m.number) });
}

export function meetingDate(m: Meeting): string {
  if (!m.date_approximate) return fmtDate(m.date);
  return t('dialogue.meeting.approx_date', { month: fmtMonth(m.date) });
}

// Badge colour for an agreement's derived status.
export function statusKind(status: string, kind?: string): string {
  if (status === 'in_force' || status === 'ratified') return 'ok';
  // A memorandum or joint statement needs nothing after its signature.
  if (status === 'signed' && kind && !RATIFIABLE.has(kind)) return 'ok';
  if (status === 'terminated' || status === 'not_signed') return 'danger';
  return 'warn';
}

export function signedDate(a: Agreement): string | null {
  const sigs = a.actions.filter((x) => x.action === 'signature').map((x) => x.date).sort();
  return sigs.length ? sigs[sigs.length - 1] : null;
}

// The next step for one side, in the reader's language, from the same rules as the server's
// derivation (dialogue_service.cc Derive): signature; then each step of the domestic procedure;
// then ratification; then entry into force. Empty when nothing is expected.
export function nextStep(a: Agreement, party: string): string {
  const ps = a.party_status.find((p) => p.party === party);
  const state = ps?.state ?? 'not_signed';
  if (state === 'not_signed') return actionName('signature');
  if (state === 'signed') {
    if (!RATIFIABLE.has(a.kind)) return '';
    const done = new Set(a.procedure_steps.filter((s) => s.party === party).map((s) => s.step));
    for (const s of PROCEDURE[party] ?? []) if (!done.has(s)) return stepName(party, s);
    return actionName('ratification');
  }
  if (state === 'ratified' || state === 'approved') return t('dialogue.next.entry_into_force');
  return '';
}

// The derived status in words: "Signed; awaiting ratification by Kazakhstan and the UK".
export function statusText(a: Agreement): string {
  const pending = a.party_status
    .filter((p) => p.state === 'signed' && RATIFIABLE.has(a.kind))
    .map((p) => partyName(p.party))
    .join(t('dialogue.and'));
  switch (a.status) {
    case 'signed':
      return RATIFIABLE.has(a.kind)
        ? t('dialogue.status_text.signed', { parties: pending })
        : t('dialogue.status_text.signed_not_ratifiable', { kind: kindName(a.kind) });
    case 'partly_ratified':
      return t('dialogue.status_text.partly_ratified', { parties: pending });
    default:
      return statusName(a.status);
  }
}

// Why the server would refuse this action, in the reader's language (the same rules as the
// server's CheckAction / CheckStep); null when the console cannot tell.
export function whyOutOfOrder(
  a: Agreement,
  kind: 'action' | 'step',
  party: string,
  what: string,
  date: string,
): string | null {
  const P = partyName(party);
  const acts = a.actions.filter((x) => x.party === party);
  const find = (...names: string[]) => acts.find((x) => names.includes(x.action));
  const signature = find('signature');
  const consent = find('ratification', 'approval');
  const today = new Date().toISOString().slice(0, 10);
  if (!a.parties.includes(party)) return t('dialogue.why.not_party', { party: P });
  if (date > today) return t('dialogue.why.future', { date: fmtDate(date) });
  if (find('termination')) return t('dialogue.why.terminated', { party: P });
  if (kind === 'step') {
    if (!RATIFIABLE.has(a.kind)) return t('dialogue.why.not_ratifiable', { kind: kindName(a.kind) });
    if (!signature) return t('dialogue.why.step_before_signature', { party: P });
    if (date < signature.date)
      return t('dialogue.why.before_signature', { what: stepName(party, what), date: fmtDate(signature.date) });
    if (consent) return t('dialogue.why.already_ratified', { party: P, date: fmtDate(consent.date) });
    const done = new Map(a.procedure_steps.filter((s) => s.party === party).map((s) => [s.step, s.date]));
    if (done.has(what)) return t('dialogue.why.step_recorded', { what: stepName(party, what) });
    for (const s of PROCEDURE[party] ?? []) {
      if (s === what) break;
      if (!done.has(s)) return t('dialogue.why.step_missing', { what: stepName(party, what), before: stepName(party, s) });
    }
    return null;
  }
  if (what === 'signature') {
    return signature ? t('dialogue.why.signed_already', { party: P, date: fmtDate(signature.date) }) : null;
  }
  if (!signature) return t('dialogue.why.not_signed', { party: P, what: actionName(what) });
  if (date < signature.date)
    return t('dialogue.why.before_signature', { what: actionName(what), date: fmtDate(signature.date) });
  if (what === 'ratification' || what === 'approval') {
    if (!RATIFIABLE.has(a.kind)) return t('dialogue.why.not_ratifiable', { kind: kindName(a.kind) });
    if (consent) return t('dialogue.why.already_ratified', { party: P, date: fmtDate(consent.date) });
    const done = new Set(a.procedure_steps.filter((s) => s.party === party).map((s) => s.step));
    if (done.size) {
      for (const s of PROCEDURE[party] ?? []) {
        if (!done.has(s)) return t('dialogue.why.procedure_incomplete', { party: P, next: stepName(party, s) });
      }
    }
    return null;
  }
  if (what === 'entry_into_force') {
    if (find('entry_into_force')) return t('dialogue.why.in_force_already', { party: P });
    for (const p of a.parties) {
      const needed = a.actions.find(
        (x) => x.party === p && (RATIFIABLE.has(a.kind) ? ['ratification', 'approval'] : ['signature']).includes(x.action),
      );
      if (!needed) return t(RATIFIABLE.has(a.kind) ? 'dialogue.why.force_before_ratification' : 'dialogue.why.force_before_signature', { party: partyName(p) });
    }
    return null;
  }
  if (what === 'termination' && !find('entry_into_force') && RATIFIABLE.has(a.kind)) {
    return t('dialogue.why.terminate_before_force', { party: P });
  }
  return null;
}
