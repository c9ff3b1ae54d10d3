import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createPrivateFileOnce, isErrnoException, restrictToOwner } from '../fs/privateFile.js';
import { z } from 'zod';
import { DevIdentityError } from './errors.js';

export type DevIdentityFileContents = {
  readonly userPoolId: string;
  readonly clientId: string;
  readonly privateKey: KeyObject;
};

const fileSchema = z.object({
  version: z.literal(1),
  userPoolId: z.string().min(1),
  clientId: z.string().min(1),
  privateKeyPem: z.string().min(1),
  createdAt: z.string(),
});

/** The stored identity, or undefined when the file does not exist yet. */
export async function readDevIdentityFile(path: string): Promise<DevIdentityFileContents | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isErrnoException(error) && error.code === 'ENOENT') return undefined;
    throw new DevIdentityError(path, 'cannot be read', { cause: error });
  }
  await restrictToOwner(path);

  const unusable = (problem: string, cause?: unknown): DevIdentityError =>
    new DevIdentityError(
      path,
      `${problem}; delete the file to create a new dev key (tokens signed with the old one stop working)`,
      cause === undefined ? undefined : { cause },
    );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // Not kept as `cause`: V8's SyntaxError quotes the input, which holds the private key.
    throw unusable('is not valid JSON');
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) throw unusable('does not have the expected fields', parsed.error);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(parsed.data.privateKeyPem);
  } catch (error) {
    throw unusable('holds an unreadable private key', error);
  }
  if (privateKey.asymmetricKeyType !== 'rsa' || (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw unusable('holds a key that is not RSA-2048 or stronger');
  }
  return { userPoolId: parsed.data.userPoolId, clientId: parsed.data.clientId, privateKey };
}

/**
 * Creates the file unless it exists, atomically: the content is written to a private temporary
 * file and hard-linked into place, which fails if another process (the server and `ledger
 * dev-token` may race) got there first. Then nobody can read a half-written key, and the first
 * writer's key wins for everyone. Returns whether this call created it.
 */
export async function createDevIdentityFile(path: string, contents: DevIdentityFileContents): Promise<boolean> {
  const json = JSON.stringify(
    {
      version: 1,
      userPoolId: contents.userPoolId,
      clientId: contents.clientId,
      privateKeyPem: contents.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      createdAt: new Date().toISOString(),
    },
    null,
    2,
  );
  try {
    return await createPrivateFileOnce(path, `${json}\n`);
  } catch (error) {
    throw new DevIdentityError(path, 'cannot be created', { cause: error });
  }
}
