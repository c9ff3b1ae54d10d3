import type { CommandSpec } from './commandSpec.js';

const seconds = (min: number, help: string) => ({ type: 'string', value: 'SECONDS', wholeNumberAtLeast: min, help }) as const;

/** Every command of `npx ledger`, in the order the usage lists them. */
export const commands: readonly CommandSpec[] = [
  {
    name: 'serve',
    summary: 'migrate, then serve HTTP on HOST:PORT (creates the embedded ledger on first start)',
    details:
      'Also sweeps expired holds, reconciles quiet payments, sends pending refunds, feeds the report\n' +
      'consumers and takes an hourly ledger checkpoint. Stops on SIGINT or SIGTERM.',
    positionals: [],
    flags: {},
    load: () => import('./commands/serve.js'),
  },
  {
    name: 'migrate',
    summary: 'apply pending migrations (creates the embedded ledger when there is none)',
    details:
      'Forward only: a migration edited after it was applied is refused. Prints what it applied as JSON. ' +
      'Runs as the schema owner: MIGRATION_DATABASE_URL when a database is configured, else the embedded cluster.',
    positionals: [],
    flags: {},
    load: () => import('./commands/migrate.js'),
  },
  {
    name: 'verify',
    summary: "check every stream's hash chain, every read model and the signed checkpoints",
    details:
      'Rebuilds every read model from the events and compares it with the live one, row for row, and\n' +
      'checks the checkpoint chain and its signatures. Prints a JSON report on stdout; exits 1 when anything\n' +
      'does not verify. On a terminal, shows its progress on stderr.',
    positionals: [],
    flags: {
      'public-key': {
        type: 'string',
        value: 'FILE',
        help: "check checkpoint signatures against this public key (an auditor's own copy, SPKI PEM)\ninstead of the configured signing key",
      },
    },
    load: () => import('./commands/verify.js'),
  },
  {
    name: 'replay',
    summary: 'print each event of a stream with the state after it, and whether its chain is intact',
    positionals: [{ name: 'streamId', required: true, help: 'the stream, e.g. reservation-<uuid>' }],
    flags: { tenant: { type: 'string', value: 'T', help: "only this tenant's stream (default: every tenant's stream of that id)" } },
    load: () => import('./commands/replay.js'),
  },
  {
    name: 'rebuild-projections',
    summary: 'rebuild every read model from the event log, swapped in atomically',
    details: 'Only rows that differ are rewritten; the JSON report counts them. On a terminal, shows its progress on stderr.',
    positionals: [],
    flags: {},
    load: () => import('./commands/rebuildProjections.js'),
  },
  {
    name: 'reconcile',
    summary: 'ask the providers about payments still open, then send the refunds that are due',
    positionals: [],
    flags: { 'older-than': seconds(0, 'only payments open for longer than this (default 600)') },
    load: () => import('./commands/reconcile.js'),
  },
  {
    name: 'checkpoint',
    summary: "record a signed, hash-chained checkpoint of every stream's head (the server takes one hourly)",
    positionals: [],
    flags: {
      'public-key': { type: 'boolean', help: 'instead, print the public key (SPKI PEM) that verifies checkpoints, for auditors to keep' },
    },
    load: () => import('./commands/checkpoint.js'),
  },
  {
    name: 'mirror',
    summary: 'mirror the ledger into EventStoreDB/KurrentDB, or compare the mirror with it',
    details:
      'Needs EVENTSTORE_CONNECTION_STRING (EVENTSTORE_TENANTS: only these tenants). Without --verify: catches up\nfrom its checkpoint, then follows new commits until stopped; a stream that diverges stops it (exit 1).\nWith --verify: compares every mirrored stream (or streamId) with the ledger; exit 1 when they differ.',
    positionals: [{ name: 'streamId', required: false, help: 'with --verify: the one stream to compare' }],
    flags: { verify: { type: 'boolean', help: 'compare the mirror with the ledger' } },
    load: () => import('./commands/mirror.js'),
  },
  {
    name: 'dev-token',
    summary: 'print an ID token the dev-mode server accepts (not in production)',
    details: 'Signs with the local dev identity under LEDGER_DATA_DIR (created on first use). No groups = a customer.',
    positionals: [],
    flags: {
      tenant: { type: 'string', value: 'T', required: true, help: 'the tenant the token is for' },
      groups: { type: 'string', multiple: true, value: 'G,…', help: 'admin, staff, auditor or customer; comma-separated' },
      sub: { type: 'string', value: 'S', help: 'the subject (user id)' },
      email: { type: 'string', value: 'E', help: 'the e-mail claim' },
      ttl: seconds(1, 'lifetime of the token'),
    },
    load: () => import('./commands/devToken.js'),
  },
];

export function findCommand(name: string): CommandSpec | undefined {
  return commands.find((command) => command.name === name);
}
