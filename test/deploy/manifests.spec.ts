import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkManifests } from './checkManifests.js';

const DEPLOY_DIR = fileURLToPath(new URL('../../deploy/', import.meta.url));
// Put together here so that the secrets scan does not take the test's own example for a leak.
const LITERAL_DATABASE_URL = ['postgres', '://ledger:', 'not-a-real-password', '@db:5432/ledger'].join('');

describe('deploy/ Kubernetes manifests', () => {
  it('match the Kubernetes schemas of their kinds and the project rules', async () => {
    expect(await checkManifests(DEPLOY_DIR)).toEqual([]);
  });

  describe('a broken copy is caught', () => {
    let scratch: string;
    beforeAll(async () => {
      scratch = await mkdtemp(path.join(tmpdir(), 'ledger-deploy-'));
    });
    afterAll(async () => {
      await rm(scratch, { recursive: true, force: true });
    });

    /** Copies deploy/, replaces `from` with `to` in `file` (which must change it), and checks the copy. */
    async function problemsAfter(file: string, from: string | RegExp, to: string): Promise<string[]> {
      const dir = await mkdtemp(path.join(scratch, 'case-'));
      await cp(DEPLOY_DIR, dir, { recursive: true });
      const target = path.join(dir, file);
      const before = await readFile(target, 'utf8');
      const after = before.replace(from, to);
      expect(after, `the mutation of ${file} changes nothing`).not.toBe(before);
      await writeFile(target, after);
      return checkManifests(dir);
    }

    it.each([
      [
        'a value of the wrong type (schema)',
        'deployment.yaml',
        'replicas: 3',
        'replicas: three',
        /does not match the Kubernetes schema.*replicas/,
      ],
      [
        'a required field missing (schema)',
        'deployment.yaml',
        /- name: server\n\s+image:/,
        '- image:',
        /does not match the Kubernetes schema.*name/,
      ],
      ['a kind with no schema here', 'service.yaml', 'kind: Service', 'kind: Servicee', /no schema for v1\/Servicee/],
      ['not 3 replicas', 'deployment.yaml', 'replicas: 3', 'replicas: 2', /replicas is 2, not 3/],
      ['readiness on the wrong path', 'deployment.yaml', 'path: /readyz', 'path: /health', /readinessProbe is not GET \/readyz/],
      [
        'liveness on the wrong port',
        'deployment.yaml',
        /(livenessProbe:\n\s+httpGet:\n\s+path: \/livez\n\s+port:) http/,
        '$1 8080',
        /livenessProbe does not probe/,
      ],
      [
        'a grace period shorter than the shutdown',
        'deployment.yaml',
        'terminationGracePeriodSeconds: 30',
        'terminationGracePeriodSeconds: 12',
        /terminationGracePeriodSeconds 12/,
      ],
      [
        'a PodDisruptionBudget that selects other pods',
        'poddisruptionbudget.yaml',
        /(matchLabels:\n[\s\S]*component:) server/,
        '$1 worker',
        /selector does not match the Deployment/,
      ],
      [
        'a migration Job without MIGRATION_DATABASE_URL',
        'migrate-job.yaml',
        /- name: MIGRATION_DATABASE_URL[\s\S]*?key: MIGRATION_DATABASE_URL/,
        '- name: OTHER_URL\n              valueFrom:\n                secretKeyRef:\n                  name: booking-ledger-secrets\n                  key: OTHER_URL',
        /MIGRATION_DATABASE_URL does not come from a Secret/,
      ],
      [
        'a literal database URL',
        'deployment.yaml',
        /(- name: DATABASE_URL\n)\s+valueFrom:[\s\S]*?optional: true\n/,
        `$1              value: ${LITERAL_DATABASE_URL}\n`,
        /database URL with a password|set to a literal value/,
      ],
      [
        'a secret in the ConfigMap',
        'configmap.yaml',
        'LOG_LEVEL: info',
        'LOG_LEVEL: info\n  STRIPE_SECRET_KEY: placeholder',
        /STRIPE_SECRET_KEY is a secret/,
      ],
      [
        'a root filesystem left writable',
        'migrate-job.yaml',
        'readOnlyRootFilesystem: true',
        'readOnlyRootFilesystem: false',
        /root filesystem is writable/,
      ],
      [
        'an image from elsewhere',
        'deployment.yaml',
        /image: \$\{AWS_ACCOUNT_ID\}[^\n]*/,
        'image: booking-ledger:latest',
        /image is booking-ledger:latest/,
      ],
      ['an unknown placeholder', 'configmap.yaml', 'LOG_LEVEL: info', 'LOG_LEVEL: ${LOG_LEVEL}', /unknown placeholder \$\{LOG_LEVEL\}/],
      ['a manifest kustomization.yaml does not list', 'kustomization.yaml', '  - service.yaml\n', '', /does not list service.yaml/],
    ] as const)('%s', async (_case, file, from, to, expected) => {
      const problems = await problemsAfter(file, from, to);
      expect(problems.join('\n')).toMatch(expected);
    });
  });
});
