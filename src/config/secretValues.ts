import { ConfigError } from './errors.js';
import { isEnvKey, normalizeEnvValue, secretOverridableKeys, type EnvKey, type EnvValues } from './variables.js';

/**
 * Turns a secret's `SecretString` (a JSON object keyed by variable names, e.g.
 * `{"STRIPE_SECRET_KEY":"sk_…"}`) into values that override the environment. Keys the service does
 * not read are ignored (one secret is often shared by several services), and so are NODE_ENV and the
 * AWS_* variables that locate the secret: those must come from the environment itself.
 */
export function parseSecretValues(secretString: string, secretId: string): EnvValues {
  const notAnObject = new ConfigError(
    `AWS Secrets Manager secret "${secretId}" (AWS_SECRETS_ID) is not a JSON object keyed by variable names`,
    { keys: ['AWS_SECRETS_ID'] },
  );
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    // Deliberately not kept as `cause`: V8's SyntaxError message quotes the input, i.e. the secret.
    throw notAnObject;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw notAnObject;

  const values: EnvValues = {};
  const badKeys: EnvKey[] = [];
  for (const [name, raw] of Object.entries(parsed)) {
    if (!isEnvKey(name) || !secretOverridableKeys.includes(name)) continue;
    if (typeof raw === 'string' || typeof raw === 'number') {
      const value = normalizeEnvValue(String(raw));
      if (value !== undefined) values[name] = value;
    } else {
      badKeys.push(name);
    }
  }
  if (badKeys.length > 0) {
    throw new ConfigError(`AWS Secrets Manager secret "${secretId}" (AWS_SECRETS_ID) has non-string values for ${badKeys.join(', ')}`, {
      keys: badKeys,
    });
  }
  return values;
}
