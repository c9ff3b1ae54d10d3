import { isEventSchemaError, type RecordedEventInput } from '../../src/aggregates/eventSchema.js';

/** An event the report cannot fold: the consumer stops on it (and retries) rather than count wrong money. */
export class ReportProjectionError extends Error {
  override readonly name = 'ReportProjectionError';
  constructor(
    readonly eventId: string,
    readonly eventType: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot fold ${eventType} ${eventId} into the daily reports: ${message}`, options);
  }
}

/**
 * The event parsed by its aggregate's schema (src/aggregates); one the schema refuses stops the
 * consumer as a ReportProjectionError, with the schema's error as its cause.
 */
export function parsedForReport<E>(
  aggregate: { parseEvent(recorded: RecordedEventInput): E },
  event: RecordedEventInput & { readonly eventId: string },
): E {
  try {
    return aggregate.parseEvent(event);
  } catch (error) {
    if (isEventSchemaError(error)) throw new ReportProjectionError(event.eventId, event.type, error.message, { cause: error });
    throw error;
  }
}
