import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLedgerCli } from '../cli/runLedgerCli.js';
import { type ServerProcess, startServerProcess } from './serverProcess.js';

describe('a second `ledger serve` on the data directory of a running one', () => {
  let workDir: string;
  let dataDir: string;
  let first: ServerProcess | undefined;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'ledger-second-serve-'));
    // mkdtemp makes it 0700; as root the cluster runs as the postgres user, which must pass through.
    await chmod(workDir, 0o711);
    dataDir = join(workDir, 'data');
    first = await startServerProcess({ NODE_ENV: 'development', LEDGER_DATA_DIR: dataDir }, workDir);
  }, 120_000);
  afterAll(async () => {
    await first?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  it('exits 1 saying who runs the cluster and what to do, and the first keeps serving', async () => {
    const second = await runLedgerCli(['serve'], { cwd: workDir, variables: { LEDGER_DATA_DIR: dataDir, PORT: '0' } });

    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`ledger serve: the embedded PostgreSQL in ${join(dataDir, 'pg')} is already run by another server`);
    expect(second.stderr).toContain('give this one another LEDGER_DATA_DIR');
    expect((await fetch(`${first?.url}/health`)).status).toBe(200);
  });
});
