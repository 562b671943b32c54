import { Suspense, useState } from 'react';
import { useI18n } from './i18n/index.js';
import { LanguageToggle } from './language-toggle.js';
import { Login } from './login.js';
import { ROUTES } from './nav.js';
import { Link, matchPath, navigate, useLocation } from './router.js';
import { logOut, restoreSession, type Session } from './session.js';
import { SessionContext } from './session-context.js';

export function App() {
  const [session, setSession] = useState<Session | null>(restoreSession);
  if (session === null) return <Login onLogin={setSession} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell
        session={session}
        onLogout={() => {
          logOut();
          setSession(null);
          navigate('/');
        }}
      />
    </SessionContext.Provider>
  );
}

function Shell({ session, onLogout }: { session: Session; onLogout(): void }) {
  const { t } = useI18n();
  const { path } = useLocation();
  let found: { page: (typeof ROUTES)[number]['page']; params: Record<string, string> } | null = null;
  for (const route of ROUTES) {
    const params = matchPath(route.path, path);
    if (params !== null) {
      found = { page: route.page, params };
      break;
    }
  }
  const section = (routePath: string) => (routePath === '/' ? path === '/' : path === routePath || path.startsWith(`${routePath}/`));
  const Page = found?.page;
  return (
    <>
      <a className="skip" href="#main">
        {t('app.skip')}
      </a>
      <header className="top">
        <span className="brand">{t('app.title')}</span>
        <span className="role">{t(session.role === 'operator' ? 'app.role.operator' : 'app.role.merchant')}</span>
        <LanguageToggle />
        <button type="button" onClick={onLogout}>
          {t('app.logout')}
        </button>
      </header>
      <div className="layout">
        <nav className="side" aria-label={t('app.nav')}>
          <ul>
            {ROUTES.filter((route) => route.label !== undefined && (route.roles === undefined || route.roles.includes(session.role))).map((route) => (
              <li key={route.path}>
                <Link to={route.path} ariaCurrent={section(route.path)}>
                  {t(route.label!)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <Suspense fallback={<p aria-busy="true">{t('app.loading')}</p>}>{Page ? <Page key={path} params={found!.params} /> : <p>{t('app.notFound')}</p>}</Suspense>
        </main>
      </div>
    </>
  );
}
