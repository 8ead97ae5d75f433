import { z } from 'zod';
import { normaliseOrigin } from '../../platform/auth/origin.rules.js';
import { badRequest } from '../../platform/errors.js';
import type { ChannelModule } from '../channel-registry.js';
import { alwaysOpen } from '../messaging-window.rules.js';

const origin = z
  .string()
  .trim()
  .max(300)
  .transform((value, context) => {
    const normalised = normaliseOrigin(value);
    if (!normalised) context.addIssue({ code: 'custom', message: `${value} is not an origin (https://shop.example)` });
    return normalised ?? value;
  });

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM');

/**
 * SPEC §7: `allowedOrigins` (an empty list allows every origin) and `identitySecret` (the key a
 * site signs its logged-in user's id with). The rest is how the widget looks and greets.
 */
const settingsSchema = z.strictObject({
  allowedOrigins: z.array(origin).max(50).default([]),
  identitySecret: z.string().min(16, 'at least 16 characters').max(500).optional(),
  /** Refuse visitors without a signed identity (a site whose chat is for logged-in customers only). */
  requireIdentity: z.boolean().default(false),
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, '#rrggbb').default('#2563eb'),
  position: z.enum(['right', 'left']).default('right'),
  greeting: z.string().trim().max(500).default(''),
  /** The contact-form bot: name and email asked before the first message. */
  askName: z.boolean().default(false),
  askEmail: z.boolean().default(false),
  /** When the team answers: weekdays (1 Monday … 7 Sunday) between `opensAt` and `closesAt` in `timezone`. */
  timezone: z.string().max(100).refine((zone) => isTimeZone(zone), 'an IANA time zone (Europe/Berlin)').default('UTC'),
  openDays: z.array(z.coerce.number().int().min(1).max(7)).max(7).default([1, 2, 3, 4, 5]),
  opensAt: clock.default('09:00'),
  closesAt: clock.default('17:00'),
});
export type WebchatSettings = z.infer<typeof settingsSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** What a site pastes into its pages: one script tag, loaded from this server. */
export function embedCodeOf(channelId: string, publicUrl: string): string {
  return `<script src="${publicUrl}/widget/widget.js" data-channel="${channelId}" async></script>`;
}

/**
 * The website chat: no provider. Visitors write through the widget's own endpoints
 * (webchat.routes.ts), which store what they send as inbound messages; a reply "sent" here is
 * already stored, and reaches the visitor's open widget through the bus like every event.
 */
export const webchatChannel: ChannelModule<WebchatSettings> = {
  type: 'webchat',
  settingsSchema,
  secretKeys: ['identitySecret'],
  form: [
    { key: 'allowedOrigins', kind: 'list', required: false },
    { key: 'identitySecret', kind: 'secret', required: false },
    { key: 'requireIdentity', kind: 'boolean', required: false, default: false },
    { key: 'greeting', kind: 'text', required: false },
    { key: 'color', kind: 'color', required: false, default: '#2563eb' },
    { key: 'position', kind: 'choice', required: false, default: 'right', options: ['right', 'left'] },
    { key: 'askName', kind: 'boolean', required: false, default: false },
    { key: 'askEmail', kind: 'boolean', required: false, default: false },
    { key: 'timezone', kind: 'text', required: false, default: 'UTC' },
    { key: 'openDays', kind: 'list', required: false },
    { key: 'opensAt', kind: 'text', required: false, default: '09:00' },
    { key: 'closesAt', kind: 'text', required: false, default: '17:00' },
  ],

  // Nothing comes to /webhooks/webchat/…: visitors use the widget's endpoints, which check their origin and token.
  verifyWebhook: () => false,
  parseWebhook() {
    throw badRequest('invalid_payload', 'The website chat receives through its widget, not through webhooks');
  },

  async send(message) {
    return { ok: true, providerMessageId: message.id };
  },

  windowPolicy: () => alwaysOpen,
  maxTextLength: 5000,
  extras: (channel, publicUrl) => ({ embedCode: embedCodeOf(channel.id, publicUrl) }),
};
