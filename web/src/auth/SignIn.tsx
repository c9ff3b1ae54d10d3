import { useEffect, useState } from 'preact/hooks';
import { errorOf } from '../api';
import type { MessageKey } from '../i18n';
import { authorizeUrl, base64Url, createPkcePair, exchangeCode } from './pkce';

type SignInOptions = { mode: 'dev' } | { mode: 'cognito'; domain: string; clientId: string } | { mode: 'unavailable'; reason: string };

const PKCE_KEY = 'backoffice.pkce';
const redirectUri = () => `${location.origin}/backoffice/`;

/** Finishes a hosted UI sign-in when the page is its redirect (`?code=&state=`); null otherwise. */
export async function completeCognitoSignIn(): Promise<string | null> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const pending = sessionStorage.getItem(PKCE_KEY);
  if (code === null || pending === null) return null;
  sessionStorage.removeItem(PKCE_KEY);
  const { verifier, state, domain, clientId } = JSON.parse(pending) as {
    verifier: string;
    state: string;
    domain: string;
    clientId: string;
  };
  // A state that is not ours is a forged redirect: never trade its code.
  if (params.get('state') !== state) throw new Error('sign-in state does not match');
  history.replaceState(null, '', '/backoffice/');
  return exchangeCode({ domain, clientId, redirectUri: redirectUri(), code, verifier });
}

export function SignIn(props: { t: (key: MessageKey) => string; onToken: (token: string) => void }) {
  const { t } = props;
  const [options, setOptions] = useState<SignInOptions | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tenantId, setTenantId] = useState('demo');
  const [email, setEmail] = useState('operator@example.com');
  const [groups, setGroups] = useState<string[]>(['admin', 'auditor']);

  useEffect(() => {
    fetch('/backoffice/sign-in/options')
      .then(async (response) => {
        if (!response.ok) throw await errorOf(response);
        setOptions((await response.json()) as SignInOptions);
      })
      .catch((e: unknown) => setError(String(e)));
  }, []);

  async function devSignIn(event: Event) {
    event.preventDefault();
    setError(null);
    const response = await fetch('/backoffice/sign-in/dev-token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId, groups, ...(email === '' ? {} : { email }) }),
    });
    if (!response.ok) {
      setError((await errorOf(response)).message);
      return;
    }
    props.onToken(((await response.json()) as { idToken: string }).idToken);
  }

  async function cognitoSignIn(domain: string, clientId: string) {
    const { verifier, challenge } = await createPkcePair();
    const state = base64Url(crypto.getRandomValues(new Uint8Array(16)));
    sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, domain, clientId }));
    location.assign(authorizeUrl({ domain, clientId, redirectUri: redirectUri(), challenge, state }));
  }

  const toggle = (group: string) =>
    setGroups((current) => (current.includes(group) ? current.filter((g) => g !== group) : [...current, group]));

  return (
    <section aria-labelledby="sign-in-title" class="card sign-in">
      <h2 id="sign-in-title">{t('signIn')}</h2>
      {error !== null && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {options === null && error === null && <p>{t('loading')}</p>}
      {options?.mode === 'cognito' && (
        <button type="button" onClick={() => void cognitoSignIn(options.domain, options.clientId)}>
          {t('signInWithCognito')}
        </button>
      )}
      {options?.mode === 'unavailable' && (
        <p role="alert">
          {t('signInUnavailable')}: {options.reason}
        </p>
      )}
      {options?.mode === 'dev' && (
        <form class="dev-sign-in" onSubmit={(event) => void devSignIn(event)}>
          <h3>{t('devSignInTitle')}</h3>
          <p class="warning">{t('devSignInWarning')}</p>
          <label>
            {t('tenant')}
            <input name="tenantId" required value={tenantId} onInput={(e) => setTenantId(e.currentTarget.value)} />
          </label>
          <label>
            {t('email')}
            <input name="email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
          </label>
          <fieldset>
            <legend>{t('groups')}</legend>
            {['admin', 'staff', 'auditor'].map((group) => (
              <label key={group} class="inline">
                <input type="checkbox" name="groups" value={group} checked={groups.includes(group)} onChange={() => toggle(group)} />
                {group}
              </label>
            ))}
          </fieldset>
          <button type="submit">{t('signIn')}</button>
        </form>
      )}
    </section>
  );
}
