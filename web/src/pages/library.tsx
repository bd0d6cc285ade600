// The expertise library (/library/*): full-text search over documents and the Dialogue record
// (ranked, with the matching words highlighted), the document list with language and tag filters,
// a document with its translations, versions and attachments, and the forms to write a document,
// a new version or a translation (library.write).
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { api, query, request } from '../api';
import { fmtDateTime, fmtNumber, lang, languageName, t, type Lang } from '../i18n/core';
import { useSession } from '../session';
import { ErrorBox } from '../ui/error';
import { submitWith, useAction, useLang, useLoad } from '../ui/hooks';
import { Async, Badge, DataTable, Field, PageHeader } from '../ui/widgets';
import { cleanHtml, markOnly } from './dialogue_html';

interface DocSummary {
  id: number;
  agency: string;
  visibility: string;
  language: string;
  title: string;
  summary: string;
  tags: string[];
  translation_of: number | null;
  version: number;
  created_at: string;
  updated_at: string;
  created_by?: string;
  updated_by?: string;
}
interface Attachment {
  sha256: string;
  name: string;
  media_type: string;
  size: number;
  at: string;
  author: string;
  href: string;
}
interface Doc extends DocSummary {
  body: string;
  translations: { id: number; language: string; title: string }[];
  html?: string;
  attachments?: Attachment[];
}
interface Version {
  document_id: number;
  version: number;
  language: string;
  title: string;
  summary: string;
  visibility: string;
  tags: string[];
  at: string;
  author: string;
  body?: string;
}
interface Hit {
  kind: string;
  id: number;
  title: string;
  snippet: string;
  rank: number;
}
interface Code {
  code: string;
  en: string;
  ru: string;
  kk: string;
}

const LANGUAGES: Lang[] = ['kk', 'ru', 'en'];
const VISIBILITIES = ['agency', 'shared', 'public'];
const SECTORS = ['agriculture', 'horticulture', 'food_processing', 'construction', 'hospitality', 'care', 'cleaning', 'logistics', 'manufacturing', 'fishing', 'domestic_work', 'other'];
const AUDIENCES = ['workers', 'employers', 'labour_providers', 'recruiters', 'inspectors', 'officers', 'trainers', 'public'];

let taxonomy: Promise<Code[]> | null = null;
function loadIlo(): Promise<Code[]> {
  if (!taxonomy) {
    taxonomy = api.get<{ indicators: Code[] }>('/api/v1/cases/taxonomy').then(
      (r) => r.indicators,
      (e) => {
        taxonomy = null;
        throw e;
      },
    );
  }
  return taxonomy;
}

function tagName(tag: string, ilo: Code[] | undefined): string {
  const [kind, code] = tag.split(':', 2);
  if (kind === 'ilo') {
    const c = ilo?.find((x) => x.code === code);
    const name = c ? (lang() === 'kk' ? c.kk : lang() === 'ru' ? c.ru : c.en) || c.en : code;
    return t('library.tag.ilo', { name });
  }
  if (kind === 'sector' && SECTORS.includes(code)) return t('library.tag.sector', { name: t(`library.sector.${code}`) });
  if (kind === 'audience' && AUDIENCES.includes(code)) return t('library.tag.audience', { name: t(`library.audience.${code}`) });
  return tag;
}

function allTags(ilo: Code[]): string[] {
  return [...ilo.map((c) => `ilo:${c.code}`), ...SECTORS.map((s) => `sector:${s}`), ...AUDIENCES.map((a) => `audience:${a}`)];
}

const visibilityName = (v: string) => t(`library.visibility.${VISIBILITIES.includes(v) ? v : 'agency'}`);

function Tags({ tags, ilo }: { tags: string[]; ilo?: Code[] }) {
  if (!tags.length) return null;
  return (
    <ul class="tag-list" aria-label={t('library.tags')}>
      {tags.map((tg) => (
        <li>
          <a class="badge" href={`/library?tag=${encodeURIComponent(tg)}`}>
            {tagName(tg, ilo)}
          </a>
        </li>
      ))}
    </ul>
  );
}

function hitHref(h: Hit): string {
  switch (h.kind) {
    case 'document':
      return `/library/documents/${h.id}`;
    case 'meeting':
      return `/dialogue/meetings/${h.id}`;
    case 'agreement':
      return `/dialogue/agreements/${h.id}`;
    case 'commitment':
      return `/dialogue/commitments/${h.id}`;
    default:
      return '/library';
  }
}

function kindName(k: string): string {
  return ['document', 'meeting', 'agreement', 'commitment'].includes(k) ? t(`library.kind.${k}`) : k;
}

function SearchResults({ q, kind }: { q: string; kind: string }) {
  useLang();
  const { may } = useSession();
  // Without dialogue.read the Dialogue records are not searched (their pages would be closed).
  const kinds = kind || (may('dialogue.read') ? '' : 'document');
  const state = useLoad((s) => api.get<{ items: Hit[] }>(`/api/v1/search${query({ q, kind: kinds, limit: 50 })}`, s), [q, kinds]);
  return (
    <section aria-labelledby="results-title">
      <h2 id="results-title">{t('library.search.results', { q })}</h2>
      <Async state={state}>
        {(d) =>
          d.items.length ? (
            <>
              <p role="status" class="muted">
                {t('library.search.count', { n: d.items.length })}
              </p>
              <ol class="search-results">
                {d.items.map((h) => (
                  <li>
                    <p class="hit-title">
                      <a href={hitHref(h)}>{h.title}</a> <Badge>{kindName(h.kind)}</Badge>
                    </p>
                    <p class="snippet" dangerouslySetInnerHTML={{ __html: markOnly(h.snippet) }} />
                  </li>
                ))}
              </ol>
            </>
          ) : (
            <p role="status">{t('library.search.none', { q })}</p>
          )
        }
      </Async>
    </section>
  );
}

function DocumentList({ language, tag }: { language: string; tag: string }) {
  useLang();
  const state = useLoad(
    (s) =>
      Promise.all([api.get<{ items: DocSummary[] }>(`/api/v1/library/documents${query({ language, tag })}`, s), loadIlo()]),
    [language, tag],
  );
  return (
    <Async state={state}>
      {([d, ilo]) =>
        d.items.length ? (
          <ul class="doc-list">
            {d.items.map((doc) => (
              <li class="card">
                <h3>
                  <a href={`/library/documents/${doc.id}`} lang={doc.language}>
                    {doc.title}
                  </a>
                </h3>
                <p class="muted">
                  {languageName(doc.language)} · {visibilityName(doc.visibility)} · {t(`agency.${doc.agency}`)} ·{' '}
                  {t('library.doc.updated', { date: fmtDateTime(doc.updated_at) })}
                </p>
                {doc.summary ? <p lang={doc.language}>{doc.summary}</p> : null}
                <Tags tags={doc.tags} ilo={ilo} />
              </li>
            ))}
          </ul>
        ) : (
          <p>{t('library.list.none')}</p>
        )
      }
    </Async>
  );
}

function LibraryHome() {
  useLang();
  const { may } = useSession();
  const { query: qs, route } = useLocation();
  const q = qs.q ?? '';
  const kind = qs.kind ?? '';
  const language = qs.language ?? '';
  const tag = qs.tag ?? '';
  const [text, setText] = useState(q);
  useEffect(() => setText(q), [q]);
  const ilo = useLoad(() => loadIlo(), []);
  const go = (p: Record<string, string>) => route(`/library${query({ q, kind, language, tag, ...p })}`);
  return (
    <>
      <PageHeader title={t('library.title')}>
        {may('library.write') ? (
          <a class="button" href="/library/new">
            {t('library.new')}
          </a>
        ) : null}
      </PageHeader>
      <p class="muted">{t('library.intro')}</p>
      <form
        role="search"
        class="row search-form"
        onSubmit={(e) => {
          e.preventDefault();
          go({ q: text.trim() });
        }}
      >
        <Field label={t('library.search.label')}>
          <input type="search" name="q" value={text} maxLength={500} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        </Field>
        <Field label={t('library.search.kind')}>
          <select name="kind" value={kind} onChange={(e) => go({ kind: (e.target as HTMLSelectElement).value })}>
            <option value="">{t('library.search.kind_all')}</option>
            <option value="document">{t('library.kind.document')}</option>
            {may('dialogue.read') ? <option value="meeting,agreement,commitment">{t('library.search.kind_dialogue')}</option> : null}
          </select>
        </Field>
        <button type="submit">{t('common.search')}</button>
        {q ? (
          <button type="button" class="secondary" onClick={() => go({ q: '' })}>
            {t('library.search.clear')}
          </button>
        ) : null}
      </form>
      {q ? <SearchResults q={q} kind={kind} /> : null}
      <section aria-labelledby="docs-title">
        <h2 id="docs-title">{t('library.list.title')}</h2>
        <form class="row" aria-label={t('common.filter')} onSubmit={(e) => e.preventDefault()}>
          <Field label={t('library.doc.language')}>
            <select value={language} onChange={(e) => go({ language: (e.target as HTMLSelectElement).value })}>
              <option value="">{t('library.list.all_languages')}</option>
              {LANGUAGES.map((l) => (
                <option value={l}>{languageName(l)}</option>
              ))}
            </select>
          </Field>
          <Field label={t('library.tag')}>
            <select value={tag} onChange={(e) => go({ tag: (e.target as HTMLSelectElement).value })}>
              <option value="">{t('library.list.all_tags')}</option>
              {allTags(ilo.data ?? []).map((tg) => (
                <option value={tg}>{tagName(tg, ilo.data)}</option>
              ))}
            </select>
          </Field>
        </form>
        <DocumentList language={language} tag={tag} />
      </section>
    </>
  );
}

// The rendered body: the server's sanitised HTML, cleaned again and inserted as inert markup (no
// script can run from it: the sanitiser keeps only text-level and table elements, and links that
// leave the console open in a new tab without a referrer).
function DocumentBody({ id, version, language, summary }: { id: number; version: number; language: string; summary: string }) {
  const state = useLoad((s) => request<string>('GET', `/api/v1/library/documents/${id}/html`, { signal: s }), [id, version]);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current || state.data === undefined) return;
    const frag = cleanHtml(state.data, {
      demote: 1,
      link: (href) => (href.startsWith('/api/') ? null : href),
    });
    // The page repeats the title (already the h1 here) and the summary: drop them.
    const article = frag.querySelector('article');
    const first = article?.firstElementChild;
    if (first && /^H\d$/.test(first.tagName)) first.remove();
    const second = article?.firstElementChild;
    if (summary && second?.tagName === 'P' && second.children.length === 1 && second.firstElementChild?.tagName === 'EM' && second.textContent?.trim() === summary.trim()) {
      second.remove();
    }
    box.current.replaceChildren(frag);
  }, [state.data]);
  if (state.error) return <ErrorBox error={state.error} onRetry={state.reload} />;
  return <div class="doc-body prose-html" lang={language} ref={box} />;
}

function DocForm({ doc, translationOf, ilo }: { doc?: Doc; translationOf?: Doc; ilo: Code[] }) {
  useLang();
  const { route } = useLocation();
  const base = doc ?? translationOf;
  const used = new Set([translationOf?.language, ...(translationOf?.translations ?? []).map((x) => x.language)]);
  const [title, setTitle] = useState(doc?.title ?? '');
  const [language, setLanguage] = useState<string>(doc?.language ?? LANGUAGES.find((l) => !used.has(l)) ?? lang());
  const [summary, setSummary] = useState(doc?.summary ?? '');
  const [body, setBody] = useState(doc?.body ?? '');
  const [visibility, setVisibility] = useState(base?.visibility ?? 'agency');
  const [tags, setTags] = useState<string[]>(base?.tags ?? []);
  const act = useAction(async () => {
    if (doc) {
      const out = await api.patch<Doc>(`/api/v1/library/documents/${doc.id}`, {
        title,
        language,
        summary,
        body,
        visibility,
        tags,
        base_version: doc.version,
      });
      route(`/library/documents/${out.id}`);
    } else {
      const out = await api.post<Doc>('/api/v1/library/documents', {
        title,
        language,
        summary,
        body,
        visibility,
        tags,
        ...(translationOf ? { translation_of: translationOf.id } : {}),
      });
      route(`/library/documents/${out.id}`);
    }
  });
  const toggle = (tg: string, on: boolean) => setTags((old) => (on ? [...old, tg] : old.filter((x) => x !== tg)));
  const groups: [string, string[]][] = [
    ['library.tags.ilo', ilo.map((c) => `ilo:${c.code}`)],
    ['library.tags.sector', SECTORS.map((s) => `sector:${s}`)],
    ['library.tags.audience', AUDIENCES.map((a) => `audience:${a}`)],
  ];
  return (
    <form
      class="doc-form"
      onSubmit={submitWith(act.run)}
    >
      {translationOf ? (
        <p class="notice">
          {t('library.form.translating', { title: translationOf.title, language: languageName(translationOf.language) })}
        </p>
      ) : null}
      <Field label={t('library.doc.title')}>
        <input name="title" required maxLength={300} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
      </Field>
      <Field label={t('library.doc.language')}>
        <select name="language" value={language} onChange={(e) => setLanguage((e.target as HTMLSelectElement).value)}>
          {LANGUAGES.map((l) => (
            <option value={l}>{languageName(l)}</option>
          ))}
        </select>
      </Field>
      <Field label={t('library.doc.summary')}>
        <textarea name="summary" maxLength={2000} value={summary} onInput={(e) => setSummary((e.target as HTMLTextAreaElement).value)} />
      </Field>
      <Field label={t('library.doc.body')} hint={t('library.form.body_hint')}>
        <textarea name="body" class="body-editor" required value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
      </Field>
      <fieldset>
        <legend>{t('library.doc.visibility')}</legend>
        {VISIBILITIES.map((v) => (
          <label class="check">
            <input type="radio" name="visibility" value={v} checked={visibility === v} onChange={() => setVisibility(v)} />
            <span>
              {visibilityName(v)} — <span class="muted">{t(`library.visibility.${v}_hint`)}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t('library.tags')}</legend>
        {groups.map(([key, list]) => (
          <details open={list.some((x) => tags.includes(x))}>
            <summary>{t(key)}</summary>
            <div class="tag-choices">
              {list.map((tg) => (
                <label class="check">
                  <input type="checkbox" name="tags" value={tg} checked={tags.includes(tg)} onChange={(e) => toggle(tg, (e.target as HTMLInputElement).checked)} />
                  <span>{tagName(tg, ilo)}</span>
                </label>
              ))}
            </div>
          </details>
        ))}
      </fieldset>
      <ErrorBox error={act.error} />
      <div class="row">
        <button type="submit" disabled={act.busy}>
          {doc ? t('library.form.save_version') : t('library.form.create')}
        </button>
        <a class="button secondary" href={doc ? `/library/documents/${doc.id}` : '/library'}>
          {t('common.cancel')}
        </a>
      </div>
    </form>
  );
}

function NewDocument() {
  useLang();
  const { query: qs } = useLocation();
  const from = qs.translation_of && /^\d+$/.test(qs.translation_of) ? Number(qs.translation_of) : null;
  const state = useLoad(
    (s) => Promise.all([loadIlo(), from ? api.get<Doc>(`/api/v1/library/documents/${from}`, s) : Promise.resolve(undefined)]),
    [from],
  );
  return (
    <>
      <PageHeader title={from ? t('library.translate') : t('library.new')} />
      <Async state={state}>{([ilo, base]) => <DocForm translationOf={base} ilo={ilo} />}</Async>
    </>
  );
}

function EditDocument({ id }: { id: number }) {
  useLang();
  const state = useLoad((s) => Promise.all([loadIlo(), api.get<Doc>(`/api/v1/library/documents/${id}`, s)]), [id]);
  return (
    <Async state={state}>
      {([ilo, doc]) => (
        <>
          <PageHeader title={t('library.edit', { title: doc.title })} />
          <p class="muted">{t('library.form.version_hint', { n: doc.version + 1 })}</p>
          <DocForm doc={doc} ilo={ilo} />
        </>
      )}
    </Async>
  );
}

function Attachments({ doc, onChange, canWrite }: { doc: Doc; onChange: () => void; canWrite: boolean }) {
  useLang();
  const input = useRef<HTMLInputElement>(null);
  const [done, setDone] = useState('');
  const upload = useAction(async () => {
    const file = input.current?.files?.[0];
    if (!file) return;
    setDone('');
    await api.post(
      `/api/v1/library/documents/${doc.id}/attachments?name=${encodeURIComponent(file.name)}`,
      file,
      file.type || 'application/octet-stream',
    );
    if (input.current) input.current.value = '';
    setDone(file.name);
    onChange();
  });
  const files = doc.attachments ?? [];
  return (
    <section aria-labelledby="files-title">
      <h2 id="files-title">{t('library.files.title')}</h2>
      {files.length ? (
        <DataTable
          headers={[
            t('common.name'),
            t('library.files.type'),
            { label: t('library.files.size'), num: true },
            t('library.files.added'),
          ]}
        >
          {files.map((f) => (
            <tr>
              <th scope="row">
                <a href={f.href} download={f.name}>
                  {f.name}
                </a>
              </th>
              <td>{f.media_type}</td>
              <td class="num">{t('library.files.kb', { n: fmtNumber(Math.max(1, Math.round(f.size / 1024))) })}</td>
              <td>
                {fmtDateTime(f.at)} <span class="muted">{f.author}</span>
              </td>
            </tr>
          ))}
        </DataTable>
      ) : (
        <p class="muted">{t('library.files.none')}</p>
      )}
      {canWrite ? (
        <form
          class="row"
          onSubmit={submitWith(upload.run)}
        >
          <Field label={t('library.files.choose')} hint={t('library.files.hint')}>
            <input type="file" ref={input} required accept=".pdf,.png,.jpg,.jpeg,.gif,.docx,.xlsx,.pptx,.odt,.txt,.md,.csv" />
          </Field>
          <button type="submit" disabled={upload.busy}>
            {t('common.upload')}
          </button>
        </form>
      ) : null}
      <ErrorBox error={upload.error} />
      {done ? (
        <p class="success" role="status">
          {t('library.files.uploaded', { name: done })}
        </p>
      ) : null}
    </section>
  );
}

function Versions({ doc }: { doc: Doc }) {
  useLang();
  const state = useLoad((s) => api.get<{ items: Version[] }>(`/api/v1/library/documents/${doc.id}/versions`, s), [doc.id, doc.version]);
  return (
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">{t('library.versions.title')}</h2>
      <Async state={state}>
        {(d) => (
          <DataTable
            headers={[
              t('library.versions.version'),
              t('library.doc.title'),
              t('library.versions.when'),
              t('library.versions.author'),
            ]}
          >
            {[...d.items].reverse().map((v) => (
              <tr>
                <th scope="row">
                  <a href={`/library/documents/${doc.id}/versions/${v.version}`}>{t('library.versions.n', { n: v.version })}</a>
                  {v.version === doc.version ? (
                    <>
                      {' '}
                      <Badge kind="ok">{t('library.versions.current')}</Badge>
                    </>
                  ) : null}
                </th>
                <td lang={v.language}>{v.title}</td>
                <td>{fmtDateTime(v.at)}</td>
                <td>{v.author}</td>
              </tr>
            ))}
          </DataTable>
        )}
      </Async>
    </section>
  );
}

function DocumentPage({ id }: { id: number }) {
  useLang();
  const { may: mayDo, me } = useSession();
  const state = useLoad((s) => Promise.all([api.get<Doc>(`/api/v1/library/documents/${id}`, s), loadIlo()]), [id]);
  return (
    <Async state={state}>
      {([doc, ilo]) => {
        // Only writers of the owning agency make new versions and attach files (the server's rule).
        const may = (a: string) => mayDo(a) && (a !== 'library.write' || doc.agency === me.user.agency);
        const missing = LANGUAGES.filter((l) => l !== doc.language && !doc.translations.some((x) => x.language === l));
        return (
          <article class="document">
            <PageHeader title={doc.title}>
              {may('library.write') ? (
                <a class="button secondary" href={`/library/documents/${doc.id}/edit`}>
                  {t('library.edit_button')}
                </a>
              ) : null}
            </PageHeader>
            <div>
              <p>
                <a href="/library">{t('library.back')}</a>
              </p>
              <dl class="facts">
                <dt>{t('library.doc.language')}</dt>
                <dd>{languageName(doc.language)}</dd>
                <dt>{t('library.doc.visibility')}</dt>
                <dd>{visibilityName(doc.visibility)}</dd>
                <dt>{t('common.agency')}</dt>
                <dd>{t(`agency.${doc.agency}`)}</dd>
                <dt>{t('library.versions.version')}</dt>
                <dd>
                  {t('library.versions.n', { n: doc.version })} — {fmtDateTime(doc.updated_at)}
                  {doc.updated_by ? ` (${doc.updated_by})` : ''}
                </dd>
              </dl>
              <Tags tags={doc.tags} ilo={ilo} />
              <nav aria-label={t('library.translations')} class="translations">
                <h2>{t('library.translations')}</h2>
                {doc.translations.length ? (
                  <ul>
                    {doc.translations.map((tr) => (
                      <li>
                        {languageName(tr.language)}:{' '}
                        <a href={`/library/documents/${tr.id}`} lang={tr.language} hrefLang={tr.language}>
                          {tr.title}
                        </a>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p class="muted">{t('library.translations.none')}</p>
                )}
                {mayDo('library.write') && missing.length ? (
                  <p>
                    <a href={`/library/new?translation_of=${doc.translation_of ?? doc.id}`}>
                      {t('library.translations.add', { languages: missing.map((l) => languageName(l)).join(', ') })}
                    </a>
                  </p>
                ) : null}
              </nav>
            </div>
            {doc.summary ? (
              <p class="lead" lang={doc.language}>
                {doc.summary}
              </p>
            ) : null}
            <DocumentBody id={doc.id} version={doc.version} language={doc.language} summary={doc.summary} />
            <div>
              <Attachments doc={doc} onChange={state.reload} canWrite={may('library.write')} />
              <Versions doc={doc} />
            </div>
          </article>
        );
      }}
    </Async>
  );
}

function VersionPage({ id, version }: { id: number; version: number }) {
  useLang();
  const state = useLoad((s) => api.get<Version>(`/api/v1/library/documents/${id}/versions/${version}`, s), [id, version]);
  return (
    <Async state={state}>
      {(v) => (
        <>
          <PageHeader title={t('library.versions.page', { n: v.version, title: v.title })} />
          <p>
            <a href={`/library/documents/${id}`}>{t('library.versions.back')}</a>
          </p>
          <p class="muted">
            {fmtDateTime(v.at)} · {v.author} · {languageName(v.language)} · {visibilityName(v.visibility)}
          </p>
          {v.summary ? (
            <p class="lead" lang={v.language}>
              {v.summary}
            </p>
          ) : null}
          <h2>{t('library.versions.source')}</h2>
          <pre class="markdown-source" lang={v.language} tabIndex={0}>
            {v.body}
          </pre>
        </>
      )}
    </Async>
  );
}

export default function Library() {
  useLang();
  const { path } = useLocation();
  const { may } = useSession();
  const parts = path.split('/').filter(Boolean).slice(1);
  const num = (s: string | undefined) => (s && /^\d+$/.test(s) ? Number(s) : null);
  if (parts.length === 0) return <LibraryHome />;
  if (parts[0] === 'new' && parts.length === 1) {
    return may('library.write') ? <NewDocument /> : <PageHeader title={t('common.not_allowed')} />;
  }
  if (parts[0] === 'documents') {
    const id = num(parts[1]);
    if (id !== null && parts.length === 2) return <DocumentPage id={id} />;
    if (id !== null && parts[2] === 'edit' && parts.length === 3) {
      return may('library.write') ? <EditDocument id={id} /> : <PageHeader title={t('common.not_allowed')} />;
    }
    const v = num(parts[3]);
    if (id !== null && parts[2] === 'versions' && v !== null && parts.length === 4) return <VersionPage id={id} version={v} />;
  }
  return <PageHeader title={t('common.not_found_page')} />;
}
