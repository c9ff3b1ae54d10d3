import { useEffect, useMemo, useState } from 'preact/hooks';
import { createApi } from './api';
import { clearSession, isAdmin, type Session, storedSession, storeSession } from './auth/session';
import { completeCognitoSignIn, SignIn } from './auth/SignIn';
import { Ctx } from './context';
import { initialLocale, LOCALES, type Locale, type MessageKey, messagesFor } from './i18n';
import { Audit } from './screens/Audit';
import { Departures } from './screens/Departures';
import { PanelSync } from './screens/PanelSync';
import { Payments } from './screens/Payments';
import { ReservationDetail } from './screens/ReservationDetail';
import { Reservations } from './screens/Reservations';
import { WebhookEndpoints } from './screens/WebhookEndpoints';

const LOCALE_KEY = 'backoffice.locale';

/** `#/reservations/<id>` and the like: the server serves one page, the hash picks the screen. */
function useRoute(): string[] {
  const parse = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(parse);
  useEffect(() => {
    const onChange = () => setRoute(parse());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

const SECTIONS = [
  { path: 'departures', label: 'departures' },
  { path: 'reservations', label: 'reservations' },
  { path: 'payments', label: 'payments' },
  { path: 'sync', label: 'panelSync' },
  { path: 'webhooks', label: 'webhookEndpoints' },
  { path: 'audit', label: 'audit' },
] as const satisfies readonly { path: string; label: MessageKey }[];

export function App() {
  const [locale, setLocale] = useState<Locale>(() => initialLocale(localStorage.getItem(LOCALE_KEY), navigator.languages));
  const [session, setSession] = useState<Session | null>(storedSession);
  const [signInError, setSignInError] = useState<string | null>(null);
  const messages = messagesFor(locale);
  const t = (key: MessageKey) => messages[key];
  const route = useRoute();

  useEffect(() => {
    document.documentElement.lang = locale;
    localStorage.setItem(LOCALE_KEY, locale);
  }, [locale]);
  useEffect(() => {
    completeCognitoSignIn().then(
      (token) => token !== null && setSession(storeSession(token)),
      (error: unknown) => setSignInError(String(error)),
    );
  }, []);

  const signOut = () => {
    clearSession();
    setSession(null);
  };
  const api = useMemo(() => (session === null ? null : createApi(session.token, signOut)), [session]);
  const section = route[0] ?? 'departures';

  const languagePicker = (
    <label class="language">
      {t('language')}
      <select value={locale} onChange={(e) => setLocale(e.currentTarget.value as Locale)}>
        {LOCALES.map((l) => (
          <option key={l} value={l}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <>
      <a class="skip" href="#main">
        {t('skipToContent')}
      </a>
      <header class="top">
        <h1>{t('appTitle')}</h1>
        {languagePicker}
        {session !== null && (
          <div class="who">
            <span>
              {t('signedInAs')} {session.email ?? '—'} ({session.tenantId}: {session.groups.join(', ')})
            </span>
            <button type="button" onClick={signOut}>
              {t('signOut')}
            </button>
          </div>
        )}
      </header>
      {session !== null && (
        <nav aria-label={t('nav')}>
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.path}>
                <a href={`#/${s.path}`} aria-current={section === s.path ? 'page' : undefined}>
                  {t(s.label)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <main id="main" tabIndex={-1}>
        {signInError !== null && (
          <p role="alert" class="error">
            {signInError}
          </p>
        )}
        {session === null || api === null ? (
          <SignIn t={t} onToken={(token) => setSession(storeSession(token))} />
        ) : (
          <Ctx.Provider value={{ api, session, locale, t }}>
            {!isAdmin(session) && <p class="muted">{t('readOnly')}</p>}
            {section === 'departures' && <Departures />}
            {section === 'reservations' && route[1] === undefined && <Reservations />}
            {section === 'reservations' && route[1] !== undefined && <ReservationDetail reservationId={route[1]} />}
            {section === 'payments' && <Payments />}
            {section === 'sync' && <PanelSync />}
            {section === 'webhooks' && <WebhookEndpoints />}
            {section === 'audit' && <Audit />}
          </Ctx.Provider>
        )}
      </main>
    </>
  );
}
