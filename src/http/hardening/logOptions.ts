import type { FastifyRequest, FastifyServerOptions } from 'fastify';
import { isPersonalName, isSensitiveName, maskLoggedText, maskUrl, PERSONAL_DATA, REDACTED, scrubSecrets } from './secretMasking.js';

export type LedgerLoggerOptions = Exclude<FastifyServerOptions['logger'], boolean | undefined>;
type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
type LogDestination = NonNullable<LedgerLoggerOptions['stream']>;

/** Headers that carry credentials: the caller's ID token, provider signatures, cookies, API keys. */
const secretHeaders = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'stripe-signature', 'x-signature', 'x-api-key'];

/** Where headers turn up in logged objects: a request, a reply, an SDK's error with its HTTP exchange. */
const headerHolders = [
  'req.headers',
  'request.headers',
  'res.headers',
  'headers',
  'err.headers',
  'err.raw.headers',
  'err.config.headers',
  'err.response.headers',
];

/** Body and error fields that hold card data or credentials (exact paths; `scrubSecrets` catches the rest at any depth). */
const secretFields = [
  'card',
  'cardNumber',
  'card_number',
  'cvc',
  'cvv',
  'secret',
  'client_secret',
  'clientSecret',
  'token',
  'access_token',
  'accessToken',
  'id_token',
  'idToken',
  'refresh_token',
  'password',
  'authorization',
];

export const logRedactPaths: readonly string[] = [
  ...headerHolders.flatMap((holder) => secretHeaders.map((header) => `${holder}["${header}"]`)),
  ...['', '*.', '*.*.', '*.*.*.'].flatMap((prefix) => secretFields.map((field) => `${prefix}${field}`)),
];

/** The request as logged: no headers at all, and the URL without secret query values. */
function serializeRequest(request: FastifyRequest) {
  return {
    method: request.method,
    url: maskUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    // Typed as always there, but a log line must not throw for a request whose socket is already gone.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- defensive: see above
    remotePort: request.socket?.remotePort,
  };
}

type SerializedError = { type: string; message: string; stack: string; [key: string]: unknown };

/** Like pino's error serializer, but messages, stacks and extra properties pass through the secret masks. */
function serializeError(error: unknown, depth = 0): SerializedError {
  if (!(error instanceof Error)) return { type: typeof error, message: maskLoggedText(String(error)), stack: '' };
  const serialized: SerializedError = {
    type: error.constructor.name,
    message: maskLoggedText(error.message),
    stack: maskLoggedText(error.stack ?? ''),
  };
  for (const [key, value] of Object.entries(error)) {
    if (key === 'message' || key === 'stack' || key === 'cause') continue;
    serialized[key] = isSensitiveName(key) ? REDACTED : isPersonalName(key) ? PERSONAL_DATA : scrubSecrets(value);
  }
  if (error.cause !== undefined && depth < 3) serialized.cause = serializeError(error.cause, depth + 1);
  return serialized;
}

/**
 * The one logger configuration of the HTTP server (used by `main.ts`, and by tests with a stream):
 * structured JSON with the request id on every request line, and never a token, signature,
 * card number or secret. Three layers: request lines carry no headers; `redact` paths censor
 * well-known places after serialization; `scrubSecrets` censors credential-named fields at any
 * depth and secret-shaped text (JWTs, provider keys) in whatever else is logged.
 */
export function ledgerLoggerOptions(options: { level: LogLevel; stream?: LogDestination }): LedgerLoggerOptions {
  return {
    level: options.level,
    ...(options.stream === undefined ? {} : { stream: options.stream }),
    redact: { paths: [...logRedactPaths], censor: REDACTED },
    serializers: {
      req: serializeRequest,
      err: (error) => serializeError(error),
    },
    formatters: {
      log: (object: Record<string, unknown>) => scrubSecrets(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        // Free-text arguments (the message and its format parameters) are masked too.
        const masked = args.map((arg: unknown) => (typeof arg === 'string' ? maskLoggedText(arg) : arg));
        method.apply(this, masked as Parameters<typeof method>);
      },
    },
  };
}
