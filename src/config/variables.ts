/**
 * Every environment variable the service reads, where it lands in `AppConfig`, and whether it is a
 * secret. Error messages, Secrets Manager overrides and redaction all come from this one table, so
 * a variable added here is named in errors and (if secret) redacted without another list to update.
 */
export const configVariables = [
  { env: 'NODE_ENV', path: ['nodeEnv'], secret: false },
  // A connection string carries the database password.
  { env: 'DATABASE_URL', path: ['databaseUrl'], secret: true },
  { env: 'SYSTEM_DATABASE_URL', path: ['systemDatabaseUrl'], secret: true },
  { env: 'MIGRATION_DATABASE_URL', path: ['migrationDatabaseUrl'], secret: true },
  { env: 'LEDGER_DATA_DIR', path: ['dataDir'], secret: false },
  { env: 'HOST', path: ['host'], secret: false },
  { env: 'PORT', path: ['port'], secret: false },
  { env: 'HOLD_TTL_SECONDS', path: ['holdTtlSeconds'], secret: false },
  { env: 'HOLD_MAX_SEATS_PER_CUSTOMER', path: ['holdMaxSeatsPerCustomer'], secret: false },
  { env: 'PAYMENT_GRACE_SECONDS', path: ['paymentGraceSeconds'], secret: false },
  { env: 'FRONTEND_URL', path: ['frontendUrl'], secret: false },
  { env: 'LOG_LEVEL', path: ['logLevel'], secret: false },
  { env: 'CORS_ORIGINS', path: ['corsOrigins'], secret: false },
  { env: 'COGNITO_USER_POOL_ID', path: ['cognito', 'userPoolId'], secret: false },
  { env: 'COGNITO_CLIENT_ID', path: ['cognito', 'clientId'], secret: false },
  { env: 'COGNITO_JWKS_FILE', path: ['cognito', 'jwksFile'], secret: false },
  { env: 'COGNITO_DOMAIN', path: ['cognito', 'domain'], secret: false },
  { env: 'STRIPE_SECRET_KEY', path: ['stripe', 'secretKey'], secret: true },
  { env: 'STRIPE_WEBHOOK_SECRET', path: ['stripe', 'webhookSecret'], secret: true },
  { env: 'STRIPE_API_BASE', path: ['stripe', 'apiBase'], secret: false },
  { env: 'MERCADOPAGO_ACCESS_TOKEN', path: ['mercadopago', 'accessToken'], secret: true },
  { env: 'MERCADOPAGO_WEBHOOK_SECRET', path: ['mercadopago', 'webhookSecret'], secret: true },
  { env: 'MERCADOPAGO_API_BASE', path: ['mercadopago', 'apiBase'], secret: false },
  { env: 'PANEL_API_BASE', path: ['panelApi', 'apiBase'], secret: false },
  { env: 'PANEL_API_KEY', path: ['panelApi', 'apiKey'], secret: true },
  { env: 'PANEL_WEBHOOK_SECRET', path: ['panelApi', 'webhookSecret'], secret: true },
  { env: 'PANEL_ACCOUNTS', path: ['panelApi', 'accounts'], secret: false },
  { env: 'PANEL_SYNC_SECONDS', path: ['panelApi', 'syncSeconds'], secret: false },
  // Signs ledger checkpoints; whoever holds it can vouch for a rewritten history.
  { env: 'LEDGER_CHECKPOINT_SIGNING_KEY', path: ['checkpointSigningKey'], secret: true },
  // The mirror's connection string may carry a username and password (esdb://user:pass@host).
  { env: 'EVENTSTORE_CONNECTION_STRING', path: ['eventStore', 'connectionString'], secret: true },
  { env: 'EVENTSTORE_TENANTS', path: ['eventStore', 'tenants'], secret: false },
  { env: 'AWS_SECRETS_ID', path: ['aws', 'secretsId'], secret: false },
  { env: 'AWS_REGION', path: ['aws', 'region'], secret: false },
  { env: 'AWS_ENDPOINT_URL', path: ['aws', 'endpointUrl'], secret: false },
  { env: 'SES_FROM_ADDRESS', path: ['mail', 'fromAddress'], secret: false },
  { env: 'AWS_ENDPOINT_URL_SESV2', path: ['mail', 'sesEndpointUrl'], secret: false },
  // Customers' personal data (ADR 0048): what wraps their data keys, and when old departures' customers are erased.
  { env: 'AWS_KMS_KEY_ID', path: ['personalData', 'kmsKeyId'], secret: false },
  { env: 'AWS_ENDPOINT_URL_KMS', path: ['personalData', 'kmsEndpointUrl'], secret: false },
  // Whoever holds it (and a copy of the database) reads every customer not yet erased.
  { env: 'PII_MASTER_KEY', path: ['personalData', 'masterKey'], secret: true },
  { env: 'PII_RETENTION_DAYS', path: ['personalData', 'retentionDays'], secret: false },
] as const satisfies readonly ConfigVariable[];

type ConfigVariable = { readonly env: string; readonly path: readonly string[]; readonly secret: boolean };

export type EnvKey = (typeof configVariables)[number]['env'];

/** Trimmed values by variable name; a blank variable (`FOO=` in an env file) counts as unset. */
export type EnvValues = Partial<Record<EnvKey, string>>;

export const envKeys: readonly EnvKey[] = configVariables.map((variable) => variable.env);

/**
 * Variables a Secrets Manager secret may set. The ones that decide whether and where to read the
 * secret, and NODE_ENV (which decides how strict the rest is), must come from the environment itself.
 */
export const secretOverridableKeys: readonly EnvKey[] = envKeys.filter(
  (key) => key !== 'NODE_ENV' && key !== 'AWS_SECRETS_ID' && key !== 'AWS_REGION' && key !== 'AWS_ENDPOINT_URL',
);

export function isEnvKey(name: string): name is EnvKey {
  return (envKeys as readonly string[]).includes(name);
}

export function readEnvValues(env: NodeJS.ProcessEnv): EnvValues {
  const values: EnvValues = {};
  for (const key of envKeys) {
    const value = normalizeEnvValue(env[key]);
    if (value !== undefined) values[key] = value;
  }
  return values;
}

export function normalizeEnvValue(value: string | undefined): string | undefined {
  // Trailing newlines sneak into secrets pasted into env files and break signature checks silently.
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** The variable behind a config path such as `['stripe', 'secretKey']`, for error messages. */
export function envKeyForPath(path: readonly PropertyKey[]): string {
  const joined = path.map(String).join('.');
  const variable = configVariables.find((candidate) => candidate.path.join('.') === joined);
  return variable?.env ?? joined;
}
