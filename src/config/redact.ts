import type { AppConfig } from './config.js';
import { configVariables, type EnvKey } from './variables.js';

export const REDACTED = '[redacted]';

/** Environment variables whose values are secrets. */
export const secretEnvKeys: readonly EnvKey[] = configVariables.filter((v) => v.secret).map((v) => v.env);

/** The same secrets as dotted `AppConfig` paths, e.g. for a logger's `redact` option. */
export const secretConfigPaths: readonly string[] = configVariables.filter((v) => v.secret).map((v) => v.path.join('.'));

/** A copy of `config` that is safe to log: every secret that is set becomes `"[redacted]"`. */
export function redactConfig(config: AppConfig): AppConfig {
  return {
    ...config,
    databaseUrl: redact(config.databaseUrl),
    stripe: {
      ...config.stripe,
      secretKey: redact(config.stripe.secretKey),
      webhookSecret: redact(config.stripe.webhookSecret),
    },
    mercadopago: {
      ...config.mercadopago,
      accessToken: redact(config.mercadopago.accessToken),
      webhookSecret: redact(config.mercadopago.webhookSecret),
    },
    ...(config.cognito === undefined ? {} : { cognito: { ...config.cognito } }),
    aws: { ...config.aws },
  };
}

// Keeps "unset" visible in logs: knowing a secret is missing is useful and reveals nothing.
function redact(value: string | undefined): string | undefined {
  return value === undefined ? undefined : REDACTED;
}
