import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { DatabasePool } from '../../db/pool.js';
import { z } from 'zod';
import { readOccupancy } from '../../../projections/reports/occupancy.js';
import { readRevenue } from '../../../projections/reports/revenue.js';
import { mayReadWholeTenant } from '../../app/policy.js';
import { readAsTenant } from '../../app/readAsTenant.js';
import { principalOf } from '../authenticate.js';
import { jsonResponse, problemResponses, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { problem, ProblemError } from '../problem.js';
import { occupancyReportSchema, revenueReportSchema } from '../responseSchemas.js';
import { isoDay } from '../schemas.js';

const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

/** Inclusive dates (a departure's local day, a payment's UTC day); a bounded range keeps one request from reading a tenant's whole history. */
export const reportRangeQuery = z
  .object({ from: isoDay, to: isoDay })
  .strict()
  .refine(({ from, to }) => from <= to, { error: '`from` must not be after `to`', path: ['from'] })
  .refine(({ from, to }) => (Date.parse(to) - Date.parse(from)) / DAY_MS < MAX_DAYS, {
    error: `at most ${MAX_DAYS} days per request`,
    path: ['to'],
  });

async function staffOnly(request: FastifyRequest) {
  if (!mayReadWholeTenant(principalOf(request))) throw new ProblemError(problem(403, 'forbidden', 'only staff and admins read reports'));
}

const reportProblems = problemResponses({ ...v1Problems, 403: ['forbidden'] });

/**
 * Backoffice reports, read from the asynchronous daily-reports projection: they trail the ledger
 * by the consumer's lag (`ledger_consumer_lag_events` in GET /metrics), never by more than what is committed.
 */
export function reportRoutes(app: FastifyInstance, pool: DatabasePool) {
  const routes = app.withTypeProvider<RouteTypes>();

  routes.get('/reports/occupancy', {
    schema: {
      operationId: 'getOccupancyReport',
      summary: "Seats per slot on the local day it starts in its activity's time zone (staff, admin)",
      tags: [TAGS.reports],
      querystring: reportRangeQuery,
      response: { 200: jsonResponse('the report', occupancyReportSchema), ...reportProblems },
    },
    preValidation: staffOnly,
    handler: async (request) => {
      const principal = principalOf(request);
      const { from, to } = request.query;
      return { from, to, slots: await readAsTenant(pool, principal, (tx) => readOccupancy(tx, principal.tenantId, from, to)) };
    },
  });

  routes.get('/reports/revenue', {
    schema: {
      operationId: 'getRevenueReport',
      summary: 'Succeeded minus refunded per day, provider and currency (staff, admin)',
      tags: [TAGS.reports],
      querystring: reportRangeQuery,
      response: { 200: jsonResponse('the report', revenueReportSchema), ...reportProblems },
    },
    preValidation: staffOnly,
    handler: async (request) => {
      const principal = principalOf(request);
      const { from, to } = request.query;
      return { from, to, revenue: await readAsTenant(pool, principal, (tx) => readRevenue(tx, principal.tenantId, from, to)) };
    },
  });
}
