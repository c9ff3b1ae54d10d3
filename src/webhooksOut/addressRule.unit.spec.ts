import { describe, expect, it } from 'vitest';
import { addressesOf, type HostResolver, isPublicAddress, judgeTarget } from './addressRule.js';

const production = { production: true };
const elsewhere = { production: false };

describe('the outgoing webhook address rule', () => {
  it.each([
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '127.0.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::',
    'fe80::1',
    'fc00::1',
    'fd12:3456::1',
    '::ffff:10.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:169.254.169.254',
    '2001:db8::1',
    'not-an-address',
  ])('refuses %s as not public', (address) => {
    expect(isPublicAddress(address)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('takes %s as public', (address) => {
    expect(isPublicAddress(address)).toBe(true);
  });

  it('in production takes https to public addresses only, all of them', () => {
    const url = new URL('https://hooks.example.com/in');
    expect(judgeTarget(url, ['93.184.215.14'], production)).toEqual({ allowed: true, address: '93.184.215.14' });
    // One private address among public ones is enough to refuse: the connection could go there.
    expect(judgeTarget(url, ['93.184.215.14', '10.0.0.1'], production)).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('10.0.0.1'),
    });
    expect(judgeTarget(url, ['169.254.169.254'], production)).toMatchObject({ allowed: false });
    expect(judgeTarget(url, ['::1'], production)).toMatchObject({ allowed: false });
    expect(judgeTarget(url, [], production)).toMatchObject({ allowed: false });
    expect(judgeTarget(new URL('http://hooks.example.com/in'), ['93.184.215.14'], production)).toMatchObject({
      allowed: false,
      reason: 'only https URLs are allowed',
    });
  });

  it('outside production allows http and loopback, but no other scheme', () => {
    expect(judgeTarget(new URL('http://127.0.0.1:4000/in'), ['127.0.0.1'], elsewhere)).toEqual({ allowed: true, address: '127.0.0.1' });
    expect(judgeTarget(new URL('ftp://127.0.0.1/in'), ['127.0.0.1'], elsewhere)).toMatchObject({ allowed: false });
  });

  it('judges a name by what the injected resolver says it resolves to', async () => {
    const asked: string[] = [];
    const resolve: HostResolver = async (hostname) => {
      asked.push(hostname);
      return hostname === 'inside.example.com' ? ['10.1.2.3'] : ['93.184.215.14'];
    };
    const inside = new URL('https://inside.example.com/hook');
    expect(judgeTarget(inside, await addressesOf(inside, resolve), production)).toMatchObject({
      allowed: false,
      reason: 'inside.example.com resolves to 10.1.2.3, which is not a public address',
    });
    const outside = new URL('https://outside.example.com/hook');
    expect(judgeTarget(outside, await addressesOf(outside, resolve), production)).toEqual({ allowed: true, address: '93.184.215.14' });
    // An IP literal is its own address: the resolver is not asked about it.
    expect(await addressesOf(new URL('https://[::1]:8443/hook'), resolve)).toEqual(['::1']);
    expect(await addressesOf(new URL('https://10.0.0.1/hook'), resolve)).toEqual(['10.0.0.1']);
    expect(asked).toEqual(['inside.example.com', 'outside.example.com']);
  });
});
