import { formatInstant } from '../api';
import { useApp } from '../context';
import { Show, useLoad } from '../load';

/** One entry of `GET /v1/backoffice/reservations/{id}/emails` (API.md, customer e-mails). */
type CustomerEmail = {
  kind: string;
  state: 'queued' | 'sending' | 'sent' | 'failed' | 'skipped';
  locale: string | null;
  subject: string | null;
  attempts: number;
  messageId: string | null;
  lastError: string | null;
  queuedAt: string;
  lastAttemptAt: string | null;
  sentAt: string | null;
};

/** What the customer was sent about a reservation, one row per kind, with how its delivery went. */
export function CustomerEmails(props: { reservationId: string }) {
  const { api, locale, t } = useApp();
  const id = encodeURIComponent(props.reservationId);
  const [emails] = useLoad(`e:${id}`, () =>
    api.get<{ reservationId: string; items: CustomerEmail[] }>(`/backoffice/reservations/${id}/emails`),
  );
  const when = (iso: string | null) => (iso === null ? '—' : formatInstant(iso, locale));
  return (
    <Show loaded={emails}>
      {(value) =>
        value.items.length === 0 ? (
          <p>{t('noEmails')}</p>
        ) : (
          <table class="emails">
            <thead>
              <tr>
                <th scope="col">{t('emailKind')}</th>
                <th scope="col">{t('status')}</th>
                <th scope="col">{t('language')}</th>
                <th scope="col">{t('subject')}</th>
                <th scope="col">{t('attempts')}</th>
                <th scope="col">{t('queuedAt')}</th>
                <th scope="col">{t('sentAt')}</th>
                <th scope="col">{t('lastError')}</th>
              </tr>
            </thead>
            <tbody>
              {value.items.map((email) => (
                <tr key={email.kind}>
                  <td>{email.kind}</td>
                  <td>
                    <span class={`status status-${email.state}`}>{t(`email_${email.state}`)}</span>
                  </td>
                  <td>{email.locale ?? '—'}</td>
                  <td>{email.subject ?? '—'}</td>
                  <td>{email.attempts}</td>
                  <td>{when(email.queuedAt)}</td>
                  <td>{email.sentAt === null ? `${t('lastAttempt')}: ${when(email.lastAttemptAt)}` : when(email.sentAt)}</td>
                  <td>{email.lastError ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </Show>
  );
}
