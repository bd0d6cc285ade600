// The start page: each section only for those whose permissions open it. Cases by ILO indicator
// and by month with providers ranked by risk (case.aggregate / case.read); the Strategic
// Dialogue's ratification board and overdue commitments (dialogue.read); a library search box.
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api } from '../api';
import { fmtMonth, fmtNumber, has, lang, t } from '../i18n/core';
import { useSession } from '../session';
import { ChartView } from '../ui/chart';
import { useLang, useLoad } from '../ui/hooks';
import { Async, PageHeader } from '../ui/widgets';
import { type Agreement, type Area, type Commitment, type Items, type Meeting, meetingDate, meetingTitle } from './dialogue_model';
import { OverdueTable, RatificationBoard } from './dialogue_widgets';

interface CaseDashboard {
  by_status: Record<string, number>;
  by_indicator: Record<string, number>;
  by_category: Record<string, number>;
  by_month: Record<string, number>;
  providers: { provider: string; open_cases: number; risk_points: number }[];
}
interface Code {
  code: string;
  en: string;
  ru: string;
  kk: string;
}
interface Taxonomy {
  indicators: Code[];
  categories: Code[];
}

const codeName = (c: Code | undefined, fallback: string) =>
  c ? (lang() === 'kk' ? c.kk : lang() === 'ru' ? c.ru : c.en) || c.en : fallback.replace(/_/g, ' ');

const caseStatusName = (s: string) => (has(`cases.status.${s}`) ? t(`cases.status.${s}`) : s.replace(/_/g, ' '));

// "2025-03" for every month from the first to the last key, so that quiet months show as 0.
function monthRange(keys: string[]): string[] {
  const sorted = keys.filter((k) => /^\d{4}-\d{2}$/.test(k)).sort();
  if (!sorted.length) return [];
  const out: string[] = [];
  let [y, m] = sorted[0].split('-').map(Number);
  const [ly, lm] = sorted[sorted.length - 1].split('-').map(Number);
  while ((y < ly || (y === ly && m <= lm)) && out.length < 240) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m += 1;
    if (m > 12) {
      m = 1;
      y += 1;
    }
  }
  return out;
}

function monthLabel(ym: string): string {
  return fmtMonth(ym);
}

function CasesSection() {
  const { may } = useSession();
  const state = useLoad(
    (s) =>
      Promise.all([
        api.get<CaseDashboard>('/api/v1/cases/dashboard', s),
        api.get<Taxonomy>('/api/v1/cases/taxonomy', s),
      ]),
    [],
  );
  return (
    <section aria-labelledby="dash-cases" class="dash-section">
      <h2 id="dash-cases">{t('dashboard.cases.title')}</h2>
      <Async state={state}>
        {([d, tax]) => {
          const statuses = Object.entries(d.by_status);
          const total = statuses.reduce((n, [, v]) => n + v, 0);
          const indicators = Object.entries(d.by_indicator).sort((a, b) => b[1] - a[1]);
          const months = monthRange(Object.keys(d.by_month));
          if (total === 0) return <p class="muted">{t('dashboard.cases.none')}</p>;
          return (
            <>
              <ul class="stat-list">
                <li class="stat">
                  <span class="stat-value">{fmtNumber(total)}</span>
                  <span class="stat-label">{t('dashboard.cases.total')}</span>
                </li>
                {statuses.map(([s, n]) => (
                  <li class="stat">
                    <span class="stat-value">{fmtNumber(n)}</span>
                    <span class="stat-label">
                      {may('case.read') ? <a href={`/cases?status=${encodeURIComponent(s)}`}>{caseStatusName(s)}</a> : caseStatusName(s)}
                    </span>
                  </li>
                ))}
              </ul>
              <div class="grid">
                <div class="card">
                  {indicators.length ? (
                    <ChartView
                      kind="hbar"
                      integer
                      title={t('dashboard.cases.by_indicator')}
                      labelHeader={t('dashboard.cases.indicator')}
                      labels={indicators.map(([c]) => codeName(tax.indicators.find((x) => x.code === c), c))}
                      series={[{ label: t('dashboard.cases.count'), values: indicators.map(([, n]) => n) }]}
                    />
                  ) : (
                    <p class="muted">{t('dashboard.cases.no_indicators')}</p>
                  )}
                </div>
                <div class="card">
                  <ChartView
                    kind="bar"
                    integer
                    title={t('dashboard.cases.by_month')}
                    labelHeader={t('dashboard.cases.month')}
                    labels={months.map(monthLabel)}
                    series={[{ label: t('dashboard.cases.opened'), values: months.map((m) => d.by_month[m] ?? 0) }]}
                  />
                </div>
              </div>
              <h3>{t('dashboard.providers.title')}</h3>
              {d.providers.length === 0 ? (
                <p class="muted">{t('dashboard.providers.none')}</p>
              ) : (
                <div class="table-wrap">
                  <table>
                    <caption class="visually-hidden">{t('dashboard.providers.title')}</caption>
                    <thead>
                      <tr>
                        <th scope="col" class="num">{t('dashboard.providers.rank')}</th>
                        <th scope="col">{t('dashboard.providers.provider')}</th>
                        <th scope="col" class="num">{t('dashboard.providers.open_cases')}</th>
                        <th scope="col" class="num">{t('dashboard.providers.risk_points')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {d.providers.slice(0, 10).map((p, i) => (
                        <tr>
                          <td class="num">{i + 1}</td>
                          <th scope="row">
                            {may('provider.read') ? (
                              <a href={`/registry?q=${encodeURIComponent(p.provider)}`}>{p.provider}</a>
                            ) : (
                              p.provider
                            )}
                          </th>
                          <td class="num">{fmtNumber(p.open_cases)}</td>
                          <td class="num">{fmtNumber(p.risk_points)}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              <p class="muted">{t('dashboard.providers.note')}</p>
            </>
          );
        }}
      </Async>
    </section>
  );
}

function DialogueSection() {
  const state = useLoad(
    (s) =>
      Promise.all([
        api.get<Items<Agreement>>('/api/v1/dialogue/agreements', s),
        api.get<Items<Commitment>>('/api/v1/dialogue/commitments?overdue=true', s),
        api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s),
        api.get<Items<Area>>('/api/v1/dialogue/areas', s),
      ]),
    [],
  );
  return (
    <section aria-labelledby="dash-dialogue" class="dash-section">
      <h2 id="dash-dialogue">{t('dashboard.dialogue.title')}</h2>
      <Async state={state}>
        {([agreements, overdue, meetings, areas]) => {
          const held = meetings.items.filter((m) => m.status !== 'planned').sort((a, b) => b.date.localeCompare(a.date));
          const planned = meetings.items.filter((m) => m.status === 'planned').sort((a, b) => a.date.localeCompare(b.date));
          const awaiting = agreements.items.filter((a) => ['signed', 'partly_ratified', 'partly_signed'].includes(a.status) && a.kind && (a.kind === 'treaty' || a.kind === 'agreement'));
          return (
            <>
              <ul class="stat-list">
                <li class="stat">
                  <span class="stat-label">{t('dashboard.dialogue.last_meeting')}</span>
                  <span class="stat-text">
                    {held[0] ? (
                      <a href={`/dialogue/meetings/${held[0].id}`}>
                        {meetingTitle(held[0])}, {held[0].city}, {meetingDate(held[0])}
                      </a>
                    ) : (
                      '—'
                    )}
                  </span>
                </li>
                <li class="stat">
                  <span class="stat-label">{t('dashboard.dialogue.next_meeting')}</span>
                  <span class="stat-text">
                    {planned[0] ? (
                      <a href={`/dialogue/meetings/${planned[0].id}`}>
                        {meetingTitle(planned[0])}, {planned[0].city}, {meetingDate(planned[0])}
                      </a>
                    ) : (
                      t('dashboard.dialogue.not_scheduled')
                    )}
                  </span>
                </li>
                <li class="stat">
                  <span class={`stat-value ${overdue.items.length ? 'overdue-text' : ''}`}>{fmtNumber(overdue.items.length)}</span>
                  <span class="stat-label">
                    <a href="/dialogue/commitments?overdue=true">{t('dashboard.dialogue.overdue_count')}</a>
                  </span>
                </li>
                <li class="stat">
                  <span class="stat-value">{fmtNumber(awaiting.length)}</span>
                  <span class="stat-label">
                    <a href="/dialogue/agreements">{t('dashboard.dialogue.awaiting')}</a>
                  </span>
                </li>
              </ul>
              <h3 id="board">{t('dashboard.board.title')}</h3>
              <p class="muted">{t('dashboard.board.hint')}</p>
              <RatificationBoard agreements={agreements.items} />
              <h3>{t('dashboard.overdue.title')}</h3>
              {overdue.items.length ? (
                <OverdueTable items={overdue.items} areas={areas.items} />
              ) : (
                <p class="success">{t('dashboard.overdue.none')}</p>
              )}
              <p>
                <a href="/dialogue/briefing">{t('dashboard.dialogue.briefing')}</a>
              </p>
            </>
          );
        }}
      </Async>
    </section>
  );
}

function LibrarySearch() {
  const { route } = useLocation();
  const [q, setQ] = useState('');
  return (
    <section aria-labelledby="dash-library" class="dash-section">
      <h2 id="dash-library">{t('dashboard.library.title')}</h2>
      <form
        role="search"
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          if (q.trim()) route(`/library?q=${encodeURIComponent(q.trim())}`);
        }}
      >
        <label class="field">
          <span class="field-label">{t('dashboard.library.search')}</span>
          <input type="search" name="q" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">{t('common.search')}</button>
      </form>
    </section>
  );
}

export default function Dashboard() {
  useLang();
  const { me, may } = useSession();
  const cases = may('case.aggregate') || may('case.read');
  const dialogue = may('dialogue.read');
  const library = may('library.read');
  return (
    <>
      <PageHeader title={t('dashboard.title')} />
      <p class="muted">
        {t('dashboard.welcome', { name: me.user.display_name || me.user.username, agency: t(`agency.${me.user.agency}`) })}
      </p>
      {cases ? <CasesSection /> : null}
      {dialogue ? <DialogueSection /> : null}
      {library ? <LibrarySearch /> : null}
      {!cases && !dialogue && !library ? <p>{t('dashboard.nothing')}</p> : null}
    </>
  );
}
