import { useState } from 'preact/hooks';
import { formatInstant } from '../api';
import { isAdmin } from '../auth/session';
import { useApp } from '../context';
import { ErrorMessage, Show, useLoad } from '../load';

type FailedPush = { id: string; reservationId: string; attempts: number; lastError: string | null; lastAttemptAt: string | null };
type Conflict = {
  id: string;
  kind: 'capacity_conflict' | 'oversold' | 'departure_cancelled' | 'no_capacity';
  slotId: string;
  reservationId?: string;
  bookingId?: string;
  detail: string;
  openedAt: string;
  acknowledgedAt?: string;
};
/** `GET /v1/backoffice/sync` (API.md, activity panel). */
type SyncState = {
  enabled: boolean;
  lastPullAt: string | null;
  lagSeconds: number | null;
  queued: number;
  failed: FailedPush[];
  conflicts: Conflict[];
};

/** The activity panel sync: its lag and queue, failed pushes to retry and conflicts to acknowledge (admins act). */
export function PanelSync() {
  const { api, locale, t } = useApp();
  const [sync, reload] = useLoad('sync', () => api.get<SyncState>('/backoffice/sync'));
  return (
    <section aria-labelledby="sync-title">
      <h2 id="sync-title">{t('panelSync')}</h2>
      <Show loaded={sync}>
        {(s) => (
          <>
            <div class="card">
              <dl class="facts">
                <dt>{t('syncState')}</dt>
                <dd>
                  <span class={`status status-${s.enabled ? 'on' : 'off'}`}>{s.enabled ? t('syncOn') : t('syncOff')}</span>
                </dd>
                <dt>{t('lastPull')}</dt>
                <dd>{s.lastPullAt === null ? t('never') : formatInstant(s.lastPullAt, locale)}</dd>
                <dt>{t('lag')}</dt>
                <dd>{s.lagSeconds === null ? '—' : `${s.lagSeconds} s`}</dd>
                <dt>{t('queued')}</dt>
                <dd>{s.queued}</dd>
              </dl>
              {!s.enabled && <p class="muted">{t('syncOffExplained')}</p>}
            </div>
            <h3>{t('failedDeliveries')}</h3>
            {s.failed.length === 0 ? <p>{t('noFailedDeliveries')}</p> : <FailedPushes failed={s.failed} onChanged={reload} />}
            <h3>{t('conflicts')}</h3>
            {s.conflicts.length === 0 ? (
              <p>{t('noConflicts')}</p>
            ) : (
              s.conflicts.map((conflict) => <ConflictCard key={conflict.id} conflict={conflict} onChanged={reload} />)
            )}
          </>
        )}
      </Show>
    </section>
  );
}

function FailedPushes(props: { failed: FailedPush[]; onChanged: () => void }) {
  const { api, session, locale, t } = useApp();
  const [error, setError] = useState<Error | null>(null);
  // One retry in flight at a time: a second click would find the push queued already and get 404.
  const [retrying, setRetrying] = useState(false);
  async function retry(id: string) {
    setError(null);
    setRetrying(true);
    try {
      await api.send('POST', `/backoffice/sync/deliveries/${encodeURIComponent(id)}/retry`);
      props.onChanged();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setRetrying(false);
    }
  }
  return (
    <>
      {error && <ErrorMessage error={error} />}
      <table>
        <thead>
          <tr>
            <th scope="col">{t('reservation')}</th>
            <th scope="col">{t('attempts')}</th>
            <th scope="col">{t('lastError')}</th>
            <th scope="col">{t('lastAttempt')}</th>
            {isAdmin(session) && <th scope="col">{t('actionsColumn')}</th>}
          </tr>
        </thead>
        <tbody>
          {props.failed.map((push) => (
            <tr key={push.id}>
              <td>
                <a href={`#/reservations/${push.reservationId}`}>{push.reservationId.slice(0, 8)}</a>
              </td>
              <td>{push.attempts}</td>
              <td>{push.lastError ?? '—'}</td>
              <td>{push.lastAttemptAt === null ? '—' : formatInstant(push.lastAttemptAt, locale)}</td>
              {isAdmin(session) && (
                <td>
                  <button type="button" disabled={retrying} onClick={() => void retry(push.id)}>
                    {t('retry')} <span class="visually-hidden">{push.reservationId}</span>
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function ConflictCard(props: { conflict: Conflict; onChanged: () => void }) {
  const { api, session, locale, t } = useApp();
  const { conflict } = props;
  const [note, setNote] = useState('');
  const [error, setError] = useState<Error | null>(null);
  // Sent once: a second click would find the conflict closed already and show a 404 on a closed card.
  const [sending, setSending] = useState(false);
  async function acknowledge() {
    setError(null);
    setSending(true);
    try {
      await api.send('POST', `/backoffice/sync/conflicts/${encodeURIComponent(conflict.id)}/acknowledge`, { note });
      props.onChanged();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setSending(false);
    }
  }
  const noteId = `conflict-note-${conflict.id}`;
  return (
    <article class="card conflict" aria-label={`${t('conflict')}: ${t(`conflict_${conflict.kind}`)}`}>
      <p>
        <strong>{t(`conflict_${conflict.kind}`)}</strong> · {t('slotId')} {conflict.slotId} · {t('opened')}{' '}
        {formatInstant(conflict.openedAt, locale)}
      </p>
      <p>{conflict.detail}</p>
      {(conflict.reservationId !== undefined || conflict.bookingId !== undefined) && (
        <p>
          {conflict.reservationId !== undefined && (
            <a href={`#/reservations/${conflict.reservationId}`}>
              {t('reservation')} {conflict.reservationId.slice(0, 8)}
            </a>
          )}
          {conflict.bookingId !== undefined && ` · ${t('panelBooking')} ${conflict.bookingId}`}
        </p>
      )}
      {conflict.acknowledgedAt !== undefined ? (
        <p class="ok">
          {t('acknowledged')} {formatInstant(conflict.acknowledgedAt, locale)}
        </p>
      ) : (
        isAdmin(session) && (
          <div class="actions">
            <label for={noteId}>{t('acknowledgeNote')}</label>
            <input id={noteId} value={note} maxLength={1000} onInput={(e) => setNote(e.currentTarget.value)} />
            <button type="button" disabled={note.trim() === '' || sending} onClick={() => void acknowledge()}>
              {t('acknowledge')}
            </button>
          </div>
        )
      )}
      {error && <ErrorMessage error={error} />}
    </article>
  );
}
