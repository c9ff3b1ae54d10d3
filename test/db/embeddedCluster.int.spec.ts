import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfigValues } from '../../src/config/config.js';
import { EmbeddedClusterError } from '../../src/db/errors.js';
import { embeddedClusterDir, openDatabase, type OpenedDatabase } from '../../src/db/openDatabase.js';
import { startLedger } from '../../src/main.js';
import { recordingLedgerLogger } from '../support/loggers.js';

/** The owner's URL an embedded cluster always has (only a configured database may lack one). */
function ownerUrlOf(database: OpenedDatabase): string {
  if (database.ownerUrl === undefined) throw new Error(`no owner URL for ${database.description}`);
  return database.ownerUrl;
}

async function answersQueries(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one;
  } finally {
    await client.end();
  }
}

describe('the embedded cluster of a data directory', () => {
  let dataDir: string;
  const { log, lines } = recordingLedgerLogger();

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ledger-cluster-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('while a server runs it', () => {
    let running: OpenedDatabase;
    beforeAll(async () => {
      running = await openDatabase({ dataDir, whenClusterRunning: 'refuse', log });
    });
    afterAll(async () => {
      await running.close();
    });

    it('a second server refuses it, saying what to do, instead of sharing a cluster that stops with the first', async () => {
      const config = parseConfigValues({ NODE_ENV: 'test', LEDGER_DATA_DIR: dataDir, PORT: '0' });

      const second = startLedger(config, log);

      await expect(second).rejects.toThrow(EmbeddedClusterError);
      await expect(second).rejects.toThrow(
        /already run by another server \(postmaster pid \d+, port \d+\): stop that server first, or give this one another LEDGER_DATA_DIR/,
      );
      await expect(second).rejects.toThrow(/if that server crashed and left its PostgreSQL running, stop it with "kill \d+"/);
    });

    it('a CLI command attaches to it, and says so', async () => {
      lines.length = 0;
      const attached = await openDatabase({ dataDir, whenClusterRunning: 'attach', log });
      try {
        expect(ownerUrlOf(attached)).toBe(ownerUrlOf(running));
        expect(await answersQueries(ownerUrlOf(attached))).toBe(1);
        expect(lines).toEqual([
          expect.stringMatching(/^ATTACHING to the embedded PostgreSQL another process runs in .*\(postmaster pid \d+, port \d+\)/),
        ]);
      } finally {
        await attached.close();
      }
      // Closing the attached handle leaves the owner's cluster running.
      expect(await answersQueries(ownerUrlOf(running))).toBe(1);
    });
  });

  describe('after a crash left its postmaster.pid behind', () => {
    let unrelated: ChildProcess;
    beforeAll(async () => {
      // A cluster that ran once, so its pid file has real contents; then the pid is given to another process.
      const first = await openDatabase({ dataDir, whenClusterRunning: 'refuse', log });
      const pidFile = join(embeddedClusterDir(dataDir), 'postmaster.pid');
      const contents = await readFile(pidFile, 'utf8');
      await first.close();
      unrelated = spawn('sleep', ['600'], { stdio: 'ignore' });
      await new Promise((resolve) => unrelated.once('spawn', resolve));
      await writeFile(pidFile, contents.replace(/^\d+\n/, `${unrelated.pid}\n`));
    });
    afterAll(() => {
      unrelated.kill();
    });

    it('a pid file naming a live unrelated process is stale: removed with a log line, and the server starts', async () => {
      lines.length = 0;
      const database = await openDatabase({ dataDir, whenClusterRunning: 'refuse', log });
      try {
        expect(await answersQueries(ownerUrlOf(database))).toBe(1);
        expect(lines).toContainEqual(
          expect.stringMatching(
            new RegExp(`removed the stale postmaster.pid .*: process ${unrelated.pid} is not a PostgreSQL postmaster of this directory`),
          ),
        );
        expect(unrelated.exitCode).toBeNull();
      } finally {
        await database.close();
      }
    });
  });
});

describe.skipIf(process.getuid?.() !== 0)('as root, a data directory the postgres user cannot reach', () => {
  let parent: string;
  beforeAll(async () => {
    // Like a clone in root's home directory: the data directory itself is fine, a parent is 0700.
    parent = await mkdtemp(join(tmpdir(), 'ledger-private-'));
    await chmod(parent, 0o700);
    await mkdir(join(parent, 'checkout'));
  });
  afterAll(async () => {
    await rm(parent, { recursive: true, force: true });
  });

  it('fails before initdb, naming the directory in the way and what to do', async () => {
    const dataDir = join(parent, 'checkout', '.ledger');

    const opened = openDatabase({ dataDir, whenClusterRunning: 'refuse', log: recordingLedgerLogger().log });

    await expect(opened).rejects.toThrow(EmbeddedClusterError);
    await expect(opened).rejects.toThrow(
      `which cannot reach ${join(dataDir, 'pg')}: ${parent} (mode 0700, owner uid 0) does not let it through: set LEDGER_DATA_DIR to a folder it can reach`,
    );
    await expect(opened).rejects.toThrow(`chmod o+x ${parent}`);
  });
});
