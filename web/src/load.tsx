import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';
import { useApp } from './context';

export type Loaded<T> =
  { state: 'loading' } | { state: 'ok'; value: T } | { state: 'missing' } | { state: 'failed'; error: ApiError | Error };

/** Loads once per change of `key`; `reload` asks again (after an action). */
export function useLoad<T>(key: string, load: () => Promise<T>): [Loaded<T>, () => void] {
  const [loaded, setLoaded] = useState<Loaded<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let current = true;
    setLoaded({ state: 'loading' });
    load().then(
      (value) => current && setLoaded({ state: 'ok', value }),
      (error: unknown) => {
        if (!current) return;
        // 404 on a whole route: a part of the ledger this server does not have yet.
        if (error instanceof ApiError && error.status === 404) setLoaded({ state: 'missing' });
        else setLoaded({ state: 'failed', error: error instanceof Error ? error : new Error(String(error)) });
      },
    );
    return () => {
      current = false;
    };
    // `key` names everything `load` reads, so a new closure with the same key loads nothing new.
  }, [key, round]);
  return [loaded, useCallback(() => setRound((r) => r + 1), [])];
}

export function Show<T>(props: { loaded: Loaded<T>; children: (value: T) => ComponentChildren }) {
  const { t } = useApp();
  const { loaded } = props;
  if (loaded.state === 'loading') return <p aria-busy="true">{t('loading')}</p>;
  if (loaded.state === 'missing') return <p class="muted">{t('notAvailable')}</p>;
  if (loaded.state === 'failed') return <ErrorMessage error={loaded.error} />;
  return <>{props.children(loaded.value)}</>;
}

export function ErrorMessage(props: { error: Error }) {
  const { t } = useApp();
  const forbidden = props.error instanceof ApiError && props.error.status === 403;
  return (
    <p role="alert" class="error">
      {forbidden ? t('forbidden') : `${t('error')}: ${props.error.message}`}
    </p>
  );
}
