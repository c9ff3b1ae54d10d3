import { parseArgs } from 'node:util';
import { ensureDevIdentity, signDevToken } from './devIdentity.js';
import { DevTokenUsageError } from './errors.js';
import type { IdTokenOptions } from './idToken.js';

const knownGroups = ['admin', 'staff', 'auditor'] as const;

/**
 * `ledger dev-token --tenant T [--groups admin,staff] [--sub S] [--email E] [--ttl SECONDS]`:
 * an ID token the dev-mode server accepts. `argv` is what follows `dev-token`.
 */
export async function runDevTokenCommand(argv: readonly string[], dataDir: string): Promise<string> {
  const options = parseDevTokenArgs(argv);
  return signDevToken(await ensureDevIdentity(dataDir), options);
}

/** `--groups` takes a comma list, may repeat, and may say `customer` (= no group). */
export function parseDevTokenArgs(argv: readonly string[]): IdTokenOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        tenant: { type: 'string' },
        groups: { type: 'string', multiple: true },
        sub: { type: 'string' },
        email: { type: 'string' },
        ttl: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new DevTokenUsageError(error instanceof Error ? error.message : String(error), { cause: error });
  }

  const tenantId = values.tenant?.trim();
  if (tenantId === undefined || tenantId === '') throw new DevTokenUsageError('--tenant is required');
  const groups = parseGroups(values.groups ?? []);
  const sub = nonBlank(values.sub, '--sub');
  const email = nonBlank(values.email, '--email');
  const ttlSeconds = values.ttl === undefined ? undefined : parseTtl(values.ttl);
  return {
    tenantId,
    groups,
    ...(sub === undefined ? {} : { sub }),
    ...(email === undefined ? {} : { email }),
    ...(ttlSeconds === undefined ? {} : { ttlSeconds }),
  };
}

function parseGroups(raw: readonly string[]): string[] {
  const names = raw
    .flatMap((entry) => entry.split(','))
    .map((name) => name.trim())
    .filter((name) => name !== '');
  const unknown = names.filter((name) => name !== 'customer' && !(knownGroups as readonly string[]).includes(name));
  if (unknown.length > 0) {
    // Catches typos such as `admins`, which would otherwise silently mint a customer token.
    throw new DevTokenUsageError(`unknown group ${unknown.join(', ')}; use admin, staff, auditor or customer`);
  }
  return knownGroups.filter((group) => names.includes(group));
}

function parseTtl(raw: string): number {
  const ttl = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(ttl) || ttl <= 0) throw new DevTokenUsageError('--ttl must be a positive whole number of seconds');
  return ttl;
}

function nonBlank(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') throw new DevTokenUsageError(`${flag} must not be empty`);
  return trimmed;
}
