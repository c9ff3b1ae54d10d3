import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestLedger, type TestLedger } from '../support/ledgerServer.js';

let ledger: TestLedger;

beforeAll(async () => {
  ledger = await startTestLedger();
});
afterAll(async () => {
  await ledger.close();
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('security headers', () => {
  // A success, an authentication failure, an authorization failure, an unknown route, a bad body.
  const requests: [string, () => ReturnType<TestLedger['call']>][] = [
    ['200 health', () => ledger.call('GET', '/health')],
    ['401 no token', () => ledger.call('GET', '/v1/slots/s1')],
    ['404 slot', () => ledger.call('GET', '/v1/slots/s1', { token: ledger.token({}) })],
    ['403 audit', () => ledger.call('GET', '/v1/audit/streams/slot-s1', { token: ledger.token({}) })],
    ['404 route', () => ledger.call('GET', '/nowhere')],
    ['400 bad json', () => ledger.call('PUT', '/v1/slots/s1', { token: ledger.token({ groups: ['admin'] }), body: '{"x":' })],
  ];

  it.each(requests)('sets helmet headers for a JSON API on %s', async (_name, send) => {
    const res = await send();
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security')).toMatch(/max-age=31536000; includeSubDomains/);
    expect(res.headers.get('x-dns-prefetch-control')).toBe('off');
    expect(res.headers.get('x-powered-by')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-request-id')).toMatch(uuid);
  });

  it('keeps a sane X-Request-Id sent by the caller and echoes it', async () => {
    for (const sent of ['client-chosen-id', 'a', '1-67891233-abcdef012345678912345678', 'req_01.HX:9', 'x'.repeat(128)]) {
      const res = await ledger.call('GET', '/health', { headers: { 'x-request-id': sent } });
      expect(res.headers.get('x-request-id'), sent).toBe(sent);
    }
  });

  it('gives a fresh id of its own when the sent one is not sane (too long, spaces, quotes, other characters)', async () => {
    const ids = new Set<string>();
    for (const sent of ['x'.repeat(129), 'two words', 'quote"d', 'a/b', '<script>', 'ünïcode', 'semi;colon']) {
      const res = await ledger.call('GET', '/health', { headers: { 'x-request-id': sent } });
      const id = res.headers.get('x-request-id');
      expect(id, sent).toMatch(uuid);
      ids.add(id!);
    }
    expect(ids.size).toBe(7);
    expect((await ledger.call('GET', '/health')).headers.get('x-request-id')).toMatch(uuid);
  });
});

describe('requests refused before routing', () => {
  it('answers an undecodable URL with 400 problem+json, not fastify’s own JSON', async () => {
    for (const path of ['/v1/slots/%zz', '/v1/reservations/%c0%ae%c0%ae', '/v1/audit/streams/%']) {
      const res = await ledger.call('GET', path, { token: ledger.token({ groups: ['auditor'] }) });
      expect(res.status, path).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'invalid_request', status: 400 });
      expect(res.headers.get('x-request-id')).toMatch(uuid);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('lets the schemas, not the router, judge long ids: a 150-character stream id is a 404, a 600-character one a 400', async () => {
    const auditor = ledger.token({ groups: ['auditor'] });
    const long = await ledger.call('GET', `/v1/audit/streams/slot-${'s'.repeat(145)}`, { token: auditor });
    expect(long.status).toBe(404);
    const huge = await ledger.call('GET', `/v1/audit/streams/${'s'.repeat(600)}`, { token: auditor });
    expect(huge.status).toBe(400);
    expect(huge.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('refuses an encoded NUL anywhere in the URL with 400 (PostgreSQL text cannot hold one)', async () => {
    for (const path of ['/v1/audit/streams/a%00b', '/v1/slots/%00', '/v1/audit/reservations/x?at=%00']) {
      const res = await ledger.call('GET', path, { token: ledger.token({ groups: ['auditor'] }) });
      expect(res.status, path).toBe(400);
      expect(res.body.code).toBe('invalid_request');
    }
  });

  it('answers a malformed HTTP request with a problem+json 400 and closes the connection', async () => {
    const { port } = new URL(ledger.url);
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => socket.write('GET /health HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('utf8')));
      socket.on('close', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(raw).toMatch(/content-type: application\/problem\+json/i);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ status: 400, code: 'invalid_request' });
  });
});
