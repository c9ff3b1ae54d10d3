import { randomUUID } from 'node:crypto';
import { chmod, link, rm, stat, writeFile } from 'node:fs/promises';

/**
 * Creates `path` with `text` unless it exists, atomically: the content goes to a private temporary
 * file that is hard-linked into place, which fails if another process (the server and a CLI command
 * may race) got there first. Nobody reads a half-written key, and the first writer wins for
 * everyone. Returns whether this call created the file.
 */
export async function createPrivateFileOnce(path: string, text: string): Promise<boolean> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    await writeFile(temporary, text, { mode: 0o600, flag: 'wx' });
    await link(temporary, path);
    return true;
  } catch (error) {
    // Only link() can meet an existing `path`: the temporary name is fresh.
    if (isErrnoException(error) && error.code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

/** A key file readable by other local users would let them sign as this server. */
export async function restrictToOwner(path: string): Promise<void> {
  if (process.platform === 'win32') return;
  const { mode } = await stat(path);
  if ((mode & 0o077) !== 0) await chmod(path, 0o600);
}

export function isErrnoException(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && 'code' in error;
}
