/**
 * The e-mails a customer gets about a reservation, one of each kind at most (API.md): how to pay a
 * hold, the voucher once paid, and word of a cancel, a refund or an expiry.
 */
export const CUSTOMER_EMAIL_KINDS = ['hold', 'paid', 'cancelled', 'refunded', 'expired'] as const;

export type CustomerEmailKind = (typeof CUSTOMER_EMAIL_KINDS)[number];
