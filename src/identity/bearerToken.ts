import { UnauthorizedError } from './errors.js';

/** The token of an `Authorization: Bearer <token>` header (scheme case-insensitive, RFC 7235). */
export function extractBearerToken(authorizationHeader: string | undefined): string {
  const header = authorizationHeader?.trim();
  if (header === undefined || header === '') throw new UnauthorizedError('missing_authorization');
  const match = /^bearer +(\S+)$/i.exec(header);
  if (match?.[1] === undefined) throw new UnauthorizedError('not_bearer');
  return match[1];
}
