import type { z } from 'zod';
import { problem, ProblemError } from './problem.js';

/** Parses a request part with its zod schema; a mismatch is a 400 that names the offending fields. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, part: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const detail = result.error.issues
    .slice(0, 5)
    .map((issue) => `${[part, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
  throw new ProblemError(problem(400, 'invalid_request', detail));
}
