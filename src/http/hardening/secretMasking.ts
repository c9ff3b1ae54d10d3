/** What a log line shows instead of a secret. */
export const REDACTED = '[redacted]';

/**
 * Field names whose values are credentials or card data wherever they appear (headers, bodies,
 * provider responses, error properties): compared lower-cased with `-` and `_` removed, so
 * `client_secret`, `clientSecret` and `Stripe-Signature` all match.
 */
const sensitiveNameParts = [
  'authorization',
  'cookie',
  'password',
  'passwd',
  'secret',
  'token',
  'card',
  'cvc',
  'cvv',
  'signature',
  'apikey',
  'privatekey',
] as const;

export function isSensitiveName(name: string): boolean {
  const normalized = name.toLowerCase().replaceAll(/[-_]/g, '');
  return sensitiveNameParts.some((part) => normalized.includes(part));
}

/**
 * Field and query parameter names whose values are a customer's personal data (LGPD / GDPR: API.md
 * "Personal data"): never logged, whatever route or error carries them. `customer` covers the
 * `{ name, email }` object of a hold; a bare `name` is left alone (consumers, tasks and errors have one).
 */
const personalNames = new Set(['email', 'emails', 'customer', 'customername', 'customeremail', 'phone']);

export function isPersonalName(name: string): boolean {
  return personalNames.has(name.toLowerCase().replaceAll(/[-_]/g, ''));
}

/**
 * E-mail addresses in free text (messages, URLs, stacks), as typed or percent-encoded in a URL. The
 * local part may hold what RFC 5322 allows except `/ ? = &`, which would swallow a URL's path and
 * query around an address; an address with those (very rare) is not recognised in text.
 */
const emailShapes: readonly RegExp[] = [
  /[\w.!#$%'*+^`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g,
  /[\w.!#$%'*+^`{|}~-]+%40[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/gi,
];

export const PERSONAL_DATA = '[personal]';

export function maskPersonalDataInText(text: string): string {
  let masked = text;
  for (const shape of emailShapes) masked = masked.replace(shape, PERSONAL_DATA);
  return masked;
}

/** What a log line may show of free text: no secret-shaped text, no e-mail address. */
export function maskLoggedText(text: string): string {
  return maskPersonalDataInText(maskSecretsInText(text));
}

/**
 * Secrets recognisable by their shape, for free text (messages, URLs, error stacks): a JWT
 * (every Cognito token), a bearer credential, provider keys and signatures, AWS access key ids.
 */
const secretShapes: readonly (readonly [RegExp, string])[] = [
  [/\beyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]*/g, '[redacted-jwt]'],
  [/\b(bearer|basic)\s+[^\s,;"']+/gi, `$1 ${REDACTED}`],
  [/\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{8,}/g, REDACTED],
  [/\bwhsec_[0-9A-Za-z_]{4,}/g, REDACTED],
  [/\bv[01]=[0-9a-fA-F]{32,}/g, `v1=${REDACTED}`],
  [/\b(?:APP_USR|TEST)-[0-9A-Za-z-]{16,}/g, REDACTED],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
];

export function maskSecretsInText(text: string): string {
  let masked = text;
  for (const [shape, replacement] of secretShapes) masked = masked.replace(shape, replacement);
  return masked;
}

/** A URL with the values of sensitive and personal query parameters, secret-shaped text and e-mail addresses removed. */
export function maskUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart < 0) return maskLoggedText(url);
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const name = pair.split('=', 1)[0] ?? '';
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        // A malformed escape stays as sent; the name is still checked undecoded.
      }
      if (isSensitiveName(decoded)) return `${name}=${REDACTED}`;
      return isPersonalName(decoded) ? `${name}=${PERSONAL_DATA}` : pair;
    })
    .join('&');
  return maskLoggedText(`${url.slice(0, queryStart)}?${query}`);
}

const MAX_DEPTH = 8;

function isPlainData(value: object): boolean {
  if (Array.isArray(value)) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of plain logged data (objects, arrays, strings) in which every field named like a
 * credential is `[redacted]`, every field named like personal data `[personal]`, and secret-shaped
 * text and e-mail addresses are masked, at any depth. Class instances
 * (requests, errors, buffers) are left to their serializers and the redact paths.
 */
function maskedField(key: string, item: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (isSensitiveName(key)) return REDACTED;
  if (isPersonalName(key)) return PERSONAL_DATA;
  return scrubSecrets(item, depth + 1, seen);
}

export function scrubSecrets(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return maskLoggedText(value);
  if (value === null || typeof value !== 'object' || !isPlainData(value)) return value;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[too deep]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1, seen));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    // defineProperty, not assignment: a logged `__proto__` key stays data and never becomes the prototype.
    Object.defineProperty(copy, key, {
      value: item === undefined || item === null ? item : maskedField(key, item, depth, seen),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy;
}
