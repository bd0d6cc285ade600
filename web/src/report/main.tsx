// The public report form (/report) and status check (/report/status) for workers, on their
// phones, without an account. Loads only this file, the i18n core and the HTTP client.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import { LANGS, initialLang, isLang, lang, langName, register, setLang, startLang, t } from '../i18n/core';
import { ErrorBox } from '../ui/error';
import { useLang } from '../ui/hooks';
import messages from './messages';
import './report.css';

register(messages);
startLang(initialLang());

interface Code {
  code: string;
  en: string;
  ru: string;
  kk: string;
}

function go(path: string) {
  const url = `${path}?lang=${lang()}`;
  history.pushState(null, '', url);
  dispatchEvent(new PopStateEvent('popstate'));
}

function LangBar() {
  return (
    <nav class="langbar" aria-label={t('report.lang')}>
      {LANGS.map((l) => (
        <button
          type="button"
          lang={l}
          aria-pressed={l === lang()}
          onClick={() => {
            setLang(l);
            const u = new URL(location.href);
            u.searchParams.set('lang', l);
            history.replaceState(null, '', u);
          }}
        >
          {langName(l)}
        </button>
      ))}
    </nav>
  );
}

interface Receipt {
  reference: string;
  secret: string;
}

function ReportForm({ onSent }: { onSent: (r: Receipt) => void }) {
  const [categories, setCategories] = useState<Code[]>([]);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [recipient, setRecipient] = useState('uk-fwa');
  const [what, setWhat] = useState('');
  const [provider, setProvider] = useState('');
  const [where, setWhere] = useState('');
  const [contact, setContact] = useState('');
  const [website, setWebsite] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api.get<{ categories: Code[] }>('/api/v1/cases/taxonomy').then(
      (d) => setCategories(d.categories),
      (e) => setError(e),
    );
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api.post<Receipt>('/api/v1/public/reports', {
        language: lang(),
        recipient,
        what_happened: what,
        provider_name: provider,
        location: where,
        contact,
        website,
        categories: [...chosen],
      });
      onSent(r);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const toggle = (code: string, on: boolean) => {
    const next = new Set(chosen);
    if (on) next.add(code);
    else next.delete(code);
    setChosen(next);
  };

  return (
    <form onSubmit={submit} novalidate={false}>
      <fieldset>
        <legend>{t('report.recipient')}</legend>
        {(['uk-fwa', 'kz-mlsp'] as const).map((r) => (
          <label class="choice">
            <input
              type="radio"
              name="recipient"
              value={r}
              checked={recipient === r}
              onChange={() => setRecipient(r)}
            />
            <span>{t(`report.recipient.${r}`)}</span>
          </label>
        ))}
      </fieldset>
      <fieldset>
        <legend>{t('report.categories')}</legend>
        {categories.map((c) => (
          <label class="choice">
            <input
              type="checkbox"
              name="categories"
              value={c.code}
              checked={chosen.has(c.code)}
              onChange={(e) => toggle(c.code, (e.target as HTMLInputElement).checked)}
            />
            <span>{c[lang()]}</span>
          </label>
        ))}
      </fieldset>
      <label class="field">
        <span class="field-label">{t('report.what')}</span>
        <textarea
          name="what_happened"
          required
          maxLength={5000}
          rows={6}
          aria-describedby="what-hint"
          value={what}
          onInput={(e) => setWhat((e.target as HTMLTextAreaElement).value)}
        />
        <span id="what-hint" class="field-hint">
          {t('report.what_hint')}
        </span>
      </label>
      <label class="field">
        <span class="field-label">{t('report.provider')}</span>
        <input
          name="provider_name"
          maxLength={200}
          value={provider}
          onInput={(e) => setProvider((e.target as HTMLInputElement).value)}
        />
      </label>
      <label class="field">
        <span class="field-label">{t('report.location')}</span>
        <input
          name="location"
          maxLength={200}
          value={where}
          onInput={(e) => setWhere((e.target as HTMLInputElement).value)}
        />
      </label>
      <label class="field">
        <span class="field-label">{t('report.contact')}</span>
        <input
          name="contact"
          maxLength={200}
          autoComplete="tel"
          value={contact}
          onInput={(e) => setContact((e.target as HTMLInputElement).value)}
        />
      </label>
      {/* A trap for bots: hidden from people and from assistive technology. */}
      <div class="hp" aria-hidden="true">
        <label>
          {t('report.website')}
          <input
            name="website"
            tabIndex={-1}
            autoComplete="off"
            value={website}
            onInput={(e) => setWebsite((e.target as HTMLInputElement).value)}
          />
        </label>
      </div>
      <ErrorBox error={error} />
      <button type="submit" class="big" disabled={busy}>
        {busy ? t('report.sending') : t('report.submit')}
      </button>
    </form>
  );
}

function Sent({ receipt, onNew }: { receipt: Receipt; onNew: () => void }) {
  return (
    <section class="receipt" aria-live="polite">
      <h2>{t('report.sent_title')}</h2>
      <dl>
        <dt>{t('report.reference')}</dt>
        <dd>
          <code id="reference">{receipt.reference}</code>
        </dd>
        <dt>{t('report.secret')}</dt>
        <dd>
          <code id="secret">{receipt.secret}</code>
        </dd>
      </dl>
      <p>{t('report.keep')}</p>
      <p class="row">
        <a class="button big" href={`/report/status?lang=${lang()}`} onClick={(e) => { e.preventDefault(); go('/report/status'); }}>
          {t('report.check_link')}
        </a>
        <button type="button" class="secondary big" onClick={onNew}>
          {t('report.new')}
        </button>
      </p>
    </section>
  );
}

function StatusCheck() {
  const [reference, setReference] = useState('');
  const [secret, setSecret] = useState('');
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const q = new URLSearchParams({ reference: reference.trim(), secret: secret.trim() });
      const r = await api.get<{ status: string }>(`/api/v1/public/reports/status?${q}`);
      setStatus(r.status);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <h1>{t('report.status_title')}</h1>
      <form onSubmit={submit}>
        <label class="field">
          <span class="field-label">{t('report.reference')}</span>
          <input name="reference" required autoComplete="off" value={reference} onInput={(e) => setReference((e.target as HTMLInputElement).value)} />
        </label>
        <label class="field">
          <span class="field-label">{t('report.secret')}</span>
          <input name="secret" required autoComplete="off" value={secret} onInput={(e) => setSecret((e.target as HTMLInputElement).value)} />
        </label>
        <ErrorBox error={error} />
        <button type="submit" class="big" disabled={busy}>
          {busy ? t('report.checking') : t('report.check')}
        </button>
      </form>
      {status ? (
        <p class="status" role="status" id="report-status">
          {t(`report.status.${status}`)}
        </p>
      ) : null}
      <p>
        <a href={`/report?lang=${lang()}`} onClick={(e) => { e.preventDefault(); go('/report'); }}>
          {t('report.back')}
        </a>
      </p>
    </>
  );
}

function ReportApp() {
  useLang();
  const [path, setPath] = useState(location.pathname);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  useEffect(() => {
    const f = () => {
      setPath(location.pathname);
      const l = new URLSearchParams(location.search).get('lang');
      if (isLang(l)) setLang(l);
    };
    addEventListener('popstate', f);
    return () => removeEventListener('popstate', f);
  }, []);
  useEffect(() => {
    document.title = `Kenes — ${t(path.startsWith('/report/status') ? 'report.status_title' : 'report.title')}`;
  });
  const statusPage = path.replace(/\/+$/, '') === '/report/status';
  return (
    <>
      <header class="report-header">
        <LangBar />
      </header>
      <main id="main">
        {statusPage ? (
          <StatusCheck />
        ) : (
          <>
            <h1>{t('report.title')}</h1>
            <p>{t('report.intro')}</p>
            <p class="emergency">{t('report.emergency')}</p>
            {receipt ? (
              <Sent receipt={receipt} onNew={() => setReceipt(null)} />
            ) : (
              <ReportForm onSent={setReceipt} />
            )}
          </>
        )}
      </main>
    </>
  );
}

render(<ReportApp />, document.getElementById('report')!);
