import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_TEST_TENANT } from '../../src/identity/testing/tokens.js';
import { eventually, type PaymentsHarness, startPaymentsHarness, stripePaymentRecordedAfterHoldEnded } from '../payments/harness.js';

let h: PaymentsHarness;
beforeAll(async () => {
  h = await startPaymentsHarness({ holdTtlSeconds: 600 });
});
afterAll(async () => {
  await h.close();
});

/**
 * Prometheus text format, line by line: HELP and TYPE comments, or `name{label="value",…} number`.
 * Not-a-number in any letter case: prom-client writes Node's event-loop lag before its first sample
 * as `Nan` (its util.js writes every NaN so; seen on Node 24), which Prometheus reads like `NaN` (Go's ParseFloat ignores case).
 */
const COMMENT = /^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$/;
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\["\\n])*")*\})? (-?[0-9.e+-]+|[Nn][Aa][Nn]|\+Inf|-Inf)$/;

type Sample = { name: string; labels: Record<string, string>; value: number };

function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      expect(line, 'a comment line').toMatch(COMMENT);
      continue;
    }
    expect(line, 'a sample line').toMatch(SAMPLE);
    const [, name = '', labelText = '', value = ''] = /^([^{ ]+)(?:\{(.*)\})? (.+)$/.exec(line) ?? [];
    const labels = Object.fromEntries([...labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string>): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))?.value;
}

async function scrape() {
  const res = await fetch(`${h.ledger.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

/** A Stripe payment recorded after its hold expired and whose seats went to someone else, then succeeded: an anomaly. */
async function unpayableSuccess() {
  const slotId = await h.createSlot(2);
  const held = await h.hold(slotId, 2);
  expect(held.status).toBe(201);
  const reservationId = held.body.reservationId as string;
  const started = await stripePaymentRecordedAfterHoldEnded(h, reservationId);
  expect((await h.hold(slotId, 2)).status).toBe(201);
  const success = h.stripe.transition(started.body.providerPaymentId, 'succeeded');
  expect((await h.deliverStripe(success)).body.outcome).toBe('anomaly');
  return { slotId, reservationId, started, success };
}

describe('GET /metrics', () => {
  it('shows every series after traffic, by route pattern and status, without tenant or customer data', async () => {
    const { slotId, reservationId, started, success } = await unpayableSuccess();
    expect((await h.deliverStripe(success)).body.outcome).toBe('duplicate');
    expect((await h.deliverStripe(success, { header: 't=1,v1=00' })).status).toBe(400);
    expect((await h.ledger.call('GET', `/v1/reservations/${reservationId}`, { token: h.admin })).status).toBe(200);
    expect((await h.ledger.call('GET', `/no/such/${reservationId}`)).status).toBe(404);

    const { text, samples } = await scrape();

    expect(valueOf(samples, 'ledger_http_requests_total', { method: 'POST', route: '/v1/reservations', status: '201' })).toBe(2);
    // One read here, one by stripePaymentRecordedAfterHoldEnded (the hold's extended expiresAt).
    expect(valueOf(samples, 'ledger_http_requests_total', { method: 'GET', route: '/v1/reservations/:reservationId', status: '200' })).toBe(
      2,
    );
    expect(valueOf(samples, 'ledger_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(
      valueOf(samples, 'ledger_http_request_duration_seconds_count', { method: 'POST', route: '/v1/reservations', status: '201' }),
    ).toBe(2);
    expect(valueOf(samples, 'ledger_http_request_duration_seconds_bucket', { route: '/v1/reservations', le: '+Inf' })).toBe(2);
    for (const pool of ['queries', 'commands']) {
      expect(valueOf(samples, 'ledger_db_pool_connections', { pool, state: 'idle' })).toBeGreaterThanOrEqual(0);
      expect(valueOf(samples, 'ledger_db_pool_connections', { pool, state: 'in_use' })).toBeGreaterThanOrEqual(0);
      expect(valueOf(samples, 'ledger_db_pool_waiting_requests', { pool })).toBe(0);
    }
    expect(valueOf(samples, 'ledger_webhooks_total', { provider: 'stripe', outcome: 'anomaly' })).toBe(1);
    expect(valueOf(samples, 'ledger_webhooks_total', { provider: 'stripe', outcome: 'duplicate' })).toBe(1);
    expect(valueOf(samples, 'ledger_webhooks_total', { provider: 'stripe', outcome: 'invalid_signature' })).toBe(1);
    expect(valueOf(samples, 'ledger_open_anomalies', { provider: 'stripe', kind: 'ReservationNotPayable' })).toBe(1);
    expect(valueOf(samples, 'ledger_consumer_lag_events', { consumer: 'daily-reports' })).toBeGreaterThan(0);
    for (const state of ['due', 'scheduled', 'failed']) {
      expect(valueOf(samples, 'ledger_job_queue_jobs', { state })).toBeGreaterThanOrEqual(0);
    }
    expect(text).toContain('# TYPE ledger_job_failures_total counter');
    expect(valueOf(samples, 'ledger_metrics_database_read_ok', {})).toBe(1);

    // No tenant, customer, reservation, slot or payment in any label or value.
    for (const secret of [DEFAULT_TEST_TENANT, 'ana@example.com', 'Ana', reservationId, slotId, started.body.paymentId as string]) {
      expect(text).not.toContain(secret);
    }
  });

  it('replaces the unauthenticated JSON consumer route, which showed the global event count', async () => {
    expect((await h.ledger.call('GET', '/metrics/consumers')).status).toBe(404);
  });

  it('counts failed job runs by task: a refund the provider refuses with 500', async () => {
    const { started, success } = await unpayableSuccess();
    h.stripe.failNext(1_000);
    const resolved = await h.ledger.call(
      'POST',
      `/v1/backoffice/payments/${started.body.paymentId}/anomalies/${JSON.parse(success).id}/resolve`,
      { token: h.admin, body: { action: 'refund', note: 'seats were gone' } },
    );
    expect(resolved.status).toBe(200);
    const failed = await eventually(
      async () => valueOf((await scrape()).samples, 'ledger_job_failures_total', { task: 'sendRefund' }) ?? 0,
      (count) => count > 0,
      15_000,
    );
    expect(failed).toBeGreaterThanOrEqual(1);
    h.stripe.failNext(0);
  });
});
