import { z } from 'zod';
import type { ChannelModule } from '../channel-registry.js';
import { metaMessagingChannel } from '../meta/meta-messaging.js';

/**
 * Facebook Messenger, through a Facebook page (../shared/CHANNELS.md, "Messenger"). The contact is
 * its page-scoped id (PSID); its name and picture come from the profile API. Free text for 24 h, a
 * person's reply with HUMAN_AGENT up to 7 days, nothing after: Meta retired the other tags on
 * 2026-04-27 (SPEC §4.1).
 */
const settingsSchema = z.strictObject({
  pageId: z.string().trim().regex(/^\d{1,40}$/, 'the Facebook page id (digits)'),
  pageAccessToken: z.string().trim().min(1).max(4000),
  appSecret: z.string().trim().min(8, 'at least 8 characters').max(500),
  verifyToken: z.string().trim().min(8, 'at least 8 characters').max(200),
  apiBaseUrl: z.url({ protocol: /^https?$/ }).max(2000).default('https://graph.facebook.com'),
});
export type MessengerSettings = z.infer<typeof settingsSchema>;

export const MESSENGER_TEXT_LIMIT = 2000;
export const RETIRED_MESSENGER_TAGS = ['ACCOUNT_UPDATE', 'CONFIRMED_EVENT_UPDATE', 'POST_PURCHASE_UPDATE'] as const;

export const messengerChannel: ChannelModule<MessengerSettings> = metaMessagingChannel({
  type: 'messenger',
  object: 'page',
  settingsSchema,
  secretKeys: ['pageAccessToken', 'appSecret'],
  form: [
    { key: 'pageId', kind: 'text', required: true },
    { key: 'pageAccessToken', kind: 'secret', required: true },
    { key: 'appSecret', kind: 'secret', required: true },
    { key: 'verifyToken', kind: 'generated', required: true },
    { key: 'apiBaseUrl', kind: 'url', required: false, default: 'https://graph.facebook.com' },
  ],
  maxTextLength: MESSENGER_TEXT_LIMIT,
  accountId: (settings) => settings.pageId,
  token: (settings) => settings.pageAccessToken,
  retiredTags: RETIRED_MESSENGER_TAGS,
  profileFields: 'first_name,last_name,profile_pic',
  profileOf(json) {
    const profile = json as { first_name?: string; last_name?: string; profile_pic?: string } | undefined;
    const name = [profile?.first_name, profile?.last_name].filter(Boolean).join(' ');
    return name || profile?.profile_pic ? { name: name || undefined, avatarUrl: profile?.profile_pic } : undefined;
  },
  accountFields: 'name',
  describeAccount: (json) => (json as { name?: string } | undefined)?.name,
});
