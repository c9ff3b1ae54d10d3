import type { AppDeps } from '../../src/app/context.js';
import { verifyingKeyOf } from '../../src/audit/checkpointSigning.js';
import { composeLedger } from '../../src/composition.js';
import type { RouteGroups } from '../../src/http/server.js';
import { createTestCheckpointSigner } from '../support/checkpointSigner.js';

/** Every route of the ledger as the composition root wires it, without payment providers (the booking and backoffice benches). */
export function benchRoutes(deps: AppDeps): RouteGroups {
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined };
  return composeLedger(deps, { stripe: {}, mercadopago: {}, trustedCheckpointKey: verifyingKeyOf(createTestCheckpointSigner()) }, silent)
    .routes;
}
