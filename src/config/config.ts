import { z } from 'zod';
import { ConfigError } from './errors.js';
import { missingInProduction } from './productionRequirements.js';
import { fetchSecretString, secretsRequestFromEnv, type FetchSecretString } from './secretsManager.js';
import { parseSecretValues } from './secretValues.js';
import { configVariables, envKeyForPath, readEnvValues, type EnvValues } from './variables.js';

/** Same shape aws-jwt-verify accepts (`<region>_<id>`); checked here so a typo fails at startup. */
const cognitoUserPoolIdPattern = /^(?:eusc-[a-z]{2}|[a-z]{2})-(?:gov-)?[a-z]+-\d_[a-zA-Z0-9]+$/;

// Messages never echo the input: several of these values are secrets.
/** What SES takes as a sender: `bookings@acme.example`, or with a display name, `Acme Tours <bookings@acme.example>`. */
const SENDER_ADDRESS = /^(?:[^<>@\r\n]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/;

const requiredText = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .min(1, { error: 'must not be empty' });

const wholeNumber = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)], {
  error: 'must be a whole number',
});

const postgresUrl = z.url({ protocol: /^postgres(?:ql)?$/, error: 'must be a postgres:// or postgresql:// URL' });
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

/** `scheme://host[:port]` and nothing else, as a browser sends it in `Origin`. */
const isOrigin = (value: string): boolean => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value;
  } catch {
    return false;
  }
};

const splitOrigins = (value: string): string[] => value.split(',').map((origin) => origin.trim());

const originList = z
  .string()
  .refine((value) => splitOrigins(value).every(isOrigin), {
    error: 'must be comma-separated origins such as https://shop.example.com (no path, no trailing slash)',
  })
  .transform(splitOrigins);

/** Hosts where a plain-http hosted UI is accepted: a local double of Cognito (tests, offline dev), never a network. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/**
 * The hosted UI's domain, `auth.example.com` or `https://auth.example.com` (`http://` only on a
 * loopback host): kept as its origin, which the backoffice's CSP allows to be called (the token
 * exchange) and nothing else of.
 */
const cognitoDomain = z
  .string()
  .transform((value) => (/^https?:\/\//.test(value) ? value : `https://${value}`))
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.includes(url.hostname));
        return secure && url.origin === value.replace(/\/$/, '');
      } catch {
        return false;
      }
    },
    { error: 'must be a host name such as auth.example.com (or its https:// origin)' },
  )
  .transform((value) => new URL(value).origin);

const accountList = z
  .string()
  .transform((value) => value.split(',').map((account) => account.trim()))
  .refine((accounts) => accounts.every((account) => account !== ''), { error: 'must be comma-separated panel account ids' });

/** How often the panel's lists are pulled, unless PANEL_SYNC_SECONDS says otherwise. */
export const DEFAULT_PANEL_SYNC_SECONDS = 60;

/** Unpaid seats one customer may hold on one slot at a time, unless HOLD_MAX_SEATS_PER_CUSTOMER says otherwise. */
export const DEFAULT_HOLD_MAX_SEATS_PER_CUSTOMER = 20;

/** How much longer a hold waits for a payment pending or processing at the provider, unless PAYMENT_GRACE_SECONDS says otherwise. */
export const DEFAULT_PAYMENT_GRACE_SECONDS = 1800;

const tenantList = requiredText
  .transform((value) => [...new Set(value.split(',').map((tenant) => tenant.trim()))])
  .refine((tenants) => tenants.every((tenant) => tenant !== ''), { error: 'must be comma-separated tenant ids, none empty' });

export const appConfigSchema = z.object({
  nodeEnv: z.enum(['production', 'development', 'test'], { error: 'must be one of production, development, test' }).default('development'),
  /**
   * Absent: an embedded PostgreSQL in `dataDir` (never in production). Present: the requests' login,
   * which holds only `ledger_app` and is neither a superuser nor the schema owner (ADR 0034).
   */
  databaseUrl: postgresUrl.optional(),
  /** The system work's login (holds `ledger_system`); required with `databaseUrl`. */
  systemDatabaseUrl: postgresUrl.optional(),
  /** The schema owner's login, used only to migrate; without it a server on `databaseUrl` leaves migrations to `ledger migrate`. */
  migrationDatabaseUrl: postgresUrl.optional(),
  dataDir: requiredText.default('.ledger'),
  host: requiredText.default('127.0.0.1'),
  // 0 asks the OS for a free port (tests).
  port: wholeNumber.pipe(z.number().int().min(0).max(65_535, { error: 'must be a port number (0-65535)' })).default(3000),
  holdTtlSeconds: wholeNumber.pipe(z.number().int().positive({ error: 'must be a positive number of seconds' })).default(900),
  holdMaxSeatsPerCustomer: wholeNumber
    .pipe(z.number().int().positive({ error: 'must be a positive number of seats' }))
    .default(DEFAULT_HOLD_MAX_SEATS_PER_CUSTOMER),
  paymentGraceSeconds: wholeNumber
    .pipe(z.number().int().min(0, { error: 'must be a number of seconds' }))
    .default(DEFAULT_PAYMENT_GRACE_SECONDS),
  /** Absent: `info` (`warn` under NODE_ENV=test, so test runs show only what went wrong). */
  logLevel: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  /** The booking site's base URL: its origin may call the API from a browser (CORS), and Mercado Pago's back_urls lead the customer back to it. */
  frontendUrl: httpUrl.optional(),
  /** More browser origins allowed by CORS, besides FRONTEND_URL's. */
  corsOrigins: originList.optional(),
  /** Absent: dev identity (never in production). */
  cognito: z
    .object({
      userPoolId: requiredText.regex(cognitoUserPoolIdPattern, { error: 'must look like <region>_<id>, e.g. eu-west-1_AbC123' }),
      clientId: requiredText,
      jwksFile: requiredText.optional(),
      /** The hosted UI the backoffice signs in through (authorization code with PKCE), as its https origin. */
      domain: cognitoDomain.optional(),
    })
    .optional(),
  stripe: z.object({
    secretKey: requiredText.optional(),
    webhookSecret: requiredText.optional(),
    apiBase: httpUrl.optional(),
  }),
  mercadopago: z.object({
    accessToken: requiredText.optional(),
    webhookSecret: requiredText.optional(),
    apiBase: httpUrl.optional(),
  }),
  /**
   * The operator's activity panel (PANEL.md). Absent: panel sync is off. Present when any PANEL_*
   * variable is set, and then every one but PANEL_SYNC_SECONDS is required: half a panel would sync
   * nothing while looking configured.
   */
  panelApi: z
    .object({
      apiBase: httpUrl,
      apiKey: requiredText,
      webhookSecret: requiredText,
      /** Panel account ids to sync; a panel account id is the ledger's tenant id. */
      accounts: accountList,
      syncSeconds: wholeNumber
        .pipe(z.number().int().positive({ error: 'must be a positive number of seconds' }))
        .default(DEFAULT_PANEL_SYNC_SECONDS),
    })
    .optional(),
  /** Ed25519 PKCS#8 (PEM or base64 DER). Absent: a local key under `dataDir` (never in production). */
  checkpointSigningKey: requiredText.optional(),
  /** The EventStoreDB/KurrentDB mirror (ADR 0047): off without a connection string. */
  eventStore: z.object({
    connectionString: requiredText
      .regex(/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kdb|kdb\+discover):\/\//, {
        error: 'must be an EventStoreDB/KurrentDB connection string such as esdb://host:2113?tls=false',
      })
      .optional(),
    /** Absent: every tenant's streams are mirrored. */
    tenants: tenantList.optional(),
  }),
  personalData: z.object({
    /** Wraps the customers' data keys in AWS KMS (AWS_REGION, or the key's ARN, names the region). */
    kmsKeyId: requiredText.optional(),
    kmsEndpointUrl: httpUrl.optional(),
    /** Without KMS: 32 bytes, base64, that wrap the data keys (from Secrets Manager in production). */
    masterKey: requiredText
      .refine((value) => Buffer.from(value, 'base64').length === 32, { error: 'must be 32 bytes, base64-encoded' })
      .optional(),
    /** Customers of departures older than this many days are erased by a daily job; absent: never by age. */
    retentionDays: wholeNumber.pipe(z.number().int().positive({ error: 'must be a positive number of days' })).optional(),
  }),
  aws: z.object({
    secretsId: requiredText.optional(),
    region: requiredText.optional(),
    endpointUrl: httpUrl.optional(),
  }),
  /** Customer e-mails (ADR 0043). */
  mail: z.object({
    /** SES_FROM_ADDRESS: the verified sender. Absent: `.eml` files under `dataDir/mail` (never in production). */
    fromAddress: requiredText
      .regex(SENDER_ADDRESS, { error: 'must be an e-mail address, or a name and one: Acme Tours <bookings@acme.example>' })
      .optional(),
    /** AWS_ENDPOINT_URL_SESV2: another SES endpoint than the region's (tests, a local stand-in). */
    sesEndpointUrl: httpUrl.optional(),
  }),
});

export type AppConfig = z.infer<typeof appConfigSchema>;

/** The browser origins CORS lets call the API: FRONTEND_URL's origin and CORS_ORIGINS, once each. */
export function allowedBrowserOrigins(config: Pick<AppConfig, 'frontendUrl' | 'corsOrigins'>): readonly string[] {
  const frontend = config.frontendUrl === undefined ? [] : [new URL(config.frontendUrl).origin];
  return [...new Set([...frontend, ...(config.corsOrigins ?? [])])];
}

export type LoadConfigDeps = {
  /** Replaces the Secrets Manager call (tests, other secret stores). */
  readonly fetchSecrets?: FetchSecretString;
};

/**
 * Reads the configuration from `env`, with the values of the Secrets Manager secret named by
 * AWS_SECRETS_ID (when set) taking precedence. Throws `ConfigError` naming every variable at fault.
 */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env, deps: LoadConfigDeps = {}): Promise<AppConfig> {
  const fromEnv = readEnvValues(env);
  if (fromEnv.AWS_SECRETS_ID === undefined) return parseConfigValues(fromEnv);
  const request = secretsRequestFromEnv(fromEnv, env);
  const secretString = await (deps.fetchSecrets ?? fetchSecretString)(request);
  return parseConfigValues({ ...fromEnv, ...parseSecretValues(secretString, request.secretId) });
}

/** Validates already-merged variable values; production additionally requires `requiredInProduction`. */
export function parseConfigValues(values: EnvValues): AppConfig {
  const result = appConfigSchema.safeParse(configInput(values));
  const missing: string[] = values.NODE_ENV === 'production' ? missingInProduction(values) : [];
  const invalid = result.success
    ? []
    : result.error.issues
        .map((issue) => ({ key: envKeyForPath(issue.path), problem: issue.message }))
        .filter(({ key }) => !missing.includes(key));
  if (result.success && missing.length === 0) return result.data;

  const parts = [
    ...(missing.length > 0 ? [`missing ${missing.join(', ')} (required when NODE_ENV=production)`] : []),
    ...invalid.map(({ key, problem }) => `${key} ${problem}`),
  ];
  const keys = [...new Set([...missing, ...invalid.map(({ key }) => key)])];
  throw new ConfigError(`Invalid configuration: ${parts.join('; ')}`, { keys });
}

/** Places each variable at its config path; a group (e.g. `cognito`) exists only if one of its variables is set. */
function configInput(values: EnvValues): Record<string, unknown> {
  const input: Record<string, unknown> = { stripe: {}, mercadopago: {}, eventStore: {}, aws: {}, mail: {}, personalData: {} };
  for (const { env, path } of configVariables) {
    const value = values[env];
    if (value === undefined) continue;
    let target = input;
    for (const segment of path.slice(0, -1)) {
      target[segment] ??= {};
      target = target[segment] as Record<string, unknown>;
    }
    target[path[path.length - 1] as string] = value;
  }
  return input;
}
