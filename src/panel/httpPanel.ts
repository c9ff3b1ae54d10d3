import { z } from 'zod';
import { isStorableJson } from '../db/storableText.js';
import { retryAfterMs } from '../payments/boundedCall.js';
import {
  type ActivityPanel,
  type LedgerBooking,
  type PageRequest,
  type PanelPage,
  PANEL_REQUEST_TIMEOUT_MS,
  PanelProtocolError,
  PanelUnavailableError,
  type PushOutcome,
} from './panel.js';

export type HttpPanelSettings = {
  /** PANEL_API_BASE, e.g. `http://127.0.0.1:4010`. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** One request's bound, at most (and by default) PANEL_REQUEST_TIMEOUT_MS: the sync is off the request path, so a slow panel only delays it. */
  readonly timeoutMs?: number;
};

const money = z.object({ amount: z.number().int().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/) });
const isoTime = z.iso.datetime({ offset: true });

const activity = z.object({ activityId: z.string().min(1), name: z.string(), timeZone: z.string().min(1), updatedAt: isoTime });
const departure = z.object({
  departureId: z.string().min(1),
  activityId: z.string().min(1),
  startsAt: isoTime,
  capacity: z.number().int().nonnegative(),
  price: money,
  status: z.enum(['open', 'closed', 'cancelled']),
  updatedAt: isoTime,
});
const booking = z.object({
  bookingId: z.string().min(1),
  departureId: z.string().min(1),
  seats: z.number().int().positive(),
  status: z.enum(['held', 'confirmed', 'cancelled']),
  source: z.enum(['panel', 'ledger']),
  externalRef: z.string().optional(),
  updatedAt: isoTime,
});
const pageOf = <Item extends z.ZodType>(item: Item) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** PANEL.md's wire schemas: what the panel sends is parsed, never cast. The webhook route reads events with these too. */
export const panelWire = { activity, departure, booking, money } as const;

/**
 * The activity panel over HTTP, as PANEL.md says: Bearer `PANEL_API_KEY`, JSON, paged lists.
 * Failures are typed for the sync: no answer, a refused connection, `429` or `5xx` →
 * `PanelUnavailableError` (with the panel's `Retry-After`); any other unexpected answer →
 * `PanelProtocolError`.
 */
export function createHttpPanel(settings: HttpPanelSettings): ActivityPanel {
  const base = settings.baseUrl.replace(/\/+$/, '');
  const timeoutMs = Math.min(settings.timeoutMs ?? PANEL_REQUEST_TIMEOUT_MS, PANEL_REQUEST_TIMEOUT_MS);

  async function send(method: 'GET' | 'PUT', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${settings.apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new PanelUnavailableError(`the panel did not answer ${method} ${path}`, undefined, { cause: error });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new PanelUnavailableError(`the panel's answer to ${method} ${path} broke off`, undefined, { cause: error });
    }
    if (response.status === 429 || response.status >= 500) {
      const after = retryAfterMs(response.headers.get('retry-after') ?? undefined);
      throw new PanelUnavailableError(
        `the panel answered ${response.status} to ${method} ${path}`,
        after === undefined ? undefined : Math.ceil(after / 1000),
      );
    }
    let json: unknown = null;
    if (text !== '') {
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new PanelProtocolError(`the panel's answer to ${method} ${path} is not JSON (${response.status})`, { cause: error });
      }
    }
    return { status: response.status, json };
  }

  function parse<T>(schema: z.ZodType<T>, json: unknown, what: string): T {
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new PanelProtocolError(`the panel's ${what} does not follow PANEL.md: ${z.prettifyError(parsed.error)}`);
    // What is kept of the panel's answer is stored (slot names, events): text PostgreSQL cannot hold is the panel's error, not a 500 of ours.
    if (!isStorableJson(parsed.data)) {
      throw new PanelProtocolError(`the panel's ${what} holds a NUL character or a lone surrogate, or nests too deep`);
    }
    return parsed.data;
  }

  async function list<T>(accountId: string, kind: 'activities' | 'departures' | 'bookings', item: z.ZodType<T>, page: PageRequest) {
    const query = new URLSearchParams();
    if (page.updatedSince !== undefined) query.set('updatedSince', page.updatedSince);
    if (page.cursor !== undefined) query.set('cursor', page.cursor);
    const search = query.size === 0 ? '' : `?${query.toString()}`;
    const path = `/v1/accounts/${encodeURIComponent(accountId)}/${kind}${search}`;
    const { status, json } = await send('GET', path);
    if (status !== 200) throw new PanelProtocolError(`the panel answered ${status} to GET ${path}`);
    return parse(pageOf(item), json, `${kind} page`) as PanelPage<T>;
  }

  return {
    activities: (accountId, page) => list(accountId, 'activities', activity, page),
    departures: (accountId, page) => list(accountId, 'departures', departure, page),
    bookings: (accountId, page) => list(accountId, 'bookings', booking, page),
    async putBooking(accountId: string, pushed: LedgerBooking): Promise<PushOutcome> {
      const path = `/v1/accounts/${encodeURIComponent(accountId)}/bookings/ledger-${encodeURIComponent(pushed.reservationId)}`;
      const { status, json } = await send('PUT', path, {
        departureId: pushed.departureId,
        seats: pushed.seats,
        status: pushed.status,
        customer: pushed.customer,
        total: pushed.total,
        externalRef: pushed.reservationId,
        version: pushed.version,
      });
      if (status === 200 || status === 201) return { kind: 'stored', booking: parse(booking, json, 'stored booking') };
      if (status === 409 && parse(z.object({ error: z.string() }), json, 'refusal').error === 'no_capacity') return { kind: 'noCapacity' };
      throw new PanelProtocolError(`the panel answered ${status} to PUT ${path}`);
    },
  };
}
