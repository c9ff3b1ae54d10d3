import { newPiiMasterKey } from '../support/personalData.js';
import { quietLedgerLogger } from '../support/loggers.js';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { parseConfigValues } from '../../src/config/config.js';
import type { EnvValues } from '../../src/config/variables.js';
import { startLedger } from '../../src/main.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

/**
 * Issue 13, finding 2: a server given a superuser's (or the schema owner's) connection string
 * started and served with it, in production too. Now it refuses to start, in every environment,
 * saying what to do; and it starts on the logins it is meant to have, without the owner's URL.
 */
let db: TestDatabase;
let dataDir: string;
const probe = `p${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const probeOwner = `${probe}_owner`;
const probeLogin = `${probe}_login`;
const probePassword = `pw-${probe}`;

const silent = quietLedgerLogger();

async function asAdmin(text: string): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('pgAdminUrl') });
  await admin.connect();
  try {
    await admin.query(text);
  } finally {
    await admin.end();
  }
}

beforeAll(async () => {
  db = await createTestDatabase({ maximumPoolSize: 2 });
  dataDir = await mkdtemp(join(tmpdir(), 'ledger-startup-logins-'));
});
afterAll(async () => {
  await db.drop();
  await asAdmin(`DROP ROLE IF EXISTS ${probeLogin}; DROP ROLE IF EXISTS ${probeOwner}`);
  await rm(dataDir, { recursive: true, force: true });
});

const checkpointKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

/** `startLedger` as `npm start` runs it, outside production; a server that did start is stopped again. */
async function start(variables: EnvValues): Promise<unknown> {
  const config = parseConfigValues({
    NODE_ENV: 'development',
    LEDGER_DATA_DIR: dataDir,
    HOST: '127.0.0.1',
    PORT: '0',
    // Required with DATABASE_URL (replicas sign with one key); not what these tests are about.
    LEDGER_CHECKPOINT_SIGNING_KEY: checkpointKey,
    PII_MASTER_KEY: newPiiMasterKey(),
    ...variables,
  });
  return startLedger(config, silent).then(
    async (running) => {
      try {
        return { started: (await fetch(`${running.url}/health`)).status };
      } finally {
        await running.stop();
      }
    },
    (error: unknown) => error,
  );
}

const loginOf = (url: string) => decodeURIComponent(new URL(url).username);

describe('a server whose login could take more than its role', () => {
  it('refuses to start on a superuser DATABASE_URL, saying what to do', async () => {
    const outcome = await start({ DATABASE_URL: db.url, SYSTEM_DATABASE_URL: db.logins.system });

    expect(outcome).toMatchObject({ name: 'UnsafeDatabaseLoginError' });
    expect((outcome as Error).message).toMatch(
      new RegExp(
        `^refusing to start: the database login ${loginOf(db.url)} \\(DATABASE_URL\\) could take more rights than ledger_app: it is \\(or may become\\) a superuser`,
      ),
    );
    expect((outcome as Error).message).toMatch(/granted only ledger_app.*MIGRATION_DATABASE_URL/);
  });

  it('refuses to start on a superuser SYSTEM_DATABASE_URL', async () => {
    const outcome = await start({ DATABASE_URL: db.logins.app, SYSTEM_DATABASE_URL: db.url });

    expect(outcome).toMatchObject({ name: 'UnsafeDatabaseLoginError' });
    expect((outcome as Error).message).toMatch(
      /\(SYSTEM_DATABASE_URL\) could take more rights than ledger_system: it is \(or may become\) a superuser/,
    );
  });

  it('refuses to start on a login that is a member of the schema owner (no superuser)', async () => {
    const owned = await createTestDatabase({ maximumPoolSize: 1 });
    try {
      await asAdmin(
        `CREATE ROLE ${probeOwner} NOLOGIN; CREATE ROLE ${probeLogin} LOGIN PASSWORD '${probePassword}' IN ROLE ${probeOwner}, ledger_app`,
      );
      await owned.asOwner(`ALTER TABLE events OWNER TO ${probeOwner}`);
      const url = new URL(owned.url);
      url.username = probeLogin;
      url.password = probePassword;

      const outcome = await start({ DATABASE_URL: url.toString(), SYSTEM_DATABASE_URL: owned.logins.system });

      expect(outcome).toMatchObject({ name: 'UnsafeDatabaseLoginError' });
      expect((outcome as Error).message).toMatch(
        new RegExp(
          `the database login ${probeLogin} \\(DATABASE_URL\\) could take more rights than ledger_app: it is \\(or may become\\) the owner of the ledger schema\\.`,
        ),
      );
    } finally {
      await owned.drop();
    }
  });
});

describe('a server on its own logins', () => {
  it('starts and serves with DATABASE_URL and SYSTEM_DATABASE_URL alone, leaving migrations to the owner', async () => {
    expect(await start({ DATABASE_URL: db.logins.app, SYSTEM_DATABASE_URL: db.logins.system })).toEqual({ started: 200 });
  });

  it('refuses DATABASE_URL without SYSTEM_DATABASE_URL, naming it', async () => {
    const outcome = await start({ DATABASE_URL: db.logins.app });

    expect(outcome).toMatchObject({ name: 'MissingSystemLoginError' });
    expect((outcome as Error).message).toMatch(/^DATABASE_URL is set but SYSTEM_DATABASE_URL is not/);
  });
});
