import { useState } from 'preact/hooks';
import { formatInstant } from '../api';
import { useApp } from '../context';
import { ErrorMessage, Show, useLoad } from '../load';

type VerifyReport = { ok: boolean; streams: number; events: number; brokenChains: unknown[]; projectionMismatches: unknown[] };
type SyncState = {
  enabled: boolean;
  lastPullAt: string | null;
  lagSeconds: number | null;
  queued: number;
  failed: { id: string; reservationId: string; attempts: number; lastError: string; lastAttemptAt: string }[];
  conflicts: { id: string; kind: string; slotId: string; detail: string; openedAt: string; acknowledgedAt?: string }[];
};
type WebhookEndpoint = { id: string; url: string; events: string[] };

export function Audit() {
  const { t } = useApp();
  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">{t('audit')}</h2>
      <Verify />
      <PanelSync />
      <WebhookEndpoints />
    </section>
  );
}

function Verify() {
  const { api, t } = useApp();
  const [report, setReport] = useState<VerifyReport | Error | null>(null);
  const [running, setRunning] = useState(false);
  async function run() {
    setRunning(true);
    try {
      setReport(await api.send<VerifyReport>('POST', '/audit/verify'));
    } catch (error) {
      setReport(error instanceof Error ? error : new Error(String(error)));
    } finally {
      setRunning(false);
    }
  }
  return (
    <section class="card" aria-labelledby="verify-title">
      <h3 id="verify-title">{t('verify')}</h3>
      <button type="button" class="primary" disabled={running} onClick={() => void run()}>
        {running ? t('loading') : t('verify')}
      </button>
      {report instanceof Error && <ErrorMessage error={report} />}
      {report !== null && !(report instanceof Error) && (
        <div role="status" class="verify-result">
          <p class={report.ok ? 'ok' : 'error'}>{report.ok ? t('verifyOk') : t('verifyFailed')}</p>
          <dl class="facts">
            <dt>{t('streams')}</dt>
            <dd>{report.streams}</dd>
            <dt>{t('events')}</dt>
            <dd>{report.events}</dd>
            <dt>{t('brokenChains')}</dt>
            <dd>{report.brokenChains.length === 0 ? '0' : report.brokenChains.map((c) => JSON.stringify(c)).join('; ')}</dd>
            <dt>{t('projectionMismatches')}</dt>
            <dd>{report.projectionMismatches.length === 0 ? '0' : report.projectionMismatches.map((m) => JSON.stringify(m)).join('; ')}</dd>
          </dl>
        </div>
      )}
    </section>
  );
}

function PanelSync() {
  const { api, locale, t } = useApp();
  const [sync] = useLoad('sync', () => api.get<SyncState>('/backoffice/sync'));
  return (
    <section class="card" aria-labelledby="sync-title">
      <h3 id="sync-title">{t('panelSync')}</h3>
      <Show loaded={sync}>
        {(s) => (
          <>
            <dl class="facts">
              <dt>{t('syncEnabled')}</dt>
              <dd>{s.enabled ? t('yes') : t('no')}</dd>
              <dt>{t('lastPull')}</dt>
              <dd>{s.lastPullAt ? formatInstant(s.lastPullAt, locale) : '—'}</dd>
              <dt>{t('queued')}</dt>
              <dd>{s.queued}</dd>
            </dl>
            <h4>{t('failedDeliveries')}</h4>
            <ul>
              {s.failed.map((f) => (
                <li key={f.id}>
                  {f.reservationId} · {f.attempts} · {f.lastError}
                </li>
              ))}
            </ul>
            <h4>{t('conflicts')}</h4>
            <ul>
              {s.conflicts.map((c) => (
                <li key={c.id}>
                  {c.kind} · {c.slotId} · {c.detail} · {formatInstant(c.openedAt, locale)}
                  {c.acknowledgedAt ? ` · ${t('resolved')}` : ''}
                </li>
              ))}
            </ul>
          </>
        )}
      </Show>
    </section>
  );
}

function WebhookEndpoints() {
  const { api, t } = useApp();
  const [endpoints] = useLoad('webhooks', () => api.get<{ items: WebhookEndpoint[] } | WebhookEndpoint[]>('/admin/webhook-endpoints'));
  return (
    <section class="card" aria-labelledby="webhooks-title">
      <h3 id="webhooks-title">{t('webhookEndpoints')}</h3>
      <Show loaded={endpoints}>
        {(value) => {
          const list = Array.isArray(value) ? value : value.items;
          if (list.length === 0) return <p>{t('nothingFound')}</p>;
          return (
            <ul>
              {list.map((endpoint) => (
                <li key={endpoint.id}>
                  {endpoint.url} · {endpoint.events.join(', ')} <Deliveries endpointId={endpoint.id} />
                </li>
              ))}
            </ul>
          );
        }}
      </Show>
    </section>
  );
}

function Deliveries(props: { endpointId: string }) {
  const { api, t } = useApp();
  const [open, setOpen] = useState(false);
  const [deliveries] = useLoad(`d:${props.endpointId}:${open}`, () =>
    open ? api.get<unknown>(`/admin/webhook-endpoints/${encodeURIComponent(props.endpointId)}/deliveries`) : Promise.resolve(null),
  );
  return (
    <>
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {t('deliveries')}
      </button>
      {open && (
        <Show loaded={deliveries}>
          {(value) => {
            const list = Array.isArray(value)
              ? (value as Record<string, unknown>[])
              : ((value as { items?: Record<string, unknown>[] } | null)?.items ?? []);
            return (
              <ul>
                {list.map((d, index) => (
                  <li key={index}>
                    {Object.entries(d)
                      .filter(([, v]) => typeof v !== 'object')
                      .map(([k, v]) => `${k}: ${String(v)}`)
                      .join(' · ')}
                  </li>
                ))}
              </ul>
            );
          }}
        </Show>
      )}
    </>
  );
}
