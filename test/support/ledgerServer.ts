import { createTestPersonalData } from './personalData.js';
import type { FastifyInstance } from 'fastify';
import type { AppDeps, BaseDeps } from '../../src/app/context.js';
import { createUserDirectory } from '../../src/app/userDirectory.js';
import { composeLedger, type Ledger, type LedgerSettings, type PanelSettings } from '../../src/composition.js';
import { buildServer, type RouteGroups, type ServerDeps } from '../../src/http/server.js';
import type { Mailer } from '../../src/mail/mailer.js';
import type { PaymentsSettings } from '../../src/payments/providersFromConfig.js';
import { type CheckpointSigner, verifyingKeyOf } from '../../src/audit/checkpointSigning.js';
import { createTestCheckpointSigner } from './checkpointSigner.js';
import type { IdTokenOptions } from '../../src/identity/idToken.js';
import {
  bearer,
  createTestIdentity,
  createTestTokenVerifier,
  mintToken,
  type MintTokenOptions,
  type TestIdentity,
} from '../../src/identity/testing/tokens.js';
import { createTestDatabase, type TestCluster, type TestDatabase } from './database.js';
import { DEFAULT_HOLD_MAX_SEATS_PER_CUSTOMER, DEFAULT_PAYMENT_GRACE_SECONDS } from '../../src/config/config.js';

/** A clock tests can move: holds expire and webhooks age without sleeping. */
export type TestClock = { now(): Date; set(date: Date): void; advance(seconds: number): void };

export function createTestClock(start = new Date()): TestClock {
  let current = start;
  return {
    now: () => current,
    set: (date) => {
      current = date;
    },
    advance: (seconds) => {
      current = new Date(current.getTime() + seconds * 1000);
    },
  };
}

export type TestLedger = {
  readonly db: TestDatabase;
  readonly server: FastifyInstance;
  /** http://127.0.0.1:<port>: a real socket, for concurrency tests. */
  readonly url: string;
  readonly identity: TestIdentity;
  readonly clock: TestClock;
  readonly deps: AppDeps;
  /** The ledger as the composition root wires it (its jobs, reconciliation, providers). */
  readonly composed: Ledger;
  token(options: Partial<IdTokenOptions> & MintTokenOptions): string;
  /** fetch against the server with JSON in and out. */
  call(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<TestResponse>;
  close(): Promise<void>;
};

export type TestResponse = {
  status: number;
  headers: Headers;
  /** The JSON the server sent, unparsed by any schema: tests assert on it with expect. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- every test reads its fields; `unknown` would need a cast per read
  body: any;
};

/**
 * The real server on a real socket over a fresh real database, with a test Cognito pool whose
 * tokens go through the production verifier (aws-jwt-verify) with the pool's JWKS preloaded.
 */
export type TestLedgerOptions = {
  readonly holdTtlSeconds?: number;
  /** PAYMENT_GRACE_SECONDS; the production default unless given. */
  readonly paymentGraceSeconds?: number;
  /** HOLD_MAX_SEATS_PER_CUSTOMER; the production default unless given. */
  readonly holdMaxSeatsPerCustomer?: number;
  readonly poolSize?: number;
  /** Provider keys and API bases (the fake providers'); none by default, so payments answer 503. */
  readonly providers?: PaymentsSettings;
  readonly rateLimits?: ServerDeps['rateLimits'];
  /** Browser origins CORS allows (what FRONTEND_URL and CORS_ORIGINS give the server); none by default. */
  readonly corsOrigins?: readonly string[];
  /** Signs the checkpoints the ledger takes, and verify checks them against its key (a fresh one by default). */
  readonly checkpointSigner?: CheckpointSigner;
  readonly logger?: ServerDeps['logger'];
  /** The process logger main.ts makes (`createLedgerLogger`), instead of `logger`. */
  readonly loggerInstance?: ServerDeps['loggerInstance'];
  /** Other route groups than the composition root's: for tests of the server's own hardening with stand-in routes. */
  readonly routes?: (deps: AppDeps, composed: Ledger) => RouteGroups;
  /** Errors the composed ledger reports (failed reconciliation, jobs); thrown away unless given. */
  readonly onError?: (message: string, error: unknown) => void;
  /** The activity panel to sync with (the loopback panel's adapter, accounts and webhook secret); panel sync is off without it. */
  readonly panel?: PanelSettings;
  /** Where customer e-mails go (a SES mailer on a loopback SES); none by default, so no change calls for an e-mail. */
  readonly mailer?: Mailer;
  /** NODE_ENV as the composition root sees it: `test` by default (outgoing webhooks may go to loopback). */
  readonly nodeEnv?: LedgerSettings['nodeEnv'];
  /** Resolves outgoing webhooks' host names instead of the system's resolver. */
  readonly webhookResolver?: LedgerSettings['webhookResolver'];
  /** EVENTSTORE_CONNECTION_STRING and EVENTSTORE_TENANTS: `composed.startMirror` runs the mirror with them. */
  readonly eventStore?: LedgerSettings['eventStore'];
  /** The cluster the test database is made in; the run's shared one by default. */
  readonly cluster?: TestCluster;
  /**
   * The backoffice web app's dev "sign in as" form, signing with the test pool's key (what `npm start`
   * offers in dev mode); without it the app is served but cannot sign in.
   */
  readonly backofficeDevSignIn?: boolean;
};

/**
 * The real server on a real socket over a fresh real database, with every route the composition
 * root wires and a test Cognito pool whose tokens go through the production verifier
 * (aws-jwt-verify) with the pool's JWKS preloaded.
 */
export async function startTestLedger(options: TestLedgerOptions = {}): Promise<TestLedger> {
  const db = await createTestDatabase({
    maximumPoolSize: options.poolSize ?? 20,
    ...(options.cluster ? { cluster: options.cluster } : {}),
  });
  const identity = createTestIdentity();
  const clock = createTestClock();
  const deps: BaseDeps = {
    pool: db.pool,
    systemPool: db.systemPool,
    commands: db.commands,
    clock: () => clock.now(),
    holdTtlSeconds: options.holdTtlSeconds ?? 900,
    paymentGraceSeconds: options.paymentGraceSeconds ?? DEFAULT_PAYMENT_GRACE_SECONDS,
    personalData: createTestPersonalData(db.pool),
  };
  const signer = options.checkpointSigner ?? createTestCheckpointSigner();
  const onError = options.onError ?? (() => undefined);
  const composed = composeLedger(
    deps,
    {
      stripe: {},
      mercadopago: {},
      ...options.providers,
      trustedCheckpointKey: verifyingKeyOf(signer),
      checkpointSigner: signer,
      holdMaxSeatsPerCustomer: options.holdMaxSeatsPerCustomer ?? DEFAULT_HOLD_MAX_SEATS_PER_CUSTOMER,
      ...(options.panel ? { panel: options.panel } : {}),
      ...(options.mailer ? { mailer: options.mailer } : {}),
      nodeEnv: options.nodeEnv ?? 'test',
      ...(options.webhookResolver ? { webhookResolver: options.webhookResolver } : {}),
      ...(options.eventStore ? { eventStore: options.eventStore } : {}),
      ...(options.backofficeDevSignIn
        ? { backofficeSignIn: { mode: 'dev' as const, signToken: (tokenOptions: IdTokenOptions) => mintToken(identity, tokenOptions) } }
        : {}),
    },
    { info: () => undefined, warn: () => undefined, error: onError },
  );
  const server = await buildServer({
    verifier: createTestTokenVerifier(identity),
    users: createUserDirectory(db.pool, deps.clock),
    routes: options.routes ? options.routes(composed.app, composed) : composed.routes,
    metrics: composed.metrics,
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    ...(options.corsOrigins ? { corsOrigins: options.corsOrigins } : {}),
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : {}),
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  return {
    db,
    server,
    url,
    identity,
    clock,
    deps: composed.app,
    composed,
    token: (tokenOptions) => mintToken(identity, tokenOptions),
    async call(method, path, callOptions = {}) {
      const headers: Record<string, string> = { ...(callOptions.headers ?? {}) };
      if (callOptions.token) headers.authorization = bearer(callOptions.token);
      let body: string | undefined;
      if (callOptions.body !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = typeof callOptions.body === 'string' ? callOptions.body : JSON.stringify(callOptions.body);
      }
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text.length > 0 ? JSON.parse(text) : null;
      } catch {
        // Not JSON: the test sees the raw text.
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    async close() {
      await server.close();
      await db.drop();
    },
  };
}
