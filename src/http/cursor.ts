import { z } from 'zod';
import type { Keyset } from '../../projections/backoffice/keyset.js';
import { problem, ProblemError } from './problem.js';
import { isoDateTime, slotIdSchema } from './schemas.js';

/** Which list a cursor belongs to, so one list's cursor is never read as another's. */
export type CursorList = 'reservations' | 'payments' | 'slots';

const cursorPayload = z.object({ l: z.enum(['reservations', 'payments', 'slots']), at: isoDateTime, id: z.string() }).strict();

/** Each list's row ids: the back office lists' are uuids (lower case), slots' are the operator's own. */
const idOf: Record<CursorList, z.ZodType<string>> = {
  reservations: z.uuid().transform((id) => id.toLowerCase()),
  payments: z.uuid().transform((id) => id.toLowerCase()),
  slots: slotIdSchema,
};

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
  const id = idOf[list].safeParse(parsed.data.id);
  if (!id.success) throw refused;
  return { at: parsed.data.at, id: id.data };
}
