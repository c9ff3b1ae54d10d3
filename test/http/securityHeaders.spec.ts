import { describe, expect, it } from 'vitest';
import { helmetHeaders } from '../../src/http/hardening/securityHeaders.js';

describe('helmet headers taken once', () => {
  it('are what helmet sets for the options', () => {
    const headers = helmetHeaders({
      contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"] } },
      frameguard: { action: 'deny' },
    });
    expect(headers['content-security-policy']).toBe("default-src 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses options helmet itself refuses, at start rather than on a request', () => {
    expect(() => helmetHeaders({ referrerPolicy: { policy: 'nonsense' as never } })).toThrow(/Referrer-Policy/);
  });
});
