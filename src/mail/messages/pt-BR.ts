import type { MailMessages } from './mailMessages.js';

export const ptBR: MailMessages = {
  htmlLang: 'pt-BR',
  subject: {
    hold: (activity) => `Sua reserva de ${activity}: como pagar`,
    paid: (activity) => `Seu voucher: ${activity}`,
    cancelled: (activity) => `Reserva cancelada: ${activity}`,
    refunded: (activity) => `Reembolso concluído: ${activity}`,
    expired: (activity) => `Reserva expirada: ${activity}`,
  },
  greeting: (name) => `Olá, ${name}!`,
  labels: { activity: 'Atividade', departure: 'Saída', seats: 'Lugares', total: 'Total', reservation: 'Reserva' },
  hold: {
    intro: 'Seus lugares estão reservados enquanto aguardamos o pagamento.',
    payByLink: 'Pague pelo link abaixo:',
    payButton: 'Pagar agora',
    payByPix: 'Pague com Pix copiando este código no app do seu banco:',
    payOnSite: 'Conclua o pagamento no site em que você fez a reserva.',
    until: (deadline) => `A reserva vale até ${deadline}.`,
  },
  paid: { intro: 'Pagamento confirmado. Este é o seu voucher.', voucher: 'Voucher', showIt: 'Apresente este e-mail no embarque.' },
  cancelled: {
    intro: 'Sua reserva foi cancelada.',
    refundToFollow: 'O valor pago será devolvido; avisaremos quando o reembolso for concluído.',
  },
  refunded: { intro: (total) => `Devolvemos ${total} pela forma de pagamento usada.` },
  expired: { intro: 'O prazo para pagar terminou e os lugares foram liberados. Você pode fazer uma nova reserva quando quiser.' },
  signOff: 'Até breve!',
};
