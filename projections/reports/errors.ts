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
