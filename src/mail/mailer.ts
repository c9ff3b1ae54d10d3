/** One e-mail as it leaves the ledger: to one customer, with an HTML and a plain-text part. */
export type OutgoingEmail = {
  readonly to: string;
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  /** What it is about, for the file name or the provider's tags; no personal data. */
  readonly reservationId: string;
  readonly kind: string;
};

/** Where e-mails go: Amazon SES in production, files in development. `messageId` is the provider's id of the accepted message. */
export type Mailer = {
  /** What the delivery log says the e-mails went through (`ses`, `file`). */
  readonly channel: string;
  send(email: OutgoingEmail): Promise<{ readonly messageId: string }>;
  /**
   * Only a mailer that keeps a copy of what it sent (the development `.eml` files) has it: removes
   * the copies about these reservations, when their customer is erased (ADR 0048).
   */
  removeCopiesOf?(reservationIds: readonly string[]): Promise<void>;
};
