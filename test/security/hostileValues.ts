import fc from 'fast-check';

// The hostile values the route fuzzer (fuzzEveryRoute.e2e.spec.ts) puts into one part of an
// otherwise valid request: strings PostgreSQL cannot store, very long and odd unicode, numbers
// past what JSON or an integer column holds, instants outside years 1–9999, and header values.

const LONE_SURROGATES = ['\ud800', '\udfff', 'x\ud800', '\udc00x', 'a\ud83db', '\ude00\ud83d'];
const NUL = ['\u0000', 'a\u0000b', 'evt_\u0000', '\u0000'.repeat(10)];
const UNICODE_ODDITIES = [
  '',
  ' ',
  '\t\n\r',
  '\uFEFF',
  '\u202Eevil',
  '\u200B\u200C\u200D',
  'e\u0301\u0301\u0301',
  '\uFFFE\uFFFF',
  '\u{10FFFF}',
  'İıſ',
  '😀'.repeat(50),
  '\u0085\u2028\u2029',
  '%00',
  '%ed%a0%80',
];
const INJECTION_LOOKING = [
  "' OR '1'='1",
  "'; DROP TABLE events; --",
  '$$; TRUNCATE events; $$',
  '../../etc/passwd',
  '${jndi:ldap://127.0.0.1/x}',
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
];
/** Instants and days outside years 1–9999 (some only once their offset is applied), and ones that are no instant. */
export const HOSTILE_INSTANTS = [
  '0000-01-01T00:00:00Z',
  '0000-12-31T23:59:59Z',
  '0001-01-01T00:30:00+01:00',
  '9999-12-31T23:00:00-05:00',
  '10000-01-01T00:00:00Z',
  '+010000-01-01T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '0000-01-01',
  '0001-01-01',
  '9999-12-31',
  '10000-01-01',
  '-0001-01-01',
  '2026-02-30T00:00:00Z',
  '2026-13-01',
  '2026-12-01T24:00:00Z',
  '2026-12-01T09:00:00+25:00',
  '2026-12-01T09:00:00.1234567890123Z',
  '2026-12-01 09:00:00',
  'yesterday',
];
const NUMBER_TEXTS = ['NaN', 'Infinity', '-Infinity', '1e400', '-0', '0x10', ' 1', '1 ', '1.0', '9007199254740993', '-1', '1e3', '١'];

const hostileText = fc.oneof(
  fc.constantFrom(...LONE_SURROGATES, ...NUL, ...UNICODE_ODDITIES, ...INJECTION_LOOKING),
  // Any UTF-16 code units: lone surrogates among them.
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.tuple(fc.constantFrom(...LONE_SURROGATES, ...NUL), fc.string({ maxLength: 10 })).map(([odd, rest]) => `${rest}${odd}${rest}`),
  fc.integer({ min: 129, max: 5_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 20_000, max: 40_000 }).map((n) => 'é'.repeat(n)),
);

const hostileInstant = fc.oneof(
  fc.constantFrom(...HOSTILE_INSTANTS),
  fc.constantFrom(0, 1, 9999, 10_000).map((year) => `${String(year).padStart(4, '0')}-${year === 9999 ? '12-31' : '01-01'}`),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.record({ year: fc.integer({ min: 0, max: 10_000 }), offset: fc.integer({ min: -14, max: 14 }) }).map(({ year, offset }) => {
    const sign = offset < 0 ? '-' : '+';
    return `${String(year).padStart(4, '0')}-01-01T00:00:00${sign}${String(Math.abs(offset)).padStart(2, '0')}:00`;
  }),
);

const hostileNumber = fc.oneof(
  fc.constantFrom(-1, 0, -0, 0.5, 1.5, 1_001, 100_001, 2 ** 31, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1e308, Number.MIN_VALUE),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
);

/** A JSON value for one field of a body: a hostile string, number or instant, or a value of another type. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileText },
  { weight: 2, arbitrary: hostileInstant },
  { weight: 2, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.constantFrom(...NUMBER_TEXTS) },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }), fc.array(hostileText, { maxLength: 3 })),
  },
);

/** A query parameter's value before it is encoded into the URL. */
export const hostileQueryValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: hostileText },
  { weight: 3, arbitrary: hostileInstant },
  { weight: 1, arbitrary: fc.constantFrom(...NUMBER_TEXTS) },
);

/**
 * Percent-encodes any UTF-16 string, lone surrogates included (encodeURIComponent throws on them):
 * a lone surrogate becomes its three-byte (CESU-8) form, which is not valid UTF-8.
 */
export function encodeForUrl(value: string): string {
  let encoded = '';
  for (let i = 0; i < value.length; i += 1) {
    const unit = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      encoded += encodeURIComponent(value.slice(i, i + 2));
      i += 1;
    } else if (unit >= 0xd800 && unit <= 0xdfff) {
      encoded += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else {
      encoded += encodeURIComponent(value[i]!);
    }
  }
  return encoded;
}

/** A path segment as sent: an encoded hostile string or instant, or raw escapes that do not decode. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(hostileText, hostileInstant).map(encodeForUrl) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('%zz', '%', '%c0%ae%c0%ae', '%ed%a0%80', '..%2f..%2fetc', '%00', 'a%00b', '%E2%80%AE', '%2e%2e', '.'),
  },
  { weight: 1, arbitrary: fc.uuid().map((id) => id.toUpperCase()) },
);

/** What HTTP forbids in a field value: every control character but tab (the client refuses to send them). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS_BUT_TAB = /[\x00-\x08\x0A-\x1F\x7F]/g;

/** A header value as a client can send it: any UTF-8 bytes (read as latin1) but control characters. */
export const hostileHeaderValue: fc.Arbitrary<string> = fc
  .oneof(
    hostileText,
    fc.constantFrom(
      'Bearer',
      'Bearer ',
      'Basic YWRtaW46YWRtaW4=',
      'text/plain',
      'application/json; charset=utf-16',
      'gzip',
      'a'.repeat(8_000),
    ),
  )
  .map((value) =>
    Buffer.from(value.replaceAll(/[\uD800-\uDFFF]/g, '?'), 'utf8')
      .toString('latin1')
      .replaceAll(CONTROL_CHARACTERS_BUT_TAB, '')
      .slice(0, 10_000),
  );

/** Claims of a correctly signed token holding hostile text where the ledger reads a user, a tenant or groups. */
export const hostileTokenClaims: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.record({ sub: hostileText }),
  fc.record({ email: hostileText }),
  fc.record({ 'custom:tenant_id': fc.constantFrom(...LONE_SURROGATES, ...NUL, 'x'.repeat(5_000)) }),
  fc.record({ 'cognito:groups': fc.array(hostileText, { maxLength: 3 }) }),
  fc.record({ 'cognito:groups': hostileJson }),
);

/** A year and an offset to put into a valid day or instant: the edges of years 1–9999, before and after the offset. */
export type YearShift = { readonly year: string; readonly day: string; readonly offset: string };

export const yearShift: fc.Arbitrary<YearShift> = fc.record({
  year: fc.constantFrom('0000', '0001', '9999', '10000', '-0001', '+010000', '0'),
  /** The first or last day of that year, or the valid value's own month and day. */
  day: fc.constantFrom('01-01', '12-31', ''),
  offset: fc.constantFrom('', 'Z', '+01:00', '-05:00', '+14:00', '-14:00'),
});

const DATE_LIKE = /^\d{4}-\d{2}-\d{2}/;

/**
 * A valid day or instant with its year (and, for an instant, its offset) replaced: the same shape
 * the route expects, so the value passes every check but the year rule, where a bug would hide.
 * Undefined for a value that is no day or instant.
 */
export function shiftYear(valid: string, shift: YearShift): string | undefined {
  if (!DATE_LIKE.test(valid)) return undefined;
  const monthAndDay = shift.day === '' ? valid.slice(5, 10) : shift.day;
  const withYear = `${shift.year}-${monthAndDay}${valid.slice(10)}`;
  if (valid.length === 10 || shift.offset === '') return withYear;
  return withYear.replace(/(Z|[+-]\d{2}:\d{2})$/, shift.offset);
}
