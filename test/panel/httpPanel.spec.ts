import { afterEach, describe, expect, it } from 'vitest';
import { createHttpPanel } from '../../src/panel/httpPanel.js';
import { type LedgerBooking, PanelProtocolError, PanelUnavailableError } from '../../src/panel/panel.js';
import { type FakePanel, startFakePanel } from '../support/panel/fakePanel.js';

describe('the activity panel over HTTP (PANEL.md)', () => {
  let panel: FakePanel | undefined;
  afterEach(async () => {
    await panel?.close();
    panel = undefined;
  });

  const departure = (departureId: string, capacity = 4) => ({
    departureId,
    activityId: 'glacier',
    startsAt: '2027-01-01T12:00:00.000Z',
    capacity,
    price: { amount: 4500, currency: 'BRL' },
    status: 'open' as const,
  });
  const pushed = (reservationId: string, seats: number, version = 1): LedgerBooking => ({
    reservationId,
    departureId: 'd1',
    seats,
    status: 'held',
    customer: { name: 'Ana', email: 'ana@example.com' },
    total: { amount: 4500 * seats, currency: 'BRL' },
    version,
  });

  it('reads every page of a list, resuming from an updatedAt', async () => {
    panel = await startFakePanel({ pageSize: 2 });
    for (let i = 0; i < 5; i++) panel.saveDeparture('acme', departure(`d${i}`));
    const adapter = createHttpPanel({ baseUrl: panel.url, apiKey: panel.apiKey });
    const ids: string[] = [];
    let cursor: string | undefined;
    for (;;) {
      const page = await adapter.departures('acme', cursor === undefined ? {} : { cursor });
      ids.push(...page.items.map((item) => item.departureId));
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }
    expect(ids).toEqual(['d0', 'd1', 'd2', 'd3', 'd4']);
    const since = panel.departure('acme', 'd4')!.updatedAt;
    expect((await adapter.departures('acme', { updatedSince: since })).items.map((item) => item.departureId)).toEqual(['d4']);
  });

  it('pushes a booking, and reads 409 no_capacity as an outcome rather than a failure', async () => {
    panel = await startFakePanel();
    panel.saveDeparture('acme', departure('d1', 4));
    const adapter = createHttpPanel({ baseUrl: panel.url, apiKey: panel.apiKey });
    expect(await adapter.putBooking('acme', pushed('r1', 3))).toMatchObject({
      kind: 'stored',
      booking: { bookingId: 'ledger-r1', seats: 3 },
    });
    expect(await adapter.putBooking('acme', pushed('r2', 2))).toEqual({ kind: 'noCapacity' });
    expect(panel.ledgerBookings('acme')[0]).toMatchObject({ externalRef: 'r1', customer: { email: 'ana@example.com' }, version: 1 });
  });

  it('refuses, as outside the protocol, a list holding text PostgreSQL cannot store', async () => {
    panel = await startFakePanel();
    panel.saveDeparture('acme', { ...departure('d1'), activityId: 'glacier-\ud800' });
    const adapter = createHttpPanel({ baseUrl: panel.url, apiKey: panel.apiKey });
    const refused = await adapter.departures('acme', {}).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PanelProtocolError);
    expect((refused as PanelProtocolError).message).toContain('lone surrogate');
  });

  it('says when the panel is busy (with its Retry-After), down, or answering outside the protocol', async () => {
    panel = await startFakePanel();
    const adapter = createHttpPanel({ baseUrl: panel.url, apiKey: panel.apiKey });
    panel.answerBusy(1, { retryAfterSeconds: 7 });
    const busy = await adapter.activities('acme', {}).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(PanelUnavailableError);
    expect((busy as PanelUnavailableError).retryAfterSeconds).toBe(7);
    panel.answerBusy(1, { status: 503 });
    await expect(adapter.activities('acme', {})).rejects.toBeInstanceOf(PanelUnavailableError);
    await expect(createHttpPanel({ baseUrl: panel.url, apiKey: 'wrong' }).activities('acme', {})).rejects.toBeInstanceOf(
      PanelProtocolError,
    );
    panel.slowDown(300);
    await expect(
      createHttpPanel({ baseUrl: panel.url, apiKey: panel.apiKey, timeoutMs: 50 }).activities('acme', {}),
    ).rejects.toBeInstanceOf(PanelUnavailableError);
    panel.slowDown(0);
    await panel.goDown();
    await expect(adapter.activities('acme', {})).rejects.toBeInstanceOf(PanelUnavailableError);
  });
});
