import { useState } from 'preact/hooks';
import { formatInstant } from '../api';
import { useApp } from '../context';
import { ErrorMessage, Show, useLoad } from '../load';

/** The events an endpoint may subscribe to, as API.md lists them. */
const EVENT_TYPES = [
  'reservation.held',
  'reservation.paid',
  'reservation.cancelled',
  'reservation.expired',
  'reservation.refunded',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'anomaly.opened',
] as const;

type Endpoint = { id: string; url: string; events: string[]; createdAt: string };
type CreatedEndpoint = Endpoint & { secret?: string };
type Delivery = {
  deliveryId: string;
  type: string;
  reservationId: string;
  status: 'pending' | 'delivered' | 'failed';
  createdAt: string;
  attempts: { attemptedAt: string; responseStatus?: number; error?: string }[];
};

/** `/v1/admin/webhook-endpoints` (admins): the endpoints, a new one (its secret shown once), removal, deliveries and redelivery. */
export function WebhookEndpoints() {
  const { api, t } = useApp();
  const [endpoints, reload] = useLoad('webhook-endpoints', () => api.get<{ items: Endpoint[] }>('/admin/webhook-endpoints'));
  const [created, setCreated] = useState<CreatedEndpoint | null>(null);
  return (
    <section aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">{t('webhookEndpoints')}</h2>
      <Show loaded={endpoints}>
        {(value) => (
          <>
            <CreateEndpoint
              onCreated={(endpoint) => {
                setCreated(endpoint);
                reload();
              }}
            />
            {created?.secret !== undefined && (
              <div class="card secret" role="status">
                <p>
                  <strong>{t('secretOnce')}</strong>
                </p>
                <p>
                  {created.url}: <code>{created.secret}</code>
                </p>
              </div>
            )}
            {value.items.length === 0 ? (
              <p>{t('noEndpoints')}</p>
            ) : (
              value.items.map((endpoint) => <EndpointCard key={endpoint.id} endpoint={endpoint} onRemoved={reload} />)
            )}
          </>
        )}
      </Show>
    </section>
  );
}

function CreateEndpoint(props: { onCreated: (endpoint: CreatedEndpoint) => void }) {
  const { api, t } = useApp();
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const [error, setError] = useState<Error | null>(null);
  async function create(event: Event) {
    event.preventDefault();
    setError(null);
    try {
      const endpoint = await api.send<CreatedEndpoint>(
        'POST',
        '/admin/webhook-endpoints',
        { url, events },
        {
          'idempotency-key': crypto.randomUUID(),
        },
      );
      setUrl('');
      setEvents([]);
      props.onCreated(endpoint);
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  }
  const toggle = (type: string, on: boolean) => setEvents((current) => (on ? [...current, type] : current.filter((e) => e !== type)));
  return (
    <form class="card endpoint-form" onSubmit={(e) => void create(e)}>
      <h3>{t('newEndpoint')}</h3>
      <label>
        {t('endpointUrl')}
        <input name="url" type="url" required value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>{t('webhookEvents')}</legend>
        {EVENT_TYPES.map((type) => (
          <label key={type} class="inline">
            <input type="checkbox" checked={events.includes(type)} onChange={(e) => toggle(type, e.currentTarget.checked)} />
            {type}
          </label>
        ))}
      </fieldset>
      {error && <ErrorMessage error={error} />}
      <button type="submit" class="primary" disabled={url === '' || events.length === 0}>
        {t('createEndpoint')}
      </button>
    </form>
  );
}

function EndpointCard(props: { endpoint: Endpoint; onRemoved: () => void }) {
  const { api, locale, t } = useApp();
  const { endpoint } = props;
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  async function remove() {
    setError(null);
    try {
      await api.send('DELETE', `/admin/webhook-endpoints/${encodeURIComponent(endpoint.id)}`);
      props.onRemoved();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  }
  return (
    <article class="card endpoint" aria-label={`${t('endpoint')} ${endpoint.url}`}>
      <p>
        <strong>{endpoint.url}</strong> · {t('createdAt')} {formatInstant(endpoint.createdAt, locale)}
      </p>
      <p>{endpoint.events.join(', ')}</p>
      {error && <ErrorMessage error={error} />}
      <div class="actions">
        <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
          {t('deliveries')}
        </button>
        <button type="button" onClick={() => void remove()}>
          {t('removeEndpoint')}
        </button>
      </div>
      {open && <Deliveries endpointId={endpoint.id} />}
    </article>
  );
}

function Deliveries(props: { endpointId: string }) {
  const { api, locale, t } = useApp();
  const path = `/admin/webhook-endpoints/${encodeURIComponent(props.endpointId)}/deliveries`;
  const [deliveries, reload] = useLoad(path, () => api.get<{ items: Delivery[] }>(path));
  const [error, setError] = useState<Error | null>(null);
  async function redeliver(deliveryId: string) {
    setError(null);
    try {
      await api.send('POST', `${path}/${encodeURIComponent(deliveryId)}/redeliver`);
      reload();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    }
  }
  return (
    <Show loaded={deliveries}>
      {(value) =>
        value.items.length === 0 ? (
          <p>{t('noDeliveries')}</p>
        ) : (
          <>
            {error && <ErrorMessage error={error} />}
            <table class="deliveries">
              <thead>
                <tr>
                  <th scope="col">{t('event')}</th>
                  <th scope="col">{t('reservation')}</th>
                  <th scope="col">{t('status')}</th>
                  <th scope="col">{t('createdAt')}</th>
                  <th scope="col">{t('lastAttempt')}</th>
                  <th scope="col">{t('actionsColumn')}</th>
                </tr>
              </thead>
              <tbody>
                {value.items.map((delivery) => {
                  const last = delivery.attempts.at(-1);
                  return (
                    <tr key={delivery.deliveryId} data-delivery-id={delivery.deliveryId}>
                      <td>{delivery.type}</td>
                      <td>
                        <a href={`#/reservations/${delivery.reservationId}`}>{delivery.reservationId.slice(0, 8)}</a>
                      </td>
                      <td>
                        <span class={`status status-${delivery.status}`}>{t(`delivery_${delivery.status}`)}</span>
                      </td>
                      <td>{formatInstant(delivery.createdAt, locale)}</td>
                      <td>
                        {last === undefined
                          ? '—'
                          : `${formatInstant(last.attemptedAt, locale)} · ${last.responseStatus ?? last.error ?? ''} (${delivery.attempts.length})`}
                      </td>
                      <td>
                        <button type="button" onClick={() => void redeliver(delivery.deliveryId)}>
                          {t('redeliver')} <span class="visually-hidden">{delivery.type}</span>
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        )
      }
    </Show>
  );
}
