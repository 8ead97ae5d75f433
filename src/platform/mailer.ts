import nodemailer from 'nodemailer';

export type SystemMail = { to: string; subject: string; text: string };
export type Mailer = { configured: boolean; send(mail: SystemMail): Promise<void> };

/**
 * The operator's mail relay for the system's own mail (invitations), from `SMTP_URL`
 * (`smtp://user:pass@host:587`, `smtps://…`); without it nothing can be sent and callers say so.
 * Unlike a channel's SMTP settings, this relay is the operator's, so it may be a private address.
 */
export function createMailer(options: { smtpUrl: string | undefined; from: string }): Mailer {
  if (!options.smtpUrl) {
    return {
      configured: false,
      send: async () => {
        throw new Error('SMTP_URL is not set');
      },
    };
  }
  const transport = nodemailer.createTransport(options.smtpUrl);
  return {
    configured: true,
    async send(mail) {
      await transport.sendMail({ from: options.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}
