import type { CustomerEmailKind } from '../../domain/customerEmail.js';

/**
 * Every sentence of the customer e-mails in one language: the templates (one per kind) hold the
 * layout, a locale's file holds only its words. Values passed in are already formatted for the
 * locale (money, the departure's local time).
 */
export type MailMessages = {
  /** The `lang` attribute of the HTML. */
  readonly htmlLang: string;
  readonly subject: Readonly<Record<CustomerEmailKind, (activity: string) => string>>;
  readonly greeting: (name: string) => string;
  readonly labels: {
    readonly activity: string;
    readonly departure: string;
    readonly seats: string;
    readonly total: string;
    readonly reservation: string;
  };
  readonly hold: {
    readonly intro: string;
    readonly payByLink: string;
    readonly payButton: string;
    readonly payByPix: string;
    readonly payOnSite: string;
    readonly until: (deadline: string) => string;
  };
  readonly paid: { readonly intro: string; readonly voucher: string; readonly showIt: string };
  readonly cancelled: { readonly intro: string; readonly refundToFollow: string };
  readonly refunded: { readonly intro: (total: string) => string };
  readonly expired: { readonly intro: string };
  readonly signOff: string;
};
