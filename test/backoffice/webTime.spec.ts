import { describe, expect, it } from 'vitest';
import { initialLocale } from '../../web/src/i18n.js';
import { addDays, offsetMinutes, wallTimeToInstant } from '../../web/src/time.js';

/** The web app's pure parts: departures are entered on the activity's wall clock, whatever the browser's zone. */
describe('backoffice web app: wall times in an activity time zone', () => {
  it('turns a wall time into the instant it names in that zone', () => {
    expect(wallTimeToInstant('2026-12-08T09:30', 'America/Sao_Paulo').toISOString()).toBe('2026-12-08T12:30:00.000Z');
    expect(wallTimeToInstant('2026-07-01T09:30', 'Europe/Lisbon').toISOString()).toBe('2026-07-01T08:30:00.000Z');
    expect(wallTimeToInstant('2026-01-15T09:30', 'Europe/Lisbon').toISOString()).toBe('2026-01-15T09:30:00.000Z');
    expect(wallTimeToInstant('2026-12-08T09:30', 'Asia/Kolkata').toISOString()).toBe('2026-12-08T04:00:00.000Z');
  });

  it('uses the offset in force at the answer on the day a zone changes its clocks', () => {
    // Lisbon moves from +00:00 to +01:00 at 01:00 UTC on 2026-03-29: 09:00 that morning is already summer time.
    expect(wallTimeToInstant('2026-03-29T09:00', 'Europe/Lisbon').toISOString()).toBe('2026-03-29T08:00:00.000Z');
    // Santiago goes back from -03:00 to -04:00 in April 2026: the evening after is on -04:00.
    const evening = wallTimeToInstant('2026-04-05T20:00', 'America/Santiago');
    expect(offsetMinutes('America/Santiago', evening)).toBe(-240);
    expect(evening.toISOString()).toBe('2026-04-06T00:00:00.000Z');
  });

  it('counts days on the calendar, across month and year ends', () => {
    expect(addDays('2026-12-29', 7)).toBe('2027-01-05');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('speaks the stored language, else the browser one when it is ours, else pt-BR', () => {
    expect(initialLocale('es', ['en-US'])).toBe('es');
    expect(initialLocale(null, ['de-DE', 'en-GB'])).toBe('en');
    expect(initialLocale(null, ['pt-PT'])).toBe('pt-BR');
    expect(initialLocale('fr', ['fr-FR'])).toBe('pt-BR');
  });
});
