import { createHash } from 'node:crypto';

/**
 * A strong entity tag (RFC 9110 §8.8.3) of a response body: its SHA-256, so two bodies share a tag
 * only if they are the same bytes, whichever instance answered.
 */
export function strongEntityTag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}

/**
 * Whether `If-None-Match` names `tag` (or is `*`): the client's copy is current, so the answer is a
 * 304. The weak comparison RFC 9110 §13.1.2 asks for here: a `W/` prefix does not matter.
 */
export function noneMatchHolds(ifNoneMatch: string | undefined, tag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = (candidate: string) => candidate.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => candidate.trim() === '*' || opaque(candidate) === tag);
}
