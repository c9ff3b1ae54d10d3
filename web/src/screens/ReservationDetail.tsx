import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import { formatInstant, formatMoney, type Money } from '../api';
import { useApp } from '../context';
import { ErrorMessage, Show, useLoad } from '../load';
import { CustomerEmails } from './CustomerEmails';

type Payment = { paymentId: string; provider: string; status: string; amount: Money; providerPaymentId?: string };
type Reservation = {
  reservationId: string;
  status: string;
  slotId: string;
  seats: number;
  total: Money;
  expiresAt: string;
  payments: Payment[];
  version: number;
};
export type StreamEvent = {
  version: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  recordedAt: string;
  hash: string;
  prevHash: string | null;
};

/** The first version whose prevHash does not name the hash before it, or null when every link holds. */
export function brokenLinkOf(events: readonly StreamEvent[]): number | null {
  for (let i = 1; i < events.length; i++) {
    const event = events[i];
    if (event !== undefined && event.prevHash !== events[i - 1]?.hash) return event.version;
  }
  return null;
}

export function ReservationDetail(props: { reservationId: string }) {
  const { api, locale, t } = useApp();
  const id = encodeURIComponent(props.reservationId);
  const [reservation] = useLoad(`r:${id}`, () => api.get<Reservation>(`/reservations/${id}`));
  const [stream] = useLoad(`s:${id}`, () => api.get<{ events: StreamEvent[] }>(`/audit/streams/reservation-${id}`));

  return (
    <section aria-labelledby="reservation-title">
      <p>
        <a href="#/reservations">← {t('reservations')}</a>
      </p>
      <h2 id="reservation-title">
        {t('reservation')} <code>{props.reservationId}</code>
      </h2>
      <Show loaded={reservation}>
        {(r) => (
          <div class="card">
            <dl class="facts">
              <dt>{t('status')}</dt>
              <dd>
                <span class={`status status-${r.status}`}>{r.status}</span>
              </dd>
              <dt>{t('slotId')}</dt>
              <dd>{r.slotId}</dd>
              <dt>{t('seats')}</dt>
              <dd>{r.seats}</dd>
              <dt>{t('total')}</dt>
              <dd>{formatMoney(r.total, locale)}</dd>
              <dt>{t('expiresAt')}</dt>
              <dd>{formatInstant(r.expiresAt, locale)}</dd>
            </dl>
            {r.payments.length > 0 && (
              <ul>
                {r.payments.map((p) => (
                  <li key={p.paymentId}>
                    {p.provider} · {p.status} · {formatMoney(p.amount, locale)} <span class="muted">{p.providerPaymentId}</span>
                  </li>
                ))}
              </ul>
            )}
          </div>
        )}
      </Show>
      <h3>{t('timeline')}</h3>
      <Show loaded={stream}>{(s) => <Timeline reservationId={props.reservationId} events={s.events} />}</Show>
      <h3>{t('emails')}</h3>
      <CustomerEmails reservationId={props.reservationId} />
    </section>
  );
}

function Timeline(props: { reservationId: string; events: StreamEvent[] }) {
  const { api, locale, t } = useApp();
  const [at, setAt] = useState<string | null>(null);
  const [asItStood, setAsItStood] = useState<{ at: string; value: unknown } | Error | null>(null);
  const broken = brokenLinkOf(props.events);

  async function showAt(instant: string) {
    setAt(instant);
    try {
      const value = await api.get<unknown>(
        `/audit/reservations/${encodeURIComponent(props.reservationId)}?at=${encodeURIComponent(instant)}`,
      );
      setAsItStood({ at: instant, value });
    } catch (error) {
      setAsItStood(error instanceof Error ? error : new Error(String(error)));
    }
  }

  return (
    <div class="card">
      <p class={broken === null ? 'ok' : 'error'} role="status">
        {broken === null ? t('chainIntact') : `${t('chainBroken')} ${broken}`}
      </p>
      <ol class="timeline">
        {props.events.map((event) => (
          <li key={event.version}>
            <strong>
              v{event.version} {event.type}
            </strong>{' '}
            <span>
              {t('who')}: {typeof event.metadata['actor'] === 'string' ? event.metadata['actor'] : '—'}
            </span>{' '}
            <span>
              {t('when')}: <time dateTime={event.recordedAt}>{formatInstant(event.recordedAt, locale)}</time>
            </span>{' '}
            <code class="hash" title={event.hash}>
              {event.hash.slice(0, 12)}…
            </code>{' '}
            <button type="button" onClick={() => void showAt(event.recordedAt)}>
              {t('asItStoodAt')} v{event.version}
            </button>
          </li>
        ))}
      </ol>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          const input = e.currentTarget.elements.namedItem('at') as HTMLInputElement;
          if (input.value) void showAt(new Date(input.value).toISOString());
        }}
      >
        <label>
          {t('asItStoodAt')}
          <input name="at" type="datetime-local" step="1" />
        </label>
        <button type="submit">{t('show')}</button>
      </form>
      {asItStood instanceof Error && <ErrorMessage error={asItStood} />}
      {asItStood !== null && !(asItStood instanceof Error) && (
        <section aria-label={`${t('asItStoodAt')} ${at ?? ''}`} class="as-it-stood">
          <h4>
            {t('asItStoodAt')} {formatInstant(asItStood.at, locale)}
          </h4>
          <Facts value={asItStood.value} />
        </section>
      )}
    </div>
  );
}

/** An object's fields as a definition list, so nobody reads JSON. */
function Facts(props: { value: unknown }) {
  if (typeof props.value !== 'object' || props.value === null) return <span>{String(props.value)}</span>;
  return (
    <dl class="facts">
      {Object.entries(props.value as Record<string, unknown>).map(([key, value]) => (
        <Fragment key={key}>
          <dt>{key}</dt>
          <dd>{typeof value === 'object' && value !== null ? <Facts value={value} /> : String(value)}</dd>
        </Fragment>
      ))}
    </dl>
  );
}
