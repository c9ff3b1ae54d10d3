import { z } from 'zod';
import type { Keyset } from '../../projections/backoffice/keyset.js';
import { problem, ProblemError } from './problem.js';
import { isoDateTime } from './schemas.js';

/** Which list a cursor belongs to, so one list's cursor is never read as another's. */
export type CursorList = 'reservations' | 'payments';

const cursorPayload = z.object({ l: z.enum(['reservations', 'payments']), at: isoDateTime, id: z.uuid() }).strict();

/**
 * The opaque `nextCursor`: base64url JSON of the page's keyset. Opaque so clients pass it back
 * untouched and the keyset can change shape without a contract change; it carries no secret.
 */
export function encodeCursor(list: CursorList, keyset: Keyset | null): string | null {
  if (keyset === null) return null;
  return Buffer.from(JSON.stringify({ l: list, at: keyset.at, id: keyset.id }), 'utf8').toString('base64url');
}

export function decodeCursor(list: CursorList, cursor: string | undefined): Keyset | undefined {
  if (cursor === undefined) return undefined;
  const refused = new ProblemError(problem(400, 'invalid_request', 'query.cursor: not a cursor this list issued'));
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw refused;
    throw error;
  }
  const parsed = cursorPayload.safeParse(decoded);
  if (!parsed.success || parsed.data.l !== list) throw refused;
  return { at: parsed.data.at, id: parsed.data.id.toLowerCase() };
}
