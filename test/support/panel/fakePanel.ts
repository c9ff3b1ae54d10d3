import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Money } from '../../../src/domain/money.js';
import { answerHolding } from '../answerGate.js';

/**
 * The operator's activity panel as PANEL.md describes it, on 127.0.0.1: paged lists ordered by
 * `updatedAt`, `PUT …/bookings/ledger-{reservationId}` idempotent by path and `version` with
 * `409 no_capacity`, signed webhooks, and the faults a real panel has (down, slow, busy with
 * `429` + `Retry-After`). Tests change its catalogue and take desk bookings through its methods,
 * as the operator's staff would at the panel.
 */
export const PANEL_TEST_API_KEY = 'panel-test-key';
export const PANEL_TEST_WEBHOOK_SECRET = 'panel-test-webhook-secret';

export type FakeActivity = { activityId: string; name: string; timeZone: string; updatedAt: string };
export type FakeDeparture = {
  departureId: string;
  activityId: string;
  startsAt: string;
  capacity: number;
  price: Money;
  status: 'open' | 'closed' | 'cancelled';
  updatedAt: string;
};
export type FakeBooking = {
  bookingId: string;
  departureId: string;
  seats: number;
  status: 'held' | 'confirmed' | 'cancelled';
  source: 'panel' | 'ledger';
  externalRef?: string;
  updatedAt: string;
  /** What the ledger pushed last (ledger bookings only). */
  version?: number;
  customer?: { name: string; email: string };
  total?: Money;
};
export type PanelWebhook = {
  id: string;
  type: 'departure.updated' | 'departure.cancelled' | 'booking.created' | 'booking.cancelled';
  accountId: string;
  createdAt: string;
  data: FakeDeparture | FakeBooking;
};
export type RecordedPanelRequest = { method: string; path: string; query: string; body: unknown; status: number };

type Account = {
  activities: Map<string, FakeActivity>;
  departures: Map<string, FakeDeparture>;
  bookings: Map<string, FakeBooking>;
};

export type FakePanelOptions = { pageSize?: number; apiKey?: string; webhookSecret?: string };

export type FakePanel = Awaited<ReturnType<typeof startFakePanel>>;

/** Seats a departure's bookings take at the panel: every booking not cancelled, whoever made it. */
function seatsTaken(account: Account, departureId: string, except?: string): number {
  let taken = 0;
  for (const booking of account.bookings.values())
    if (booking.departureId === departureId && booking.status !== 'cancelled' && booking.bookingId !== except) taken += booking.seats;
  return taken;
}

export async function startFakePanel(options: FakePanelOptions = {}) {
  const pageSize = options.pageSize ?? 100;
  const apiKey = options.apiKey ?? PANEL_TEST_API_KEY;
  const webhookSecret = options.webhookSecret ?? PANEL_TEST_WEBHOOK_SECRET;
  const accounts = new Map<string, Account>();
  const requests: RecordedPanelRequest[] = [];
  const webhooks: PanelWebhook[] = [];
  // updatedAt strictly increases with every change, one millisecond at a time, as a panel's own clock would.
  let clockMs = Date.parse('2026-01-01T00:00:00.000Z');
  const tick = () => new Date((clockMs += 1)).toISOString();
  let eventSeq = 0;
  let busy: { times: number; status: number; retryAfterSeconds?: number } | null = null;
  let delayMs = 0;
  const answers = answerHolding();

  const account = (accountId: string): Account => {
    let found = accounts.get(accountId);
    if (!found) {
      found = { activities: new Map(), departures: new Map(), bookings: new Map() };
      accounts.set(accountId, found);
    }
    return found;
  };

  const recordWebhook = (type: PanelWebhook['type'], accountId: string, data: FakeDeparture | FakeBooking): PanelWebhook => {
    eventSeq += 1;
    const event: PanelWebhook = { id: `pev_${eventSeq}`, type, accountId, createdAt: new Date(clockMs).toISOString(), data: { ...data } };
    webhooks.push(event);
    return event;
  };

  function page<Item extends { updatedAt: string }>(items: Iterable<Item>, query: URLSearchParams) {
    const since = query.get('updatedSince');
    const sorted = [...items]
      .filter((item) => since === null || item.updatedAt >= since)
      .sort((a, b) => a.updatedAt.localeCompare(b.updatedAt));
    const cursor = query.get('cursor');
    const start = cursor === null ? 0 : Number(Buffer.from(cursor, 'base64url').toString('utf8'));
    const slice = sorted.slice(start, start + pageSize);
    const next = start + pageSize < sorted.length ? Buffer.from(String(start + pageSize), 'utf8').toString('base64url') : null;
    return { items: slice.map(publicView), nextCursor: next };
  }

  /** What the panel's API shows of an item: the booking's customer and pushed version stay inside the panel. */
  function publicView<Item>(item: Item): Item {
    if (typeof item === 'object' && item !== null && 'bookingId' in item) {
      const { version: _version, customer: _customer, total: _total, ...shown } = item as unknown as FakeBooking;
      return shown as Item;
    }
    return item;
  }

  function putLedgerBooking(accountId: string, reservationId: string, body: unknown): { status: number; body: unknown } {
    const input = body as {
      departureId?: unknown;
      seats?: unknown;
      status?: unknown;
      customer?: { name?: unknown; email?: unknown };
      total?: Money;
      externalRef?: unknown;
      version?: unknown;
    };
    const valid =
      typeof input.departureId === 'string' &&
      typeof input.seats === 'number' &&
      Number.isInteger(input.seats) &&
      input.seats > 0 &&
      (input.status === 'held' || input.status === 'confirmed' || input.status === 'cancelled') &&
      typeof input.customer?.name === 'string' &&
      typeof input.customer.email === 'string' &&
      typeof input.total?.amount === 'number' &&
      input.externalRef === reservationId &&
      typeof input.version === 'number';
    if (!valid) return { status: 400, body: { error: 'invalid_request' } };
    const store = account(accountId);
    const bookingId = `ledger-${reservationId}`;
    const stored = store.bookings.get(bookingId);
    if (stored && (stored.version ?? 0) >= (input.version as number)) return { status: 200, body: publicView(stored) };
    const departure = store.departures.get(input.departureId as string);
    if (!departure) return { status: 404, body: { error: 'unknown_departure' } };
    const seats = input.seats as number;
    const takesSeats = input.status !== 'cancelled';
    if (takesSeats && seatsTaken(store, departure.departureId, bookingId) + seats > departure.capacity)
      return { status: 409, body: { error: 'no_capacity' } };
    const booking: FakeBooking = {
      bookingId,
      departureId: departure.departureId,
      seats,
      status: input.status as FakeBooking['status'],
      source: 'ledger',
      externalRef: reservationId,
      updatedAt: tick(),
      version: input.version as number,
      customer: { name: input.customer!.name as string, email: input.customer!.email as string },
      total: input.total!,
    };
    store.bookings.set(bookingId, booking);
    return { status: stored ? 200 : 201, body: publicView(booking) };
  }

  const LIST = /^\/v1\/accounts\/([^/]+)\/(activities|departures|bookings)$/;
  const PUT_BOOKING = /^\/v1\/accounts\/([^/]+)\/bookings\/ledger-([^/]+)$/;

  function answer(
    method: string,
    url: URL,
    rawBody: string,
    authorization: string | undefined,
  ): { status: number; body: unknown; headers?: Record<string, string> } {
    if (authorization !== `Bearer ${apiKey}`) return { status: 401, body: { error: 'unauthorized' } };
    if (busy && busy.times > 0) {
      busy.times -= 1;
      const headers: Record<string, string> = busy.retryAfterSeconds === undefined ? {} : { 'retry-after': String(busy.retryAfterSeconds) };
      return { status: busy.status, body: { error: 'busy' }, headers };
    }
    const list = LIST.exec(url.pathname);
    if (method === 'GET' && list) {
      const store = account(decodeURIComponent(list[1]!));
      const kind = list[2] as 'activities' | 'departures' | 'bookings';
      const items =
        kind === 'activities' ? store.activities.values() : kind === 'departures' ? store.departures.values() : store.bookings.values();
      return { status: 200, body: page<{ updatedAt: string }>(items, url.searchParams) };
    }
    const put = PUT_BOOKING.exec(url.pathname);
    if (method === 'PUT' && put) {
      let body: unknown;
      try {
        body = JSON.parse(rawBody);
      } catch {
        return { status: 400, body: { error: 'invalid_json' } };
      }
      return putLedgerBooking(decodeURIComponent(put[1]!), decodeURIComponent(put[2]!), body);
    }
    return { status: 404, body: { error: 'not_found' } };
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const respond = () => {
        const result = answer(req.method ?? 'GET', url, rawBody, req.headers.authorization);
        let body: unknown = null;
        try {
          body = rawBody === '' ? null : JSON.parse(rawBody);
        } catch {
          body = rawBody;
        }
        requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search, body, status: result.status });
        res.writeHead(result.status, { 'content-type': 'application/json', ...result.headers });
        res.end(JSON.stringify(result.body));
      };
      if (answers.held(respond)) return;
      if (delayMs > 0) setTimeout(respond, delayMs);
      else respond();
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  let up = true;

  const stopListening = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    webhookSecret,
    /** Every request the panel answered, in order. */
    requests,
    /** Every change the panel made, as the webhook it would send (whether or not a test delivers it). */
    webhooks,

    defineActivity(accountId: string, activity: Omit<FakeActivity, 'updatedAt'>): FakeActivity {
      const stored = { ...activity, updatedAt: tick() };
      account(accountId).activities.set(activity.activityId, stored);
      return stored;
    },

    /** Creates or changes a departure (capacity, price, status) and returns the webhook the panel would send. */
    saveDeparture(accountId: string, departure: Omit<FakeDeparture, 'updatedAt'>): PanelWebhook {
      const stored = { ...departure, updatedAt: tick() };
      account(accountId).departures.set(departure.departureId, stored);
      return recordWebhook(departure.status === 'cancelled' ? 'departure.cancelled' : 'departure.updated', accountId, stored);
    },

    departure(accountId: string, departureId: string): FakeDeparture | undefined {
      return account(accountId).departures.get(departureId);
    },

    /**
     * A booking taken at the panel's desk. The panel checks its own count of seats (its bookings and
     * what the ledger pushed so far); `overbook` lets it sell past that, as a panel that has not yet
     * heard of the ledger's last sales would.
     */
    bookAtDesk(
      accountId: string,
      input: { bookingId: string; departureId: string; seats: number; overbook?: boolean },
    ): PanelWebhook | { refused: 'no_capacity' } {
      const store = account(accountId);
      const departure = store.departures.get(input.departureId);
      if (!departure) throw new Error(`fake panel: no departure ${input.departureId}`);
      if (!input.overbook && seatsTaken(store, departure.departureId) + input.seats > departure.capacity) return { refused: 'no_capacity' };
      const booking: FakeBooking = {
        bookingId: input.bookingId,
        departureId: input.departureId,
        seats: input.seats,
        status: 'confirmed',
        source: 'panel',
        updatedAt: tick(),
      };
      store.bookings.set(booking.bookingId, booking);
      return recordWebhook('booking.created', accountId, booking);
    },

    cancelDeskBooking(accountId: string, bookingId: string): PanelWebhook {
      const store = account(accountId);
      const booking = store.bookings.get(bookingId);
      if (booking?.source !== 'panel') throw new Error(`fake panel: no desk booking ${bookingId}`);
      const cancelled = { ...booking, status: 'cancelled' as const, updatedAt: tick() };
      store.bookings.set(bookingId, cancelled);
      return recordWebhook('booking.cancelled', accountId, cancelled);
    },

    /** The bookings the ledger pushed (`source: ledger`), with the customer and version the panel keeps. */
    ledgerBookings(accountId: string): FakeBooking[] {
      return [...account(accountId).bookings.values()].filter((booking) => booking.source === 'ledger');
    },

    bookings(accountId: string): FakeBooking[] {
      return [...account(accountId).bookings.values()];
    },

    /** Seats the panel counts as taken on a departure (every booking not cancelled). */
    seatsTaken(accountId: string, departureId: string): number {
      return seatsTaken(account(accountId), departureId);
    },

    /** The webhook's body and headers, signed as PANEL.md says (`t` defaults to now). */
    signedWebhook(event: PanelWebhook, at: Date = new Date(), secret: string = webhookSecret) {
      const body = JSON.stringify(event);
      const t = Math.floor(at.getTime() / 1000);
      const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
      return { body, headers: { 'content-type': 'application/json', 'panel-signature': `t=${t},v1=${v1}` } };
    },

    /** Sends one webhook to the ledger, as the panel does, and returns the ledger's answer. */
    async deliver(ledgerUrl: string, event: PanelWebhook, at?: Date): Promise<{ status: number; body: unknown }> {
      const signed = this.signedWebhook(event, at);
      const response = await fetch(`${ledgerUrl}/webhooks/panel`, { method: 'POST', headers: signed.headers, body: signed.body });
      const text = await response.text();
      return { status: response.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
    },

    /** The next `times` requests get `status` (429 by default, with `Retry-After` when given) instead of an answer. */
    answerBusy(times: number, options: { status?: number; retryAfterSeconds?: number } = {}) {
      busy = {
        times,
        status: options.status ?? 429,
        ...(options.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: options.retryAfterSeconds }),
      };
    },

    /** Every answer waits this long first (a slow panel); 0 to stop. */
    slowDown(ms: number) {
      delayMs = ms;
    },

    /** Every request from now on waits for its answer until `release`; `arrived` resolves once the first one waits. */
    holdAnswers: answers.holdAnswers,

    /** The panel stops listening: connections to it are refused until `comeBack`. */
    async goDown() {
      if (!up) return;
      up = false;
      await stopListening();
    },

    /** Listening again on the same port. */
    async comeBack() {
      if (up) return;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      up = true;
    },

    async close() {
      if (up) await stopListening();
      up = false;
    },
  };
}
