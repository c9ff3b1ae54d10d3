import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { BackofficeSignIn } from '../../identity/backofficeSignIn.js';
import { bodyProblems, jsonResponse, problemResponses, type RouteTypes, TAGS } from '../contract.js';
import { problem, ProblemError } from '../problem.js';
import { storableString } from '../schemas.js';

/**
 * Where `npm run build:web` (run by `npm install` and `npm run build`) writes the web app: `web/dist`
 * next to `src/`, and `dist/web/dist` next to the compiled `dist/src/`.
 */
export const BACKOFFICE_ASSETS_DIR = fileURLToPath(new URL('../../../web/dist/', import.meta.url));

export type BackofficeAppOptions = {
  readonly signIn: BackofficeSignIn;
  readonly assetsDir?: string;
  /** Every dev token minted is logged: a dev server hands out admin tokens to whoever asks. */
  readonly log: { warn(message: string): void };
};

/** Dev sign-in's choice of groups; none (a customer) has nothing to see in the backoffice. */
const DEV_SIGN_IN_GROUPS = ['admin', 'staff', 'auditor'] as const;

export const devSignInBody = z
  .object({
    tenantId: storableString().trim().min(1).max(100),
    groups: z.array(z.enum(DEV_SIGN_IN_GROUPS)).min(1).max(3),
    email: z.email().max(254).optional(),
  })
  .strict();

const signInOptionsSchema = z
  .discriminatedUnion('mode', [
    z.object({ mode: z.literal('dev') }).strict(),
    z.object({ mode: z.literal('cognito'), domain: z.string(), clientId: z.string() }).strict(),
    z.object({ mode: z.literal('unavailable'), reason: z.string() }).strict(),
  ])
  .meta({ id: 'BackofficeSignInOptions' });

const htmlResponse = { description: 'the web app', content: { 'text/html': { schema: z.string() } } };

const assetParams = z.object({ file: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,120}$/, { error: 'not an asset name' }) }).strict();

/**
 * The app runs only its own scripts and styles and talks only to this origin (the `/v1` API), and
 * to the hosted UI's token endpoint when Cognito signs in. No inline script or style: an injected
 * customer name cannot run.
 */
export function backofficeContentSecurityPolicy(signIn: BackofficeSignIn): string {
  const connect = signIn.mode === 'cognito' ? `'self' ${signIn.domain}` : "'self'";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src ${connect}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * `GET /backoffice/`: the operators' web app (web/, built by Vite), its assets, and how it signs
 * in. In dev mode only, `POST /backoffice/sign-in/dev-token` signs a token with the local dev key
 * for the "sign in as" form; the route does not exist otherwise.
 */
export async function backofficeAppRoutes(app: FastifyInstance, options: BackofficeAppOptions): Promise<void> {
  const { signIn, log } = options;
  const assetsDir = options.assetsDir ?? BACKOFFICE_ASSETS_DIR;
  const built = existsSync(join(assetsDir, 'index.html'));
  if (!built) log.warn(`backoffice: no web app under ${assetsDir}; run \`npm run build:web\` to build it`);
  await app.register(fastifyStatic, { root: assetsDir, serve: false });
  const csp = backofficeContentSecurityPolicy(signIn);
  // After the global security headers (registered before any route group): this scope's pages replace their CSP.
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('content-security-policy', csp);
  });
  const routes = app.withTypeProvider<RouteTypes>();
  const notBuilt = () => new ProblemError(problem(404, 'not_found', 'the backoffice web app is not built: run `npm run build:web`'));

  routes.get('/backoffice', {
    schema: {
      operationId: 'redirectToBackoffice',
      summary: 'Redirects to /backoffice/',
      tags: [TAGS.backoffice],
      security: [],
      response: { 308: z.null().meta({ description: 'to /backoffice/ (Location), no body' }) },
    },
    handler: async (_request, reply) => reply.redirect('/backoffice/', 308),
  });

  routes.get('/backoffice/', {
    schema: {
      operationId: 'getBackofficeApp',
      summary: "The operators' web app (it signs in and then uses only /v1)",
      tags: [TAGS.backoffice],
      security: [],
      response: { 200: htmlResponse, ...problemResponses({ 404: ['not_found'] }) },
    },
    handler: async (_request, reply) => {
      if (!built) throw notBuilt();
      return reply.type('text/html; charset=utf-8').sendFile('index.html', assetsDir, { cacheControl: false });
    },
  });

  routes.get('/backoffice/assets/:file', {
    schema: {
      operationId: 'getBackofficeAsset',
      summary: "One of the web app's scripts or styles",
      tags: [TAGS.backoffice],
      security: [],
      params: assetParams,
      response: {
        200: { description: 'the file', content: { 'application/javascript': { schema: z.string() }, 'text/css': { schema: z.string() } } },
        ...problemResponses({ 400: ['invalid_request'], 404: ['not_found'] }),
      },
    },
    handler: async (request, reply) => {
      if (!built) throw notBuilt();
      // Names are content-hashed by Vite, so a file never changes under its name.
      return reply.sendFile(request.params.file, join(assetsDir, 'assets'), { cacheControl: false });
    },
  });

  routes.get('/backoffice/sign-in/options', {
    schema: {
      operationId: 'getBackofficeSignInOptions',
      summary: 'How the web app signs in: Cognito hosted UI (with its domain and client id) or the dev form',
      tags: [TAGS.backoffice],
      security: [],
      response: { 200: jsonResponse('the sign-in mode', signInOptionsSchema) },
    },
    handler: async () => {
      if (signIn.mode === 'dev') return { mode: 'dev' as const };
      return signIn;
    },
  });

  if (signIn.mode !== 'dev') return;
  const { signToken } = signIn;
  routes.post('/backoffice/sign-in/dev-token', {
    schema: {
      operationId: 'signInWithDevIdentity',
      summary: 'DEV MODE ONLY: an ID token signed by the local dev key, for the web app\'s "sign in as" form',
      tags: [TAGS.backoffice],
      security: [],
      body: devSignInBody,
      response: {
        200: jsonResponse('a token this server accepts', z.object({ idToken: z.string() }).strict()),
        ...problemResponses({ 400: ['invalid_request'], ...bodyProblems }),
      },
    },
    handler: async (request) => {
      const { tenantId, groups, email } = request.body;
      log.warn(`backoffice DEV sign-in: signed a token for tenant ${tenantId} with groups ${groups.join(',')}`);
      return { idToken: signToken({ tenantId, groups, ...(email === undefined ? {} : { email }) }) };
    },
  });
}
