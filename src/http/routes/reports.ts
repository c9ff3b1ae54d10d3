import type { FastifyInstance } from 'fastify';
import type { DatabasePool } from '../../db/pool.js';
import { z } from 'zod';
import { readOccupancy } from '../../../projections/reports/occupancy.js';
import { readRevenue } from '../../../projections/reports/revenue.js';
import { mayReadWholeTenant } from '../../app/policy.js';
import { readAsTenant } from '../../app/readAsTenant.js';
import type { Principal } from '../../identity/principal.js';
import { principalOf } from '../authenticate.js';
import { problem, ProblemError } from '../problem.js';
import { parseOr400 } from '../validation.js';

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

/** Inclusive UTC dates; a bounded range keeps one request from reading a tenant's whole history. */
export const reportRangeQuery = z
  .object({ from: z.iso.date(), to: z.iso.date() })
  .strict()
  .refine(({ from, to }) => from <= to, { message: '`from` must not be after `to`', path: ['from'] })
  .refine(({ from, to }) => (Date.parse(to) - Date.parse(from)) / DAY_MS < MAX_DAYS, {
    message: `at most ${MAX_DAYS} days per request`,
    path: ['to'],
  });

function staff(principal: Principal): Principal {
  if (!mayReadWholeTenant(principal)) throw new ProblemError(problem(403, 'forbidden', 'only staff and admins read reports'));
  return principal;
}

/**
 * Backoffice reports, read from the asynchronous daily-reports projection: they trail the ledger
 * by the consumer's lag (see GET /metrics/consumers), never by more than what is committed.
 */
export function reportRoutes(app: FastifyInstance, pool: DatabasePool) {
  app.get('/reports/occupancy', async (request) => {
    const principal = staff(principalOf(request));
    const { from, to } = parseOr400(reportRangeQuery, request.query, 'query');
    return { from, to, slots: await readAsTenant(pool, principal, (tx) => readOccupancy(tx, principal.tenantId, from, to)) };
  });

  app.get('/reports/revenue', async (request) => {
    const principal = staff(principalOf(request));
    const { from, to } = parseOr400(reportRangeQuery, request.query, 'query');
    return { from, to, revenue: await readAsTenant(pool, principal, (tx) => readRevenue(tx, principal.tenantId, from, to)) };
  });
}
