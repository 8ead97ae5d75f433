import { z } from 'zod';
import type { ChannelModule } from '../channel-registry.js';
import { metaMessagingChannel } from '../meta/meta-messaging.js';

/**
 * Instagram messaging, through the Instagram API (../shared/CHANNELS.md, "Instagram"). The contact
 * is its Instagram-scoped id (IGSID); its name and picture come from the profile API. Free text
 * for 24 h, a person's reply with HUMAN_AGENT up to 7 days, nothing after; no other tags exist.
 */
const settingsSchema = z.strictObject({
  instagramId: z.string().trim().regex(/^\d{1,40}$/, 'the Instagram professional account id (digits)'),
  accessToken: z.string().trim().min(1).max(4000),
  appSecret: z.string().trim().min(8, 'at least 8 characters').max(500),
  verifyToken: z.string().trim().min(8, 'at least 8 characters').max(200),
  apiBaseUrl: z.url({ protocol: /^https?$/ }).max(2000).default('https://graph.instagram.com'),
});
export type InstagramSettings = z.infer<typeof settingsSchema>;

export const INSTAGRAM_TEXT_LIMIT = 1000;

export const instagramChannel: ChannelModule<InstagramSettings> = metaMessagingChannel({
  type: 'instagram',
  object: 'instagram',
  settingsSchema,
  secretKeys: ['accessToken', 'appSecret'],
  form: [
    { key: 'instagramId', kind: 'text', required: true },
    { key: 'accessToken', kind: 'secret', required: true },
    { key: 'appSecret', kind: 'secret', required: true },
    { key: 'verifyToken', kind: 'generated', required: true },
    { key: 'apiBaseUrl', kind: 'url', required: false, default: 'https://graph.instagram.com' },
  ],
  maxTextLength: INSTAGRAM_TEXT_LIMIT,
  accountId: (settings) => settings.instagramId,
  token: (settings) => settings.accessToken,
  retiredTags: [],
  profileFields: 'name,username,profile_pic',
  profileOf(json) {
    const profile = json as { name?: string; username?: string; profile_pic?: string } | undefined;
    const name = profile?.name || profile?.username;
    return name || profile?.profile_pic ? { name, avatarUrl: profile?.profile_pic } : undefined;
  },
  accountFields: 'username',
  describeAccount: (json) => {
    const username = (json as { username?: string } | undefined)?.username;
    return username ? `@${username}` : undefined;
  },
});
