import { Eta } from 'eta';
import { convert } from 'html-to-text';
import type { CustomerEmailKind } from '../domain/customerEmail.js';
import type { CustomerLocale } from '../domain/customerLocale.js';
import type { Money } from '../domain/money.js';
import { formatLocalTimeFor, formatMoneyFor } from './formatForLocale.js';
import { en } from './messages/en.js';
import { es } from './messages/es.js';
import type { MailMessages } from './messages/mailMessages.js';
import { ptBR } from './messages/pt-BR.js';
import { cancelledTemplate } from './templates/cancelled.js';
import { expiredTemplate } from './templates/expired.js';
import { holdTemplate } from './templates/hold.js';
import { factsTemplate, layoutTemplate } from './templates/layout.js';
import { paidTemplate } from './templates/paid.js';
import { refundedTemplate } from './templates/refunded.js';

/** What an e-mail about a reservation says, as read when it is sent. */
export type CustomerEmailFacts = {
  readonly kind: CustomerEmailKind;
  readonly locale: CustomerLocale;
  readonly customerName: string;
  readonly reservationId: string;
  readonly activityName: string;
  readonly startsAt: string;
  /** The activity's IANA zone: the departure is shown on its wall clock. */
  readonly timeZone: string;
  readonly seats: number;
  readonly total: Money;
  /** Until when the hold waits for its payment. */
  readonly expiresAt: string;
  /** A cancelled paid reservation: its refund is on its way. */
  readonly refundPending: boolean;
  /** How to pay a hold, from the payment that was started. */
  readonly checkoutUrl?: string;
  readonly pixCode?: string;
};

export type RenderedEmail = { readonly subject: string; readonly html: string; readonly text: string };

const MESSAGES: Readonly<Record<CustomerLocale, MailMessages>> = { 'pt-BR': ptBR, es, en };

const TEMPLATES: Readonly<Record<CustomerEmailKind, string>> = {
  hold: holdTemplate,
  paid: paidTemplate,
  cancelled: cancelledTemplate,
  refunded: refundedTemplate,
  expired: expiredTemplate,
};

// Escaping is on for every `<%= %>`: names and codes come from customers and providers.
const eta = new Eta({ autoEscape: true, autoTrim: false, cache: true });
eta.loadTemplate('@layout', layoutTemplate);
eta.loadTemplate('@facts', factsTemplate);
for (const [kind, template] of Object.entries(TEMPLATES)) eta.loadTemplate(`@${kind}`, template);

/** The e-mail in the customer's language: one template per kind gives the HTML, and the plain text is read from it. */
export function renderCustomerEmail(facts: CustomerEmailFacts): RenderedEmail {
  const m = MESSAGES[facts.locale];
  const subject = m.subject[facts.kind](facts.activityName);
  const html = eta.render(`@${facts.kind}`, {
    m,
    subject,
    customerName: facts.customerName,
    activity: facts.activityName,
    departure: formatLocalTimeFor(facts.locale, facts.startsAt, facts.timeZone),
    seats: facts.seats,
    total: formatMoneyFor(facts.locale, facts.total),
    reservationId: facts.reservationId,
    deadline: formatLocalTimeFor(facts.locale, facts.expiresAt, facts.timeZone),
    refundPending: facts.refundPending,
    checkoutUrl: facts.checkoutUrl,
    pixCode: facts.pixCode,
  });
  const text = convert(html, {
    // No wrapping: a Pix code or a link cut in two cannot be copied.
    wordwrap: false,
    selectors: [
      // Links keep their address in the text; a Pix code must stay on one line to be copied whole.
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      { selector: 'pre', format: 'block', options: {} },
      { selector: 'h2', options: { uppercase: false } },
      { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false, maxColumnWidth: 200 } },
    ],
  });
  return { subject, html, text };
}
