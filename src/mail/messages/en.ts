import type { MailMessages } from './mailMessages.js';

export const en: MailMessages = {
  htmlLang: 'en',
  subject: {
    hold: (activity) => `Your ${activity} booking: how to pay`,
    paid: (activity) => `Your voucher: ${activity}`,
    cancelled: (activity) => `Booking cancelled: ${activity}`,
    refunded: (activity) => `Refund completed: ${activity}`,
    expired: (activity) => `Booking expired: ${activity}`,
  },
  greeting: (name) => `Hello ${name},`,
  labels: { activity: 'Activity', departure: 'Departure', seats: 'Seats', total: 'Total', reservation: 'Booking' },
  hold: {
    intro: 'Your seats are held while we wait for your payment.',
    payByLink: 'Pay through this link:',
    payButton: 'Pay now',
    payByPix: 'Pay with Pix by pasting this code into your banking app:',
    payOnSite: 'Finish paying on the site where you booked.',
    until: (deadline) => `The hold lasts until ${deadline}.`,
  },
  paid: { intro: 'Payment confirmed. Here is your voucher.', voucher: 'Voucher', showIt: 'Show this e-mail when you board.' },
  cancelled: {
    intro: 'Your booking was cancelled.',
    refundToFollow: 'What you paid will be refunded; we will tell you when the refund is done.',
  },
  refunded: { intro: (total) => `We refunded ${total} to the payment method you used.` },
  expired: { intro: 'The time to pay ran out and the seats were released. You are welcome to book again.' },
  signOff: 'See you soon!',
};
