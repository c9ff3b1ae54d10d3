import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDevTokenArgs, runDevTokenCommand } from '../../src/identity/devTokenCommand.js';
import { DevTokenUsageError } from '../../src/identity/errors.js';
import { createIdentityFromConfig } from '../../src/identity/identityFromConfig.js';

describe('parseDevTokenArgs', () => {
  it('reads tenant, groups, sub, email and ttl', () => {
    expect(
      parseDevTokenArgs(['--tenant', 'tenant-a', '--groups', 'admin,staff', '--sub', 'u-1', '--email', 'a@example.com', '--ttl', '7200']),
    ).toEqual({ tenantId: 'tenant-a', groups: ['admin', 'staff'], sub: 'u-1', email: 'a@example.com', ttlSeconds: 7200 });
  });

  it('accepts --flag=value', () => {
    expect(parseDevTokenArgs(['--tenant=t', '--groups=auditor'])).toEqual({ tenantId: 't', groups: ['auditor'] });
  });

  it('collects repeated and comma-separated groups, once each', () => {
    expect(parseDevTokenArgs(['--tenant', 't', '--groups', 'staff', '--groups', 'auditor, admin', '--groups', 'staff']).groups).toEqual([
      'admin',
      'staff',
      'auditor',
    ]);
  });

  it('makes a customer when groups are absent or say customer', () => {
    expect(parseDevTokenArgs(['--tenant', 't']).groups).toEqual([]);
    expect(parseDevTokenArgs(['--tenant', 't', '--groups', 'customer']).groups).toEqual([]);
  });

  it.each([
    [[], /--tenant is required/],
    [['--tenant', '  '], /--tenant is required/],
    [['--tenant'], /argument missing|--tenant/],
    [['--tenant', 't', '--groups', 'admins'], /unknown group admins/],
    [['--tenant', 't', '--ttl', '0'], /--ttl must be a positive whole number/],
    [['--tenant', 't', '--ttl', '1h'], /--ttl must be a positive whole number/],
    [['--tenant', 't', '--email', ''], /--email must not be empty/],
    [['--tenant', 't', '--role', 'admin'], /Unknown option '--role'/],
    [['--tenant', 't', 'extra'], /positional argument/],
  ])('%j is a usage error', (argv, message) => {
    const run = (): unknown => parseDevTokenArgs(argv);

    expect(run).toThrow(DevTokenUsageError);
    expect(run).toThrow(message);
    expect(run).toThrow(/usage: ledger dev-token --tenant <id>/);
  });
});

describe('runDevTokenCommand', () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ledger-dev-token-'));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints a token that a dev-mode server with the same data dir accepts', async () => {
    const token = await runDevTokenCommand(['--tenant', 'tenant-a', '--groups', 'admin'], dataDir);
    const identity = await createIdentityFromConfig({ nodeEnv: 'development', dataDir, cognito: undefined });

    expect(identity.mode).toBe('dev');
    await expect(identity.verifier.verify(`Bearer ${token}`)).resolves.toMatchObject({ tenantId: 'tenant-a', groups: ['admin'] });
  });

  it('writes nothing when the arguments are wrong', async () => {
    await expect(runDevTokenCommand(['--groups', 'admin'], join(dataDir, 'fresh'))).rejects.toThrow(DevTokenUsageError);
    await expect(import('node:fs/promises').then((fs) => fs.access(join(dataDir, 'fresh')))).rejects.toThrow(/ENOENT/);
  });
});
