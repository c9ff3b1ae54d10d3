import type { MailMessages } from './mailMessages.js';

export const es: MailMessages = {
  htmlLang: 'es',
  subject: {
    hold: (activity) => `Tu reserva de ${activity}: cómo pagar`,
    paid: (activity) => `Tu bono: ${activity}`,
    cancelled: (activity) => `Reserva cancelada: ${activity}`,
    refunded: (activity) => `Reembolso completado: ${activity}`,
    expired: (activity) => `Reserva caducada: ${activity}`,
  },
  greeting: (name) => `¡Hola, ${name}!`,
  labels: { activity: 'Actividad', departure: 'Salida', seats: 'Plazas', total: 'Total', reservation: 'Reserva' },
  hold: {
    intro: 'Tus plazas están reservadas mientras esperamos el pago.',
    payByLink: 'Paga con el siguiente enlace:',
    payButton: 'Pagar ahora',
    payByPix: 'Paga con Pix copiando este código en la app de tu banco:',
    payOnSite: 'Completa el pago en el sitio donde hiciste la reserva.',
    until: (deadline) => `La reserva es válida hasta el ${deadline}.`,
  },
  paid: { intro: 'Pago confirmado. Este es tu bono.', voucher: 'Bono', showIt: 'Presenta este correo al embarcar.' },
  cancelled: {
    intro: 'Tu reserva ha sido cancelada.',
    refundToFollow: 'Te devolveremos el importe pagado y te avisaremos cuando el reembolso se complete.',
  },
  refunded: { intro: (total) => `Hemos devuelto ${total} al medio de pago que usaste.` },
  expired: { intro: 'El plazo para pagar terminó y las plazas se liberaron. Puedes hacer una nueva reserva cuando quieras.' },
  signOff: '¡Hasta pronto!',
};
