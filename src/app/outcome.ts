import type { DomainError } from '../domain/errors.js';

/** What a use case can refuse besides the domain's own rules; the HTTP layer maps each kind once. */
export type AppError =
  | DomainError
  | { readonly kind: 'NotFound'; readonly message: string }
  | { readonly kind: 'Forbidden'; readonly message: string }
  | { readonly kind: 'IdempotencyKeyReused'; readonly message: string }
  | { readonly kind: 'IdempotencyKeyInFlight'; readonly message: string };

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: AppError };

export const succeed = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const fail = <T = never>(error: AppError): Outcome<T> => ({ ok: false, error });

export const notFound = (what: string): AppError => ({ kind: 'NotFound', message: `${what} was not found` });
export const forbidden = (message: string): AppError => ({ kind: 'Forbidden', message });

/**
 * Carries a refusal out of a transaction so it rolls back: a refused command writes nothing.
 * Only `runRefusable` creates and catches it.
 */
class Refusal extends Error {
  override readonly name = 'Refusal';
  constructor(readonly error: AppError) {
    super(error.message);
  }
}

export function refuse(error: AppError): never {
  throw new Refusal(error);
}

/** Runs transactional work in which `refuse(...)` rolls back and turns into a failed outcome. */
export async function runRefusable<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return succeed(await work());
  } catch (error) {
    if (error instanceof Refusal) return fail(error.error);
    throw error;
  }
}
