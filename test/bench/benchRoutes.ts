import type { BaseDeps } from '../../src/app/context.js';
import { verifyingKeyOf } from '../../src/audit/checkpointSigning.js';
import { composeLedger } from '../../src/composition.js';
import type { RouteGroups } from '../../src/http/server.js';
import { createTestCheckpointSigner } from '../support/checkpointSigner.js';

/** Every route of the ledger as the composition root wires it, without payment providers (the booking and backoffice benches). */
/** Above any bench slot's capacity (the API caps capacity at 100,000). */
const BENCH_HOLD_MAX_SEATS_PER_CUSTOMER = 1_000_000;

export function benchRoutes(deps: BaseDeps): RouteGroups {
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const settings = {
    stripe: {},
    mercadopago: {},
    trustedCheckpointKey: verifyingKeyOf(createTestCheckpointSigner()),
    // Each load client is one customer placing thousands of 1-seat holds on one slot; the allowance
    // is still read on every hold (its cost is measured) but set where it cannot refuse one.
    holdMaxSeatsPerCustomer: BENCH_HOLD_MAX_SEATS_PER_CUSTOMER,
  };
  return composeLedger(deps, settings, silent).routes;
}
