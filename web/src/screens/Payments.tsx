import { useState } from 'preact/hooks';
import { formatInstant, formatMoney, type Money, query } from '../api';
import { isAdmin, isStaff } from '../auth/session';
import { useApp } from '../context';
import { ErrorMessage, Show, useLoad } from '../load';
import { type Page, PagedTable } from '../pagedTable';

type BackofficePayment = {
  paymentId: string;
  reservationId: string;
  provider: string;
  status: string;
  amount: Money;
  providerPaymentId: string | null;
  lastError: string | null;
  anomalies: number;
  createdAt: string;
};
type Anomaly = {
  paymentId: string;
  reservationId: string;
  provider: string;
  currentPaymentStatus: string;
  anomaly: string;
  reason: string;
  signal: string;
  providerEventId: string;
  amount?: Money;
  recordedAt: string;
};
type Unmatched = { provider: string; providerEventId: string; signal: string | null; detail: string | null; receivedAt: string };

const STATUSES = ['pending', 'processing', 'succeeded', 'failed', 'cancelled', 'refunded', 'disputed'];

export function Payments() {
  const { api, t } = useApp();
  const [round, setRound] = useState(0);
  const [anomalies] = useLoad(`a${round}`, () =>
    api.get<{ anomalies: Anomaly[]; unmatched: Unmatched[] }>('/backoffice/anomalies?state=open'),
  );
  const changed = () => setRound((r) => r + 1);
  return (
    <section aria-labelledby="payments-title">
      <h2 id="payments-title">{t('payments')}</h2>
      <h3>{t('openAnomalies')}</h3>
      <Show loaded={anomalies}>
        {(value) => (
          <>
            {value.anomalies.length === 0 ? (
              <p>{t('noAnomalies')}</p>
            ) : (
              value.anomalies.map((anomaly) => (
                <AnomalyCard key={`${anomaly.paymentId}/${anomaly.providerEventId}`} anomaly={anomaly} onResolved={changed} />
              ))
            )}
            {value.unmatched.length > 0 && (
              <>
                <h3>{t('unmatched')}</h3>
                <ul>
                  {value.unmatched.map((u) => (
                    <li key={`${u.provider}/${u.providerEventId}`}>
                      {u.provider} {u.providerEventId} {u.signal} {u.detail}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </>
        )}
      </Show>
      <PaymentList key={round} onChanged={changed} />
    </section>
  );
}

function AnomalyCard(props: { anomaly: Anomaly; onResolved: () => void }) {
  const { api, session, locale, t } = useApp();
  const { anomaly } = props;
  const [note, setNote] = useState('');
  const [error, setError] = useState<Error | null>(null);
  const path = `/backoffice/payments/${anomaly.paymentId}/anomalies/${encodeURIComponent(anomaly.providerEventId)}/resolve`;
  async function resolve(action: 'refund' | 'dismiss') {
    setError(null);
    try {
      await api.send('POST', path, action === 'dismiss' ? { action, note } : { action });
      props.onResolved();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  }
  const noteId = `note-${anomaly.paymentId}-${anomaly.providerEventId}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return (
    <article class="card anomaly" aria-label={`${t('anomalies')}: ${anomaly.anomaly}`}>
      <p>
        <strong>{anomaly.anomaly}</strong> · {anomaly.provider} · {anomaly.signal} · {formatInstant(anomaly.recordedAt, locale)}
      </p>
      <p>
        {t('reason')}: {anomaly.reason}
      </p>
      <p>
        {t('status')}: {anomaly.currentPaymentStatus}
        {anomaly.amount && ` · ${t('amount')}: ${formatMoney(anomaly.amount, locale)}`} ·{' '}
        <a href={`#/reservations/${anomaly.reservationId}`}>
          {t('reservation')} {anomaly.reservationId.slice(0, 8)}
        </a>
      </p>
      {error && <ErrorMessage error={error} />}
      {isAdmin(session) && (
        <div class="actions">
          <button type="button" onClick={() => void resolve('refund')}>
            {t('refund')}
          </button>
          <label for={noteId}>{t('note')}</label>
          <input id={noteId} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          <button type="button" disabled={note.trim() === ''} onClick={() => void resolve('dismiss')}>
            {t('dismiss')}
          </button>
        </div>
      )}
    </article>
  );
}

function PaymentList(props: { onChanged: () => void }) {
  const { api, session, locale, t } = useApp();
  const [status, setStatus] = useState('');
  const [cursors, setCursors] = useState<string[]>([]);
  const [error, setError] = useState<Error | null>(null);
  const path = (cursor?: string) => `/backoffice/payments${query({ status: status || undefined, limit: '25', cursor })}`;
  const [pages] = useLoad(`${status}|${cursors.join(',')}`, () =>
    Promise.all([undefined, ...cursors].map((cursor) => api.get<Page<BackofficePayment>>(path(cursor)))),
  );
  async function reconcile(paymentId: string) {
    setError(null);
    try {
      await api.send('POST', `/backoffice/payments/${paymentId}/reconcile`);
      props.onChanged();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  }
  return (
    <>
      <h3>{t('paymentList')}</h3>
      <label>
        {t('status')}
        <select
          value={status}
          onChange={(e) => {
            setCursors([]);
            setStatus(e.currentTarget.value);
          }}
        >
          <option value="">{t('any')}</option>
          {STATUSES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {error && <ErrorMessage error={error} />}
      <PagedTable
        pages={pages}
        onMore={(next) => setCursors([...cursors, next])}
        head={
          <>
            <th scope="col">{t('provider')}</th>
            <th scope="col">{t('status')}</th>
            <th scope="col">{t('amount')}</th>
            <th scope="col">{t('reservation')}</th>
            <th scope="col">{t('anomalies')}</th>
            <th scope="col">{t('createdAt')}</th>
            {isStaff(session) && (
              <th scope="col">
                <span class="visually-hidden">{t('reconcile')}</span>
              </th>
            )}
          </>
        }
        row={(p) => (
          <tr key={p.paymentId}>
            <td>
              {p.provider} <span class="muted">{p.providerPaymentId}</span>
            </td>
            <td>
              <span class={`status status-${p.status}`}>{p.status}</span> {p.lastError && <span class="muted">{p.lastError}</span>}
            </td>
            <td>{formatMoney(p.amount, locale)}</td>
            <td>
              <a href={`#/reservations/${p.reservationId}`}>{p.reservationId.slice(0, 8)}</a>
            </td>
            <td>{p.anomalies}</td>
            <td>{formatInstant(p.createdAt, locale)}</td>
            {isStaff(session) && (
              <td>
                <button
                  type="button"
                  onClick={() => void reconcile(p.paymentId)}
                  aria-label={`${t('reconcile')} ${p.paymentId.slice(0, 8)}`}
                >
                  {t('reconcile')}
                </button>
              </td>
            )}
          </tr>
        )}
      />
    </>
  );
}
