import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { masterKeyWrapper } from '../../src/privacy/keyWrapping.js';
import { kmsKeyWrapper } from '../../src/privacy/kmsKeyWrapper.js';
import { createPersonalData } from '../../src/privacy/personalData.js';
import { ERASED, openText, sealedKeyId, SealedTextError, sealText } from '../../src/privacy/sealedText.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { startFakeKms } from '../support/providers/fakeKms.js';
import { withTransaction } from '../../src/db/transaction.js';

describe('sealed text', () => {
  const dataKey = { keyId: randomUUID(), key: randomBytes(32) };

  it('opens what it sealed, and names its key', () => {
    const sealed = sealText(dataKey, 'Ana Souza ção');
    expect(sealed).not.toContain('Ana');
    expect(sealedKeyId(sealed)).toBe(dataKey.keyId);
    expect(openText(dataKey, sealed)).toBe('Ana Souza ção');
    // A fresh IV each time: equal names are not equal ciphertexts.
    expect(sealText(dataKey, 'Ana')).not.toBe(sealText(dataKey, 'Ana'));
  });

  it('refuses a tampered value, another key, or a value moved under another key id', () => {
    const sealed = sealText(dataKey, 'ana@example.com');
    // A character inside the payload (the last one may carry only padding bits).
    const at = sealed.length - 10;
    const other = sealed[at] === 'A' ? 'B' : 'A';
    expect(() => openText(dataKey, `${sealed.slice(0, at)}${other}${sealed.slice(at + 1)}`)).toThrow();
    expect(() => openText({ keyId: dataKey.keyId, key: randomBytes(32) }, sealed)).toThrow();
    const otherId = randomUUID();
    expect(() => openText({ keyId: otherId, key: dataKey.key }, sealed.replace(dataKey.keyId, otherId))).toThrow();
    expect(() => openText({ keyId: otherId, key: dataKey.key }, sealed)).toThrow(SealedTextError);
  });

  it('leaves a value recorded before sealing alone', () => {
    expect(sealedKeyId('ana@example.com')).toBeNull();
  });
});

describe('personal data over a real database', () => {
  let db: TestDatabase;
  let kms: Awaited<ReturnType<typeof startFakeKms>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    kms = await startFakeKms();
  });
  afterAll(async () => {
    await kms.close();
    await db.drop();
  });

  it('wraps data keys with KMS through the real SDK, once per customer, and caches the unwrapped key', async () => {
    const wrapper = kmsKeyWrapper({ keyId: kms.keyId, region: 'eu-west-1', endpointUrl: kms.url });
    process.env.AWS_ACCESS_KEY_ID ??= 'test-access-key';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test-secret-key';
    const personalData = createPersonalData(db.pool, wrapper);
    const tenantId = `tenant-${randomUUID()}`;
    const seal = (customer: { name: string; email: string }) =>
      withTransaction(db.pool, async (tx) => {
        const { sealed, keep } = await personalData.sealCustomer(tx, tenantId, customer);
        keep();
        return sealed;
      });
    const first = await seal({ name: 'Ana', email: 'ana@example.com' });
    const again = await seal({ name: 'Ana S.', email: 'ANA@example.com' });
    expect(sealedKeyId(first.email)).toBe(sealedKeyId(again.email));
    // One wrap for the lookup secret, one for Ana's data key; the second hold wrapped nothing.
    expect(kms.calls.Encrypt).toBe(2);
    const opened = await withTransaction(db.pool, (tx) => personalData.openTexts(tx, [first.name, again.name, 'plain']), { tenantId });
    expect(opened).toEqual(['Ana', 'Ana S.', 'plain']);

    // Another process (a fresh cache) unwraps through KMS; another tenant sees no such key.
    const elsewhere = createPersonalData(db.pool, wrapper);
    const decryptsBefore = kms.calls.Decrypt;
    expect(await withTransaction(db.pool, (tx) => elsewhere.openCustomer(tx, first), { tenantId })).toEqual({
      name: 'Ana',
      email: 'ana@example.com',
    });
    expect(kms.calls.Decrypt).toBe(decryptsBefore + 1);
    expect(await withTransaction(db.pool, (tx) => elsewhere.openCustomer(tx, first), { tenantId: 'another-tenant' })).toEqual({
      name: ERASED,
      email: ERASED,
    });
  });

  it('stops at a KMS failure instead of storing anything unwrapped', async () => {
    const wrapper = kmsKeyWrapper({ keyId: 'alias/not-there', region: 'eu-west-1', endpointUrl: kms.url });
    // The lookup secret exists already (first test); a new customer's data key must be wrapped by KMS.
    const failing = createPersonalData(db.pool, wrapper);
    await expect(
      withTransaction(db.pool, (tx) => failing.sealCustomer(tx, 'tenant-x', { name: 'Bo', email: 'bo@example.com' })),
    ).rejects.toThrow(/not found/);
    const { rows } = await db.asOwner<{ n: number }>(`SELECT count(*)::int AS n FROM customer_data_keys WHERE tenant_id = 'tenant-x'`);
    expect(rows[0]?.n).toBe(0);
  });

  it('refuses a master key that cannot open the stored lookup secret (another deployment key)', async () => {
    const stranger = createPersonalData(db.pool, masterKeyWrapper(randomBytes(32), 'another key'));
    await expect(stranger.customerKey('tenant-y', 'ana@example.com')).rejects.toThrow();
  });
});
