import { z } from 'zod';

const fields = {
  /** Desktop notifications through the browser (which asks the user's permission first). */
  desktop: z.boolean(),
  /** A short sound with each notification. */
  sound: z.boolean(),
  /** A new conversation arrives in one of my inboxes (Unassigned, my teams', mine). */
  newConversation: z.boolean(),
  /** The contact writes in a conversation assigned to me. */
  newMessage: z.boolean(),
  /** A colleague @mentions me in a comment. */
  mention: z.boolean(),
};

/** What one user wants to be told of while the app is open (issue 19); kept per user, on the server. */
export const notificationSettingsSchema = z.strictObject(fields);
export const notificationSettingsPatchSchema = z.strictObject(fields).partial();
export type NotificationSettings = z.infer<typeof notificationSettingsSchema>;

/** Off until the user turns them on (the browser asks for permission then); which events, all of them. */
export const defaultNotificationSettings: NotificationSettings = { desktop: false, sound: false, newConversation: true, newMessage: true, mention: true };

export function readNotificationSettings(stored: Record<string, unknown> | null | undefined): NotificationSettings {
  const parsed = notificationSettingsSchema.safeParse({ ...defaultNotificationSettings, ...(stored ?? {}) });
  return parsed.success ? parsed.data : defaultNotificationSettings;
}
