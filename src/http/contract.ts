import swagger from '@fastify/swagger';
import type { FastifyInstance, FastifyTypeProvider } from 'fastify';
import type { OpenAPIV3_1 } from 'openapi-types';
import { createJsonSchemaTransform, createJsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ProblemCode } from './problem.js';
import { problemSchema } from './responseSchemas.js';

// The HTTP contract as route schemas (ADR 0024): every route declares its params, query, body,
// headers and a response per status in zod; @fastify/swagger and the type provider's transform
// generate the OpenAPI 3.1 document served at GET /docs from them. Nothing here is per request.

/** Named groups of operations, in the order the document lists them. */
export const TAGS = {
  public: 'public',
  slots: 'slots',
  reservations: 'reservations',
  payments: 'payments',
  webhooks: 'webhooks',
  audit: 'audit',
  reports: 'reports',
  backoffice: 'backoffice',
  operations: 'operations',
} as const;

const tagDescriptions: Record<keyof typeof TAGS, string> = {
  public: 'What booking sites and widgets read without a token (cached briefly, rate-limited per address)',
  slots: 'Departures and their seats (admins define them)',
  reservations: 'Holds, reads and cancellations',
  payments: 'Payments started with a provider; only a verified webhook makes a reservation paid',
  webhooks: "Providers' signed notifications (no bearer token)",
  audit: 'Event streams, point-in-time reads and ledger verification (auditors)',
  reports: 'Daily reports from the asynchronous projection (staff, admins)',
  backoffice: 'Lists, export and anomaly resolution (staff, admins)',
  operations: 'Health, consumer lag and this document (no token)',
};

/**
 * The routes' type provider: a request's params, query, body and headers are typed from their zod
 * schemas (what the validator compiler hands the handler). Replies are not typed from the response
 * schemas: the app's view types are wider than the contract (a payment's `provider` is a string),
 * and a stored idempotent answer is opaque; the conformance test holds every answer to its
 * schema instead (ADR 0024).
 */
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- a type provider is an interface: it reads the route's schema through polymorphic `this`
export interface RouteTypes extends FastifyTypeProvider {
  validator: this['schema'] extends z.ZodType ? z.output<this['schema']> : unknown;
  serializer: unknown;
}

type HeaderSchemas = Readonly<Record<string, z.ZodType>>;

/** A response entry of a route schema: its media types with their schemas, and the headers it carries (for the document only). */
type ResponseEntry<T extends z.ZodType> = {
  readonly description: string;
  readonly content: Readonly<Record<string, { readonly schema: T }>>;
  readonly headers?: HeaderSchemas;
};

/** Every answer names its request id (src/http/hardening/requestIdHeader.ts). */
const requestIdHeader = z.string().meta({ format: 'uuid', description: 'the id of this request, as on its log lines' });
const retryAfterHeader = z.string().meta({ description: 'seconds to wait before retrying' });
const idempotentReplayedHeader = z
  .literal('true')
  .meta({ description: 'present when the answer is the stored one of an earlier request with this key' });

export function jsonResponse<T extends z.ZodType>(description: string, schema: T, headers?: HeaderSchemas): ResponseEntry<T> {
  return { description, content: { 'application/json': { schema } }, ...(headers ? { headers } : {}) };
}

/** The answer of a request that a creating route replays: the stored body, with Idempotent-Replayed. */
export function replayableResponse<T extends z.ZodType>(description: string, schema: T): ResponseEntry<T> {
  return jsonResponse(description, schema, { 'Idempotent-Replayed': idempotentReplayedHeader });
}

type ProblemStatus = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 502 | 503;

/** The problem+json responses a route can give, each with the codes it may carry. */
export function problemResponses<D extends Partial<Record<ProblemStatus, readonly ProblemCode[] | string>>>(
  described: D,
): { [S in keyof D]: ResponseEntry<typeof problemSchema> } {
  const responses: Record<string, ResponseEntry<typeof problemSchema>> = {};
  // Partial: a status given as undefined is skipped, so the entries' values may be undefined.
  for (const [status, codes] of Object.entries<readonly ProblemCode[] | string | undefined>(described)) {
    if (codes === undefined) continue;
    const description = typeof codes === 'string' ? codes : codes.join(' or ');
    const headers = status === '429' || status === '503' ? { 'Retry-After': retryAfterHeader } : undefined;
    responses[status] = {
      description,
      content: { 'application/problem+json': { schema: problemSchema } },
      ...(headers ? { headers } : {}),
    };
  }
  return responses as { [S in keyof D]: ResponseEntry<typeof problemSchema> };
}

/**
 * The errors every `/v1` route can give before its own code runs: a refused request (400), no
 * valid token (401), the identity provider unreachable (503), and a URL the router refuses.
 */
export const v1Problems = {
  400: ['invalid_request'],
  401: ['unauthorized'],
  503: 'unavailable: the identity provider (or a provider the route calls) cannot be reached',
} as const;

/** What a route with a JSON body adds: bodies are limited to 64 KiB. */
export const bodyProblems = { 413: ['payload_too_large'] } as const;

/** Creating routes (holds, payments) are rate-limited per caller and keyed for retries. */
export const creatingProblems = {
  409: ['idempotency_key_in_flight'],
  422: ['idempotency_key_reused'],
  429: ['rate_limited'],
} as const;

const documentOptions = {
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'booking-ledger',
      version: '0.1.0',
      description:
        'Event-sourced booking and payments ledger. Errors are application/problem+json; money is integer minor units; times are ISO 8601 UTC. ' +
        'Every response carries X-Request-Id. Generated from the route schemas (ADR 0024).',
    },
    servers: [
      { url: '/', description: 'the server that serves this document' },
      { url: 'http://127.0.0.1:3000', description: '`npm start` with the default HOST and PORT' },
    ],
    tags: Object.entries(tagDescriptions).map(([name, description]) => ({ name, description })),
    components: {
      securitySchemes: {
        cognitoIdToken: {
          type: 'http' as const,
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Cognito ID token (custom:tenant_id, cognito:groups)',
        },
      },
    },
    security: [{ cognitoIdToken: [] }],
  },
};

type JsonSchema = Record<string, unknown>;

const headerJsonSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'output' });
  return rest;
};

const zodTransform = createJsonSchemaTransform({ skipList: [] });
const zodComponents = createJsonSchemaTransformObject({});

type RouteResponses = Record<string, { headers?: HeaderSchemas } | undefined>;

/**
 * The type provider's transform, plus what it leaves out: the response headers a route declares
 * (Idempotent-Replayed, Retry-After) and X-Request-Id on every answer.
 */
const transform: typeof zodTransform = (input) => {
  const result = zodTransform(input);
  const declared = (input.schema as { response?: RouteResponses } | undefined)?.response ?? {};
  const responses = (result.schema as { response?: Record<string, JsonSchema> }).response;
  for (const [status, response] of Object.entries(responses ?? {})) {
    const headers: Record<string, JsonSchema> = { 'X-Request-Id': headerJsonSchema(requestIdHeader) };
    for (const [name, schema] of Object.entries(declared[status]?.headers ?? {})) headers[name] = headerJsonSchema(schema);
    response.headers = headers;
  }
  return result;
};

/** Components no operation refers to (each schema with an id has an input and an output form) are left out. */
function withReferencedComponentsOnly(document: Partial<OpenAPIV3_1.Document>): Partial<OpenAPIV3_1.Document> {
  const schemas = document.components?.schemas ?? {};
  const referenced = new Set<string>();
  const visit = (value: unknown) => {
    for (const match of JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      const name = match[1];
      if (name === undefined || referenced.has(name)) continue;
      referenced.add(name);
      visit(schemas[name]);
    }
  };
  visit(document.paths);
  return {
    ...document,
    components: { ...document.components, schemas: Object.fromEntries(Object.entries(schemas).filter(([name]) => referenced.has(name))) },
  };
}

/**
 * Registers @fastify/swagger on the root instance: it collects every route added after it (its
 * onRoute hook) and builds the document on the first `app.swagger()` call, once.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    ...documentOptions,
    stripBasePath: false,
    transform,
    transformObject: (document) => withReferencedComponentsOnly(zodComponents(document) as Partial<OpenAPIV3_1.Document>),
  });
}
