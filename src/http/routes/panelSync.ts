import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { notFound } from '../../app/outcome.js';
import { acknowledgePanelConflict, readPanelSyncStatus } from '../../app/panel/syncStatus.js';
import { mayManageSlots } from '../../app/policy.js';
import { principalOf } from '../authenticate.js';
import { bodyProblems, jsonResponse, problemResponses, type RouteTypes, TAGS, v1Problems } from '../contract.js';
import { problem, problemFor, ProblemError, sendProblem } from '../problem.js';
import { text, uuidSchema } from '../schemas.js';
import { staffOnly } from './backoffice.js';

const conflictSchema = z.object({
  id: z.uuid(),
  kind: z.enum(['capacity_conflict', 'oversold', 'departure_cancelled', 'no_capacity']),
  slotId: z.string(),
  reservationId: z.uuid().optional(),
  bookingId: z.string().optional(),
  detail: z.string(),
  openedAt: z.string(),
  acknowledgedAt: z.string().optional(),
});

const syncStatusSchema = z
  .object({
    enabled: z.boolean(),
    lastPullAt: z.string().nullable(),
    lagSeconds: z.number().int().nullable(),
    queued: z.number().int(),
    failed: z.array(
      z.object({
        id: z.string(),
        reservationId: z.string(),
        attempts: z.number().int(),
        lastError: z.string().nullable(),
        lastAttemptAt: z.string().nullable(),
      }),
    ),
    conflicts: z.array(conflictSchema),
  })
  .meta({ id: 'PanelSyncStatus' });

const acknowledgedSchema = z.object({ id: z.uuid(), acknowledgedAt: z.string() }).meta({ id: 'PanelConflictAcknowledged' });

/**
 * The tenant's sync with its activity panel (API.md): `GET /v1/backoffice/sync` (staff) and
 * `POST /v1/backoffice/sync/conflicts/{id}/acknowledge { note }` (admin).
 */
export function panelSyncRoutes(deps: AppDeps, settings: { readonly enabled: boolean }) {
  return (app: FastifyInstance) => {
    const routes = app.withTypeProvider<RouteTypes>();
    routes.get('/backoffice/sync', {
      schema: {
        operationId: 'readPanelSync',
        summary: 'The activity panel sync: pull lag, pushes queued and failed, conflicts (open first) (staff, admin)',
        tags: [TAGS.backoffice],
        response: {
          200: jsonResponse('the sync as it stands', syncStatusSchema),
          ...problemResponses({ ...v1Problems, 403: ['forbidden'] }),
        },
      },
      preValidation: staffOnly,
      handler: async (request) => readPanelSyncStatus(deps, principalOf(request), settings.enabled),
    });
    routes.post('/backoffice/sync/conflicts/:id/acknowledge', {
      schema: {
        operationId: 'acknowledgePanelConflict',
        summary: 'Close a panel conflict with a note saying what was done about it (admin)',
        tags: [TAGS.backoffice],
        params: z.object({ id: z.string().min(1).max(100) }).strict(),
        body: z
          .object({ note: text(1000) })
          .strict()
          .meta({ id: 'PanelConflictAcknowledgement' }),
        response: {
          200: jsonResponse('the conflict is closed', acknowledgedSchema),
          ...problemResponses({ ...v1Problems, ...bodyProblems, 403: ['forbidden'], 404: ['not_found'] }),
        },
      },
      preValidation: async (request) => {
        if (!mayManageSlots(principalOf(request)))
          throw new ProblemError(problem(403, 'forbidden', 'only tenant admins acknowledge conflicts'));
      },
      handler: async (request, reply) => {
        const { id } = request.params;
        if (!uuidSchema.safeParse(id).success) throw new ProblemError(problemFor(notFound(`open conflict ${id}`)));
        const outcome = await acknowledgePanelConflict(deps, principalOf(request), {
          conflictId: id.toLowerCase(),
          note: request.body.note,
        });
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        return outcome.value;
      },
    });
  };
}
