import type { AppConfig } from './config.js';
import { configVariables, type EnvKey } from './variables.js';

export const REDACTED = '[redacted]';

/** Environment variables whose values are secrets. */
export const secretEnvKeys: readonly EnvKey[] = configVariables.filter((v) => v.secret).map((v) => v.env);

/** The same secrets as dotted `AppConfig` paths, e.g. for a logger's `redact` option. */
export const secretConfigPaths: readonly string[] = configVariables.filter((v) => v.secret).map((v) => v.path.join('.'));

/**
 * A copy of `config` that is safe to log: every secret that is set becomes `"[redacted]"`. Driven by
 * the variable table, so a secret added there is redacted here without another list to update.
 */
export function redactConfig(config: AppConfig): AppConfig {
  const copy = structuredClone(config) as unknown as Record<string, unknown>;
  for (const variable of configVariables) {
    if (!variable.secret) continue;
    const parentPath = variable.path.slice(0, -1);
    const leaf = variable.path[variable.path.length - 1] as string;
    const parent = parentPath.reduce<Record<string, unknown> | undefined>(
      (node, segment) => node?.[segment] as Record<string, unknown> | undefined,
      copy,
    );
    if (parent && leaf in parent) parent[leaf] = redact(parent[leaf] as string | undefined);
  }
  return copy as unknown as AppConfig;
}

// Keeps "unset" visible in logs: knowing a secret is missing is useful and reveals nothing.
function redact(value: string | undefined): string | undefined {
  return value === undefined ? undefined : REDACTED;
}
