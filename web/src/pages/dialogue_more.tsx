// Indicators (dated series with charts and their sources) and side engagements.
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { fmtDate, fmtNumber, t } from '../i18n/core';
import { useSession } from '../session';
import { ChartView } from '../ui/chart';
import { ErrorBox } from '../ui/error';
import { submitWith, useAction, useLang, useLoad } from '../ui/hooks';
import { Async, DataTable, Field, PageHeader } from '../ui/widgets';
import { type Engagement, type Indicator, type Items, type Meeting, engagementKindName, idOf, meetingTitle } from './dialogue_model';
import { Illustrative, Sources } from './dialogue_widgets';
import { NewButton } from './dialogue_create';

function IndicatorChart({ i, hideTitle }: { i: Indicator; hideTitle?: boolean }) {
  useLang();
  if (!i.values.length) return <p class="muted">{t('dialogue.indicator.no_values')}</p>;
  return (
    <ChartView
      kind="line"
      title={i.name}
      unit={i.unit}
      labelHeader={t('dialogue.indicator.as_of')}
      hideTitle={hideTitle}
      labels={i.values.map((v) => fmtDate(v.as_of))}
      times={i.values.map((v) => Date.parse(v.as_of + 'T00:00:00Z'))}
      series={[{ label: i.name, values: i.values.map((v) => v.value), hollow: i.values.map((v) => v.illustrative) }]}
    />
  );
}

export function IndicatorsPage() {
  useLang();
  const state = useLoad((s) => api.get<Items<Indicator>>('/api/v1/dialogue/indicators', s), []);
  return (
    <>
      <PageHeader title={t('dialogue.indicators.title')}>
        <NewButton href="/dialogue/indicators/new" label={t('dialogue.create.indicator.new')} />
      </PageHeader>
      <p class="muted">{t('dialogue.indicators.intro')}</p>
      <Async state={state}>
        {(d) =>
          d.items.length ? (
            <div class="grid">
              {d.items.map((i) => {
                const last = i.values[i.values.length - 1];
                return (
                  <section class="card" aria-labelledby={`ind-${i.id}`}>
                    <h2 id={`ind-${i.id}`}>
                      <a href={`/dialogue/indicators/${i.id}`}>{i.name}</a>
                    </h2>
                    {last ? (
                      <p>
                        {t('dialogue.indicator.latest', {
                          value: fmtNumber(last.value),
                          unit: i.unit,
                          date: fmtDate(last.as_of),
                        })}
                      </p>
                    ) : null}
                    <IndicatorChart i={i} hideTitle />
                  </section>
                );
              })}
            </div>
          ) : (
            <p>{t('common.none')}</p>
          )
        }
      </Async>
    </>
  );
}

function ValueForm({ i, onDone }: { i: Indicator; onDone: (i: Indicator) => void }) {
  useLang();
  const [asOf, setAsOf] = useState(new Date().toISOString().slice(0, 10));
  const [value, setValue] = useState('');
  const [source, setSource] = useState('');
  const [note, setNote] = useState('');
  const act = useAction(async () => {
    const updated = await api.post<Indicator>(`/api/v1/dialogue/indicators/${i.id}/values`, {
      as_of: asOf,
      value: Number(value),
      source,
      note,
    });
    setValue('');
    setNote('');
    onDone(updated);
  });
  return (
    <form
      class="card"
      aria-labelledby="value-title"
      onSubmit={submitWith(act.run)}
    >
      <h2 id="value-title">{t('dialogue.indicator.add_value')}</h2>
      <div class="row">
        <Field label={t('dialogue.indicator.as_of')}>
          <input type="date" required value={asOf} onInput={(e) => setAsOf((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label={t('dialogue.indicator.value', { unit: i.unit })}>
          <input type="number" step="any" required value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} />
        </Field>
      </div>
      <Field label={t('dialogue.indicator.source')} hint={t('dialogue.indicator.source_hint')}>
        <input required value={source} onInput={(e) => setSource((e.target as HTMLInputElement).value)} />
      </Field>
      <Field label={t('dialogue.record.note')}>
        <input value={note} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
      </Field>
      <ErrorBox error={act.error} />
      <button type="submit" disabled={act.busy}>
        {t('common.save')}
      </button>
    </form>
  );
}

function IndicatorView({ initial }: { initial: Indicator }) {
  useLang();
  const { may } = useSession();
  const [i, setI] = useState(initial);
  useEffect(() => setI(initial), [initial]);
  return (
    <>
      <PageHeader title={i.name} />
      <p>
        <a href="/dialogue/indicators">{t('dialogue.indicators.back')}</a>
      </p>
      {i.description ? <p class="prose">{i.description}</p> : null}
      <p class="muted">{t('dialogue.indicator.unit', { unit: i.unit })}</p>
      <div class="card">
        <IndicatorChart i={i} hideTitle />
      </div>
      <h2>{t('dialogue.indicator.values')}</h2>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">{t('dialogue.indicator.as_of')}</th>
              <th scope="col" class="num">
                {t('dialogue.indicator.value', { unit: i.unit })}
              </th>
              <th scope="col">{t('dialogue.indicator.source')}</th>
              <th scope="col">{t('dialogue.record.note')}</th>
            </tr>
          </thead>
          <tbody>
            {[...i.values].reverse().map((v) => (
              <tr>
                <td>{fmtDate(v.as_of)}</td>
                <td class="num">{fmtNumber(v.value)}</td>
                <td>
                  {/^https?:\/\//i.test(v.source) ? (
                    <a href={v.source} target="_blank" rel="noopener noreferrer">
                      {new URL(v.source).hostname}
                    </a>
                  ) : (
                    v.source
                  )}
                </td>
                <td>
                  {v.note} <Illustrative on={v.illustrative} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {may('dialogue.write') ? <ValueForm i={i} onDone={setI} /> : null}
    </>
  );
}

export function IndicatorPage({ id }: { id: number }) {
  const state = useLoad((s) => api.get<Indicator>(`/api/v1/dialogue/indicators/${id}`, s), [id]);
  return <Async state={state}>{(i) => <IndicatorView initial={i} />}</Async>;
}

export function EngagementsPage() {
  useLang();
  const state = useLoad(
    (s) =>
      Promise.all([
        api.get<Items<Engagement>>('/api/v1/dialogue/engagements', s),
        api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s),
      ]),
    [],
  );
  return (
    <>
      <PageHeader title={t('dialogue.engagements.title')}>
        <NewButton href="/dialogue/engagements/new" label={t('dialogue.create.engagement.new')} />
      </PageHeader>
      <p class="muted">{t('dialogue.engagements.intro')}</p>
      <Async state={state}>
        {([d, meetings]) =>
          d.items.length ? (
            <DataTable
              headers={[
                t('common.date'),
                t('dialogue.engagement'),
                t('dialogue.engagement.kind'),
                t('dialogue.engagement.people'),
                t('dialogue.commitment.meeting'),
              ]}
            >
              {[...d.items]
                .sort((a, b) => b.date.localeCompare(a.date))
                .map((e) => {
                  const mid = idOf(e.meeting, 'meetings');
                  const m = meetings.items.find((x) => x.id === mid);
                  return (
                    <tr>
                      <td>{fmtDate(e.date)}</td>
                      <th scope="row">
                        <a href={`/dialogue/engagements/${e.id}`}>{e.title}</a> <Illustrative on={e.illustrative} />
                      </th>
                      <td>{engagementKindName(e.kind)}</td>
                      <td>{e.people}</td>
                      <td>{m ? <a href={`/dialogue/meetings/${m.id}`}>{meetingTitle(m)}</a> : '—'}</td>
                    </tr>
                  );
                })}
            </DataTable>
          ) : (
            <p>{t('common.none')}</p>
          )
        }
      </Async>
    </>
  );
}

export function EngagementPage({ id }: { id: number }) {
  useLang();
  const state = useLoad(
    (s) =>
      Promise.all([api.get<Engagement>(`/api/v1/dialogue/engagements/${id}`, s), api.get<Items<Meeting>>('/api/v1/dialogue/meetings', s)]),
    [id],
  );
  return (
    <Async state={state}>
      {([e, meetings]) => {
        const m = meetings.items.find((x) => x.id === idOf(e.meeting, 'meetings'));
        return (
          <>
            <PageHeader title={e.title} />
            <p>
              <a href="/dialogue/engagements">{t('dialogue.engagements.back')}</a>
            </p>
            <dl class="facts">
              <dt>{t('common.date')}</dt>
              <dd>{fmtDate(e.date)}</dd>
              <dt>{t('dialogue.engagement.kind')}</dt>
              <dd>
                {engagementKindName(e.kind)} <Illustrative on={e.illustrative} />
              </dd>
              {e.people ? (
                <>
                  <dt>{t('dialogue.engagement.people')}</dt>
                  <dd>{e.people}</dd>
                </>
              ) : null}
              {e.organisations ? (
                <>
                  <dt>{t('dialogue.engagement.organisations')}</dt>
                  <dd>{e.organisations}</dd>
                </>
              ) : null}
              {m ? (
                <>
                  <dt>{t('dialogue.commitment.meeting')}</dt>
                  <dd>
                    <a href={`/dialogue/meetings/${m.id}`}>{`${meetingTitle(m)} — ${m.city}`}</a>
                  </dd>
                </>
              ) : null}
            </dl>
            {e.notes ? <p class="prose">{e.notes}</p> : null}
            <Sources sources={e.sources} />
          </>
        );
      }}
    </Async>
  );
}
