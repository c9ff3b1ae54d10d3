import type { StoredResponse } from '../idempotency.js';
import type { Outcome } from '../outcome.js';
import type { CommandEnd } from './command.js';

/** An idempotent command's answer: the response it decided, or the one it replayed. */
export function replayedOrDecided(
  outcome: Outcome<CommandEnd<StoredResponse>>,
): Outcome<{ readonly response: StoredResponse; readonly replayed: boolean }> {
  if (!outcome.ok) return outcome;
  const end = outcome.value;
  switch (end.kind) {
    case 'decided':
      return { ok: true, value: { response: end.result, replayed: false } };
    case 'replayed':
      return { ok: true, value: { response: end.response, replayed: true } };
    case 'duplicate':
      throw new Error('an idempotency claim cannot end as a duplicate delivery');
  }
}

/** The result of a command that claims nothing: it can only have decided. */
export function decidedResult<Result>(outcome: Outcome<CommandEnd<Result>>): Outcome<Result> {
  if (!outcome.ok) return outcome;
  if (outcome.value.kind !== 'decided') throw new Error(`a command without a claim ended as ${outcome.value.kind}`);
  return { ok: true, value: outcome.value.result };
}
