import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { commands } from '../../src/cli/commands.js';
import { localLoginsOf } from '../../src/db/localLogins.js';
import { createIdentityFromConfig } from '../../src/identity/identityFromConfig.js';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { eventStoreMirror } from '../../src/mirror/eventStoreMirror.js';
import { mirrorStreamName } from '../../src/mirror/mirroredEvent.js';
import { appendEvents, drain } from '../consumers/logFixtures.js';
import { type EventStoreServer, startEventStoreServer } from '../support/eventStoreServer.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { inBatches, runLedgerCli, runLedgerCliOnTerminal } from './runLedgerCli.js';

const LEDGER_READERS: readonly (readonly string[])[] = [
  ['verify'],
  ['replay', 'slot-1'],
  ['rebuild-projections'],
  ['reconcile'],
  ['checkpoint'],
  ['checkpoint', '--public-key'],
];

/** A folder to run in, holding the (not yet existing) data directory: whatever a command creates shows up here. */
let workDir: string;
let dataDir: string;

beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'ledger-cli-'));
  dataDir = join(workDir, 'ledger-data');
});
afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

const run = (args: readonly string[], variables: Record<string, string> = {}) =>
  runLedgerCli(args, { cwd: workDir, variables: { LEDGER_DATA_DIR: dataDir, ...variables } });

const createdFiles = () => readdir(workDir, { recursive: true });

describe('help', () => {
  it('prints the list of commands to stdout, exits 0 and creates nothing', async () => {
    const runs = await inBatches([['--help'], ['help'], ['-h']].map((args) => () => run(args)));

    for (const result of runs) {
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(/^usage: ledger <command>/);
      for (const command of commands) expect(result.stdout).toContain(`\n  ${command.name}`);
    }
    expect(await createdFiles()).toEqual([]);
  });

  it("prints each command's flags, for help <command> and <command> --help alike, touching nothing", async () => {
    const lines = commands.flatMap((command) => [
      ['help', command.name],
      [command.name, '--help'],
    ]);
    // A flag that would run the command if help were not honoured first, as rebuild-projections once did.
    lines.push(['rebuild-projections', '-h'], ['verify', '--public-key', 'missing.pem', '--help']);

    const runs = await inBatches(lines.map((args) => () => run(args)));

    runs.forEach((result, index) => {
      const name = (lines[index] as string[]).find((arg) => arg !== 'help') as string;
      const command = commands.find((c) => c.name === name);
      expect(result, lines[index]?.join(' ')).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toMatch(new RegExp(`^usage: ledger ${name}\\b`));
      for (const flag of Object.keys(command?.flags ?? {})) expect(result.stdout).toContain(`--${flag}`);
    });
    expect(await createdFiles()).toEqual([]);
  });
});

describe('usage errors', () => {
  const cases: readonly [readonly string[], RegExp, string][] = [
    [[], /^ledger: no command given$/, 'ledger --help'],
    [['frob'], /^ledger: unknown command "frob"$/, 'ledger --help'],
    [['help', 'frob'], /^ledger: unknown command "frob"$/, 'ledger --help'],
    [['verify', '--bogus'], /^ledger verify: unknown flag --bogus$/, 'ledger verify --help'],
    [['verify', '--public-key'], /^ledger verify: --public-key needs a value/, 'ledger verify --help'],
    [['replay'], /^ledger replay: missing <streamId>$/, 'ledger replay --help'],
    [['replay', 'a', 'b'], /^ledger replay: unexpected argument "b"$/, 'ledger replay --help'],
    [['checkpoint', '--public-key=x'], /^ledger checkpoint: --public-key takes no value$/, 'ledger checkpoint --help'],
    [
      ['reconcile', '--older-than', 'abc'],
      /^ledger reconcile: --older-than SECONDS must be a whole number, not "abc"$/,
      'ledger reconcile --help',
    ],
    [
      ['dev-token', '--tenant', 't', '--ttl', '-5'],
      /^ledger dev-token: --ttl SECONDS must be a whole number of at least 1, not "-5"$/,
      'ledger dev-token --help',
    ],
    [['dev-token', '--groups', 'admin'], /^ledger dev-token: missing --tenant$/, 'ledger dev-token --help'],
    [['dev-token', '--tenant', 't', '--groups', 'admins'], /^ledger dev-token: unknown group admins/, 'ledger dev-token --help'],
  ];

  it('exit 2 with one line and a hint at the right help, creating nothing', async () => {
    const runs = await inBatches(
      cases.map(
        ([args]) =>
          () =>
            run(args),
      ),
    );

    runs.forEach((result, index) => {
      const [args, message, hint] = cases[index] as (typeof cases)[number];
      const label = `ledger ${args.join(' ')}`;
      expect(result.code, label).toBe(2);
      expect(result.stdout, label).toBe('');
      const [problem, hintLine, ...rest] = result.stderr.trimEnd().split('\n');
      expect(problem, label).toMatch(message);
      expect(hintLine, label).toContain(`"${hint}"`);
      expect(rest, label).toEqual([]);
    });
    expect(await createdFiles()).toEqual([]);
  });
});

describe('commands that read a ledger', () => {
  it('say there is none, exit 1 and create nothing, in a folder without a ledger', async () => {
    const runs = await inBatches(LEDGER_READERS.map((args) => () => run(args)));

    runs.forEach((result, index) => {
      expect(result, LEDGER_READERS[index]?.join(' ')).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toBe(
        `ledger ${LEDGER_READERS[index]?.[0]}: no ledger at ${dataDir}: start the server once or set DATABASE_URL\n`,
      );
    });
    expect(await createdFiles()).toEqual([]);
  });

  it('refuse a database without the ledger schema, and leave it empty', async () => {
    const adminUrl = inject('pgAdminUrl');
    const name = `cli_empty_${randomUUID().replaceAll('-', '')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const logins = localLoginsOf(url.toString());
    try {
      const runs = await inBatches(
        LEDGER_READERS.filter((args) => args.length === 1).map(
          (args) => () => run(args, { DATABASE_URL: logins.app, SYSTEM_DATABASE_URL: logins.system }),
        ),
      );

      for (const result of runs) {
        expect(result).toMatchObject({ code: 1, stdout: '' });
        expect(result.stderr).toMatch(/^ledger [a-z-]+: no ledger in PostgreSQL at [^:]+:\d+\/cli_empty_\w+: it has no ledger schema;/);
      }
      const empty = new pg.Client({ connectionString: url.toString() });
      await empty.connect();
      const { rows } = await empty.query<{ tables: number }>(
        `SELECT count(*)::int AS tables FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')`,
      );
      await empty.end();
      expect(rows[0]?.tables).toBe(0);
      expect(await createdFiles()).toEqual([]);
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });

  describe('verify of an existing ledger', () => {
    const hasScript = (() => {
      try {
        execFileSync('script', ['--version'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();

    /** Every instance and CLI run over a shared database signs and verifies with this key. */
    const sharedKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

    /** A ledger of two streams, three events. */
    const ledgerWithEvents = async (): Promise<TestDatabase> => {
      const database = await createTestDatabase({ maximumPoolSize: 1 });
      await appendEvents(database.pool, {
        events: [
          { type: 'Opened', data: {} },
          { type: 'Closed', data: {} },
        ],
      });
      await appendEvents(database.pool, { events: [{ type: 'Opened', data: {} }] });
      return database;
    };

    it('prints the report on stdout and nothing else when stderr is not a terminal', async () => {
      const database = await ledgerWithEvents();
      try {
        const result = await run(['verify'], {
          DATABASE_URL: database.logins.app,
          SYSTEM_DATABASE_URL: database.logins.system,
          LEDGER_CHECKPOINT_SIGNING_KEY: sharedKey,
        });

        expect(result).toMatchObject({ code: 0, stderr: '' });
        expect(JSON.parse(result.stdout)).toMatchObject({ ok: true, streams: 2, events: 3 });
      } finally {
        await database.drop();
      }
    });

    it('over DATABASE_URL without the shared key: exit 1, saying how to make one, and no local key made', async () => {
      const database = await ledgerWithEvents();
      try {
        const result = await run(['verify'], { DATABASE_URL: database.logins.app, SYSTEM_DATABASE_URL: database.logins.system });

        expect(result.code).toBe(1);
        expect(result.stdout).toBe('');
        expect(result.stderr).toMatch(
          /^ledger verify: configuration error: LEDGER_CHECKPOINT_SIGNING_KEY is required when DATABASE_URL is set/,
        );
        expect(result.stderr).toContain('openssl genpkey -algorithm ed25519');
        expect(await createdFiles()).toEqual([]);
      } finally {
        await database.drop();
      }
    });

    it.skipIf(!hasScript)('shows its progress on a terminal, on a line it rewrites', async () => {
      const database = await ledgerWithEvents();
      try {
        const result = await runLedgerCliOnTerminal(['verify'], {
          cwd: workDir,
          variables: {
            LEDGER_DATA_DIR: dataDir,
            DATABASE_URL: database.logins.app,
            SYSTEM_DATABASE_URL: database.logins.system,
            LEDGER_CHECKPOINT_SIGNING_KEY: sharedKey,
          },
        });

        expect(result.code).toBe(0);
        // eslint-disable-next-line no-control-regex -- the progress line starts with the terminal's erase-line escape (ESC [2K)
        expect(result.stdout).toMatch(/^\r\x1b\[2Kverifying: 1 streams, [12] events/);
        expect(result.stdout).toContain('\r\x1b[2Kverified: 2 streams, 3 events\r\n');
        expect(result.stdout).toContain('"ok": true');
      } finally {
        await database.drop();
      }
    });
  });
});

describe('migrate beside the server logins (DATABASE_URL, SYSTEM_DATABASE_URL)', () => {
  /** An empty database of the test cluster, its owner's URL and the server's logins on it. */
  const withEmptyDatabase = async (work: (database: { ownerUrl: string; app: string; system: string }) => Promise<void>) => {
    const adminUrl = inject('pgAdminUrl');
    const name = `cli_migrate_${randomUUID().replaceAll('-', '')}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    try {
      await work({ ownerUrl: url.toString(), ...localLoginsOf(url.toString()) });
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  };

  it('migrates as MIGRATION_DATABASE_URL while DATABASE_URL is the application login, and the ledger then verifies', async () => {
    await withEmptyDatabase(async ({ ownerUrl, app, system }) => {
      const logins = { DATABASE_URL: app, SYSTEM_DATABASE_URL: system };
      const migrated = await run(['migrate'], { ...logins, MIGRATION_DATABASE_URL: ownerUrl });

      expect(migrated).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(migrated.stdout)).toMatchObject({ applied: expect.arrayContaining(['0001_event_log.sql']), alreadyApplied: 0 });
      const key = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const verified = await run(['verify'], { ...logins, LEDGER_CHECKPOINT_SIGNING_KEY: key });
      expect(verified).toMatchObject({ code: 0, stderr: '' });
      expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true, streams: 0 });
    });
  });

  it('says migrating needs MIGRATION_DATABASE_URL when only the server logins are given, and creates nothing', async () => {
    await withEmptyDatabase(async ({ ownerUrl, app, system }) => {
      const result = await run(['migrate'], { DATABASE_URL: app, SYSTEM_DATABASE_URL: system });

      expect(result).toMatchObject({ code: 1, stdout: '' });
      expect(result.stderr).toMatch(/^ledger migrate: migrations run as the schema owner: set MIGRATION_DATABASE_URL/);
      const owner = new pg.Client({ connectionString: ownerUrl });
      await owner.connect();
      const { rows } = await owner.query<{ present: boolean }>(`SELECT to_regclass('events') IS NOT NULL AS present`);
      await owner.end();
      expect(rows[0]?.present).toBe(false);
    });
  });
});

describe('mirror', () => {
  it('says EVENTSTORE_CONNECTION_STRING is not set, exits 1 and creates nothing', async () => {
    const result = await run(['mirror', '--verify']);

    expect(result).toMatchObject({ code: 1, stdout: '' });
    expect(result.stderr).toMatch(/^ledger mirror: EVENTSTORE_CONNECTION_STRING is not set/);
    expect(await createdFiles()).toEqual([]);
  });

  it('takes a streamId with --verify only (exit 2)', async () => {
    const result = await run(['mirror', 'slot-1'], { EVENTSTORE_CONNECTION_STRING: 'esdb://127.0.0.1:2113?tls=false' });

    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toMatch(/a streamId is taken with --verify only/);
  });

  describe('against a loopback EventStoreDB', () => {
    let database: TestDatabase;
    let server: EventStoreServer;
    let client: EventStoreDBClient;
    let stream: string;
    beforeEach(async () => {
      database = await createTestDatabase({ maximumPoolSize: 2 });
      server = await startEventStoreServer();
      client = EventStoreDBClient.connectionString(server.connectionString);
      stream = await appendEvents(database.pool, {
        events: [
          { type: 'Opened', data: { seats: 2 } },
          { type: 'Closed', data: {} },
        ],
      });
      await appendEvents(database.pool, { tenantId: 'tenant-b', events: [{ type: 'Opened', data: {} }] });
    });
    afterEach(async () => {
      await client.dispose();
      await server.stop();
      await database.drop();
    });
    const mirrorVariables = () => ({
      DATABASE_URL: database.logins.app,
      SYSTEM_DATABASE_URL: database.logins.system,
      EVENTSTORE_CONNECTION_STRING: server.connectionString,
    });

    it('--verify finds the mirrored ledger equal, then names the stream and revision whose data was changed', async () => {
      await drain(database.systemPool, eventStoreMirror(client));

      const equal = await run(['mirror', '--verify'], mirrorVariables());
      expect(equal).toMatchObject({ code: 0, stdout: 'the mirror matches the ledger: 2 stream(s), 3 event(s) compared\n' });

      const changed = server.streams.get(mirrorStreamName('tenant-a', stream));
      const second = changed?.[1];
      if (!changed || !second) throw new Error('the stream was not mirrored');
      changed[1] = { ...second, data: Buffer.from('{"forged":true}') };
      const different = await run(['mirror', '--verify', stream], mirrorVariables());
      expect(different.code).toBe(1);
      expect(different.stdout).toBe(
        `${mirrorStreamName('tenant-a', stream)} revision 1: different data\nthe mirror differs from the ledger in 1 place(s) (1 stream(s) compared)\n`,
      );
    });

    it('runs the mirror in the foreground and stops with exit 1 at a stream that diverges, naming it', async () => {
      await client.appendToStream(mirrorStreamName('tenant-a', stream), jsonEvent({ type: 'Intruder', data: {} }));

      const result = await run(['mirror'], mirrorVariables());

      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        `ledger mirror: stopped: the mirror's stream ${mirrorStreamName('tenant-a', stream)} diverges from the ledger at revision 0`,
      );
      // The other tenant's stream, in the same batch, was appended before the mirror stopped.
      const mirrored = [...server.streams.keys()];
      expect(mirrored).toHaveLength(2);
      expect(mirrored).toEqual(expect.arrayContaining([mirrorStreamName('tenant-a', stream), expect.stringMatching(/@tenant-b$/)]));
    });
  });
});

describe('dev-token', () => {
  it('prints a token that a dev-mode server with the same data directory accepts', async () => {
    const result = await run(['dev-token', '--tenant', 'tenant-a', '--groups', 'admin', '--ttl', '600']);

    expect(result).toMatchObject({ code: 0, stderr: '' });
    const identity = await createIdentityFromConfig({ nodeEnv: 'development', dataDir, cognito: undefined });
    await expect(identity.verifier.verify(`Bearer ${result.stdout.trim()}`)).resolves.toMatchObject({
      tenantId: 'tenant-a',
      groups: ['admin'],
    });
  });
});
