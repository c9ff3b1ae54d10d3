import createClient, { type Client } from 'openapi-fetch';
import type { components, paths } from './ledger-api.js';

// A typed client of the ledger's HTTP API over the generated types (clients/ledger-api.d.ts): paths,
// parameters, headers, bodies and answers per status are checked by tsc (`npm test` compiles this
// file), and test/http/openapiClient.e2e.spec.ts runs it against the real server.

export type LedgerClient = Client<paths>;
export type HeldReservation = components['schemas']['HeldReservation'];
export type Reservation = components['schemas']['Reservation'];
export type Problem = components['schemas']['Problem'];

/** Every `/v1` call carries the caller's Cognito ID token. */
export function createLedgerClient(baseUrl: string, idToken: string): LedgerClient {
  return createClient<paths>({ baseUrl, headers: { authorization: `Bearer ${idToken}` } });
}

export class LedgerProblem extends Error {
  override readonly name = 'LedgerProblem';
  constructor(readonly problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
  }
}

/** Holds seats; a retry with the same `idempotencyKey` returns the first answer and never holds twice. */
export async function holdSeats(
  client: LedgerClient,
  hold: components['schemas']['PlaceHoldInput'],
  idempotencyKey: string,
): Promise<{ reservation: HeldReservation; replayed: boolean }> {
  const { data, error, response } = await client.POST('/v1/reservations', {
    params: { header: { 'idempotency-key': idempotencyKey } },
    body: hold,
  });
  if (error) throw new LedgerProblem(error);
  return { reservation: data, replayed: response.headers.get('idempotent-replayed') === 'true' };
}

export async function getReservation(client: LedgerClient, reservationId: string): Promise<Reservation> {
  const { data, error } = await client.GET('/v1/reservations/{reservationId}', { params: { path: { reservationId } } });
  if (error) throw new LedgerProblem(error);
  return data;
}
