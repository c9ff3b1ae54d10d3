import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { isKnownTimeZone, localDateTime, localDay } from './localTime.js';

describe('localDateTime', () => {
  it('gives the wall-clock time and the offset in force at the instant', () => {
    expect(localDateTime(new Date('2027-01-15T23:00:00Z'), 'America/Argentina/Ushuaia')).toBe('2027-01-15T20:00:00-03:00');
    expect(localDateTime(new Date('2027-01-15T23:00:00Z'), 'America/Sao_Paulo')).toBe('2027-01-15T20:00:00-03:00');
    expect(localDateTime(new Date('2027-07-01T09:00:00Z'), 'UTC')).toBe('2027-07-01T09:00:00+00:00');
    expect(localDateTime(new Date('2027-07-01T09:00:00Z'), 'Asia/Kolkata')).toBe('2027-07-01T14:30:00+05:30');
  });

  it('follows daylight saving time: the same zone has two offsets in a year', () => {
    expect(localDateTime(new Date('2027-01-10T12:00:00Z'), 'Europe/Madrid')).toBe('2027-01-10T13:00:00+01:00');
    expect(localDateTime(new Date('2027-07-10T12:00:00Z'), 'Europe/Madrid')).toBe('2027-07-10T14:00:00+02:00');
    expect(localDateTime(new Date('2027-01-10T12:00:00Z'), 'America/Santiago')).toBe('2027-01-10T09:00:00-03:00');
    expect(localDateTime(new Date('2027-07-10T12:00:00Z'), 'America/Santiago')).toBe('2027-07-10T08:00:00-04:00');
  });

  test.prop([
    fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-12-31T23:59:59Z'), noInvalidDate: true }),
    fc.constantFrom('UTC', 'America/Argentina/Ushuaia', 'Europe/Madrid', 'America/Santiago', 'Asia/Kolkata', 'Pacific/Chatham'),
  ])('names the same instant: parsed back, the local time is the instant (to the second)', (instant, zone) => {
    const local = localDateTime(instant, zone);
    expect(local).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/);
    expect(new Date(local).getTime()).toBe(Math.floor(instant.getTime() / 1000) * 1000);
  });
});

describe('localDay', () => {
  it('counts an evening departure in Brazil on its local day, not the next UTC day', () => {
    expect(localDay(new Date('2027-03-03T01:00:00Z'), 'America/Sao_Paulo')).toBe('2027-03-02');
    expect(localDay(new Date('2027-03-03T01:00:00Z'), 'UTC')).toBe('2027-03-03');
  });
});

describe('isKnownTimeZone', () => {
  it('knows IANA zones and refuses anything else', () => {
    expect(isKnownTimeZone('America/Argentina/Ushuaia')).toBe(true);
    expect(isKnownTimeZone('UTC')).toBe(true);
    expect(isKnownTimeZone('Etc/GMT+3')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus_Mons')).toBe(false);
    // Node 24's ICU takes an offset as a zone; an offset is not an IANA zone.
    expect(isKnownTimeZone('+03:00')).toBe(false);
    expect(isKnownTimeZone('-0300')).toBe(false);
    expect(isKnownTimeZone('')).toBe(false);
    expect(isKnownTimeZone('x'.repeat(65))).toBe(false);
  });
});
