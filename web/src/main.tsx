// The console: signs in, loads the user, applies their language, and routes to the pages their
// permissions open.
import { render } from 'preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useErrorBoundary, useState } from 'preact/hooks';
import { LocationProvider, Route, Router, lazy, useLocation } from 'preact-iso';
import { api, ApiError, setCsrf, setUnauthorizedHandler } from './api';
import {
  LANGS,
  hasLangParam,
  initialLang,
  isLang,
  lang,
  langName,
  register,
  setLang,
  startLang,
  t,
} from './i18n/core';
import common from './i18n/messages/common';
import { pageMessages } from './i18n/messages/pages';
import { SessionContext, mayFor, type Me } from './session';
import { ErrorBox } from './ui/error';
import { useLang } from './ui/hooks';
import './styles.css';

register(common, ...pageMessages);
startLang(initialLang());

const Dashboard = lazy(() => import('./pages/dashboard'));
const Cases = lazy(() => import('./pages/cases'));
const CaseDetail = lazy(() => import('./pages/case_detail'));
const Referrals = lazy(() => import('./pages/referrals'));
const ReferralDetail = lazy(() => import('./pages/referral_detail'));
const Registry = lazy(() => import('./pages/registry'));
const Payroll = lazy(() => import('./pages/payroll'));
const Linkage = lazy(() => import('./pages/linkage'));
const Dialogue = lazy(() => import('./pages/dialogue'));
const Library = lazy(() => import('./pages/library'));
const Audit = lazy(() => import('./pages/audit'));

interface NavItem {
  href: string;
  key: string;
  permission: string;
}
const NAV: NavItem[] = [
  { href: '/', key: 'nav.dashboard', permission: 'me.read' },
  { href: '/cases', key: 'nav.cases', permission: 'case.read' },
  { href: '/referrals', key: 'nav.referrals', permission: 'case.read' },
  { href: '/registry', key: 'nav.registry', permission: 'provider.read' },
  { href: '/payroll', key: 'nav.payroll', permission: 'payroll.read' },
  { href: '/linkage', key: 'nav.linkage', permission: 'linkage.read' },
  { href: '/dialogue', key: 'nav.dialogue', permission: 'dialogue.read' },
  { href: '/library', key: 'nav.library', permission: 'library.read' },
  { href: '/audit', key: 'nav.audit', permission: 'audit.read' },
];

function LanguageSwitch({ onChange }: { onChange?: (l: string) => void }) {
  useLang();
  return (
    <label class="lang-switch">
      <span class="field-label">{t('lang.label')}</span>
      <select
        value={lang()}
        onChange={(e) => {
          const l = (e.target as HTMLSelectElement).value;
          if (isLang(l)) {
            setLang(l);
            onChange?.(l);
          }
        }}
      >
        {LANGS.map((l) => (
          <option value={l} lang={l}>
            {langName(l)}
          </option>
        ))}
      </select>
    </label>
  );
}

function SignIn({ onSignedIn, expired }: { onSignedIn: (me: Me) => void; expired: boolean }) {
  useLang();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.post<Me>('/api/v1/session', { username, password }));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="signin">
      <div class="signin-card">
        <p class="brand">{t('app.name')}</p>
        <p class="tagline">{t('app.tagline')}</p>
        <h1>{t('signin.title')}</h1>
        {expired ? (
          <p class="notice" role="status">
            {t('signin.expired')}
          </p>
        ) : null}
        <form onSubmit={submit}>
          <label class="field">
            <span class="field-label">{t('signin.username')}</span>
            <input
              name="username"
              autoComplete="username"
              required
              value={username}
              onInput={(e) => setUsername((e.target as HTMLInputElement).value)}
            />
          </label>
          <label class="field">
            <span class="field-label">{t('signin.password')}</span>
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
            />
          </label>
          <ErrorBox error={error} />
          <button type="submit" disabled={busy}>
            {busy ? t('signin.busy') : t('signin.submit')}
          </button>
        </form>
        <LanguageSwitch />
        <p>
          <a href={`/report?lang=${lang()}`}>{t('signin.public')}</a>
        </p>
      </div>
    </main>
  );
}

// A page that throws (or whose code fails to load, e.g. after an upgrade) shows a message in the
// user's language with a way out, instead of a blank area. Keyed by path: navigating resets it.
function PageBoundary({ children }: { children: ComponentChildren }) {
  const [error, reset] = useErrorBoundary((e) => console.warn('kenes: page failed', e));
  if (error) {
    return (
      <div class="error" role="alert">
        <strong>{t('error.uncaught')}</strong>
        <p class="error-detail">{String((error as Error)?.message ?? error)}</p>
        <button type="button" class="secondary" onClick={() => location.reload()}>
          {t('common.retry')}
        </button>{' '}
        <button type="button" class="secondary" onClick={reset}>
          {t('common.back')}
        </button>
      </div>
    );
  }
  return <>{children}</>;
}

function NotFound() {
  return (
    <section>
      <h1 id="page-title">{t('common.not_found_page')}</h1>
    </section>
  );
}

function Forbidden() {
  return (
    <section>
      <h1 id="page-title">{t('common.not_allowed')}</h1>
    </section>
  );
}

function Shell({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  useLang();
  const may = mayFor(me);
  const { path } = useLocation();
  // Move focus to the new page's heading so keyboard and screen-reader users follow navigation.
  useEffect(() => {
    const h = document.getElementById('page-title');
    if (h && document.activeElement === document.body) h.focus({ preventScroll: true });
  }, [path]);
  const signOut = async () => {
    try {
      await api.del('/api/v1/session');
    } finally {
      onSignOut();
    }
  };
  const guard = (permission: string, C: any) => (may(permission) ? C : Forbidden);
  const items = NAV.filter((n) => may(n.permission));
  return (
    <SessionContext.Provider value={{ me, may, signOut }}>
      <div class="console">
      <a class="skip" href="#main">
        {t('nav.skip')}
      </a>
      <header class="topbar">
        <a class="brand" href="/">
          {t('app.name')}
        </a>
        <span class="who">
          {t('common.signed_in_as', {
            name: me.user.display_name || me.user.username,
            agency: t(`agency.${me.user.agency}`),
          })}
        </span>
        <LanguageSwitch
          onChange={(l) => {
            api.patch('/api/v1/me', { language: l }).catch(() => undefined);
          }}
        />
        <button type="button" class="secondary" onClick={signOut}>
          {t('signout')}
        </button>
      </header>
      <nav class="sidenav" aria-label={t('nav.main')}>
        <ul>
          {items.map((n) => {
            const active = n.href === '/' ? path === '/' : path.startsWith(n.href);
            return (
              <li>
                <a href={n.href} aria-current={active ? 'page' : undefined}>
                  {t(n.key)}
                </a>
              </li>
            );
          })}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <PageBoundary key={path}>
          <Router>
            <Route path="/" component={Dashboard} />
            <Route path="/cases" component={guard('case.read', Cases)} />
            <Route path="/cases/:id" component={guard('case.read', CaseDetail)} />
            <Route path="/referrals" component={guard('case.read', Referrals)} />
            <Route path="/referrals/:id" component={guard('case.read', ReferralDetail)} />
            <Route path="/registry/*" component={guard('provider.read', Registry)} />
            <Route path="/registry" component={guard('provider.read', Registry)} />
            <Route path="/payroll/*" component={guard('payroll.read', Payroll)} />
            <Route path="/payroll" component={guard('payroll.read', Payroll)} />
            <Route path="/linkage/*" component={guard('linkage.read', Linkage)} />
            <Route path="/linkage" component={guard('linkage.read', Linkage)} />
            <Route path="/dialogue/*" component={guard('dialogue.read', Dialogue)} />
            <Route path="/dialogue" component={guard('dialogue.read', Dialogue)} />
            <Route path="/library/*" component={guard('library.read', Library)} />
            <Route path="/library" component={guard('library.read', Library)} />
            <Route path="/audit" component={guard('audit.read', Audit)} />
            <Route default component={NotFound} />
          </Router>
        </PageBoundary>
      </main>
      </div>
    </SessionContext.Provider>
  );
}

function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [expired, setExpired] = useState(false);
  const [fatal, setFatal] = useState<unknown>(null);

  const accept = (m: Me) => {
    setCsrf(m.session.csrf_token ?? '');
    // The user's stored language, unless the URL asked for one.
    if (!hasLangParam() && isLang(m.user.language)) setLang(m.user.language);
    else if (hasLangParam() && m.user.language !== lang()) {
      api.patch('/api/v1/me', { language: lang() }).catch(() => undefined);
    }
    setExpired(false);
    setMe(m);
  };

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setCsrf('');
      setExpired(true);
      setMe(null);
    });
    api.get<Me>('/api/v1/me').then(accept, (e) => {
      if (e instanceof ApiError && e.status === 401) setMe(null);
      else setFatal(e);
    });
  }, []);

  if (fatal) {
    return (
      <main id="main">
        <ErrorBox error={fatal} onRetry={() => location.reload()} />
      </main>
    );
  }
  if (me === undefined) {
    return (
      <p class="loading" role="status">
        {t('common.loading')}
      </p>
    );
  }
  if (me === null) return <SignIn expired={expired} onSignedIn={accept} />;
  return (
    <LocationProvider>
      <Shell me={me} onSignOut={() => setMe(null)} />
    </LocationProvider>
  );
}

render(<App />, document.getElementById('app')!);
