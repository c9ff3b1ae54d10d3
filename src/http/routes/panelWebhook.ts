import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppDeps } from '../../app/context.js';
import { applyPanelEvent } from '../../app/panel/applyPanelEvent.js';
import { isStorableJson } from '../../db/storableText.js';
import { panelWire } from '../../panel/httpPanel.js';
import { verifyPanelSignature } from '../../panel/panelSignature.js';
import type { SignatureCheck } from '../../payments/hmac.js';
import { bodyProblems, jsonResponse, problemResponses, type RouteTypes, TAGS } from '../contract.js';
import { problem, problemFor, sendProblem } from '../problem.js';
import { webhookReceiptSchema } from '../responseSchemas.js';

export type PanelWebhookSettings = {
  /** PANEL_WEBHOOK_SECRET; without it every delivery is refused as unsigned (panel sync is off). */
  readonly webhookSecret: string | undefined;
  /** PANEL_ACCOUNTS: events of other accounts are acknowledged and ignored. */
  readonly accounts: readonly string[];
};

const envelope = { id: z.string().min(1), accountId: z.string().min(1), createdAt: z.iso.datetime({ offset: true }) };

/** PANEL.md's webhook body, parsed with the adapter's wire schemas once its signature verified. */
const panelEventSchema = z.discriminatedUnion('type', [
  z.object({ ...envelope, type: z.enum(['departure.updated', 'departure.cancelled']), data: panelWire.departure }),
  z.object({ ...envelope, type: z.enum(['booking.created', 'booking.cancelled']), data: panelWire.booking }),
]);

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * `POST /webhooks/panel` (PANEL.md): outside /v1, signed instead of authenticated. Its own raw-body
 * parser, because the signature is over the exact bytes; the signature is checked FIRST, and a bad
 * one is counted against the client address (429 past its allowance) and answered 400 with nothing
 * stored or even parsed. Each event id is applied once, claimed in the change's own transaction.
 */
export function panelWebhookRoutes(deps: AppDeps, settings: PanelWebhookSettings) {
  return (app: FastifyInstance) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.withTypeProvider<RouteTypes>().post(
      '/webhooks/panel',
      {
        schema: {
          operationId: 'receivePanelEvent',
          summary: "The activity panel's events, signed over the raw body (PANEL.md)",
          tags: [TAGS.webhooks],
          security: [],
          headers: z.looseObject({
            'panel-signature': z.string().optional().meta({
              description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` with PANEL_WEBHOOK_SECRET; 300 s tolerance',
            }),
          }),
          body: z
            .custom<Buffer | undefined>((value) => value === undefined || value === null || Buffer.isBuffer(value))
            .meta({
              type: 'object',
              description: 'a panel event (`{ "id", "type", "accountId", "createdAt", "data" }`), verified on its exact bytes',
            }),
          response: {
            200: jsonResponse('received: applied, unchanged, a repeat (`duplicate`), or `ignored`', webhookReceiptSchema),
            ...problemResponses({
              ...bodyProblems,
              400: 'invalid_signature: the signature is missing, invalid or outside its 300 s tolerance; or invalid_request: a signed body that is not a panel event',
              409: ['illegal_transition'],
              429: ['rate_limited'],
            }),
          },
        },
      },
      async (request, reply) => {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const header = request.headers['panel-signature'];
        const check: SignatureCheck = settings.webhookSecret
          ? verifyPanelSignature(raw, typeof header === 'string' ? header : undefined, settings.webhookSecret, deps.clock())
          : { ok: false, reason: 'PANEL_WEBHOOK_SECRET is not configured' };
        if (!check.ok) return refuseSignature(request, reply, check);
        const parsed = panelEventSchema.safeParse(parseJson(raw));
        if (!parsed.success) return sendProblem(reply, problem(400, 'invalid_request', 'the signed body is not a panel event (PANEL.md)'));
        // What is kept of the event is stored; a field it ignores may hold anything.
        if (!isStorableJson(parsed.data)) {
          return sendProblem(
            reply,
            problem(400, 'invalid_request', 'the signed event holds a NUL character or a lone surrogate, or nests too deep'),
          );
        }
        const outcome = await applyPanelEvent(deps, settings.accounts, parsed.data);
        if (!outcome.ok) return sendProblem(reply, problemFor(outcome.error));
        return reply.code(200).send({ received: true, outcome: outcome.value });
      },
    );
  };
}

async function refuseSignature(request: FastifyRequest, reply: FastifyReply, check: Extract<SignatureCheck, { ok: false }>) {
  request.log.warn({ reason: check.reason }, 'panel webhook signature refused');
  await request.server.countFailedSignature(request, reply);
  return sendProblem(reply, problem(400, 'invalid_signature', 'the webhook signature is missing, invalid or outside its time tolerance'));
}
