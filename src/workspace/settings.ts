import { z } from 'zod';

const fields = {
  /** On close, keep the assignee or unassign the conversation. */
  closingLogic: z.enum(['keep_assignee', 'unassign']),
  /** A contact's message unanswered this long makes the conversation's dot red. */
  missedAfterSeconds: z.number().int().min(5).max(86_400),
  agentsSeeAll: z.boolean(),
  /** A reply to an unassigned conversation assigns it to its sender. */
  assignOnReply: z.boolean(),
  agentsMayDeleteAssignedContacts: z.boolean(),
  /** Agents may delete a conversation with its whole history (SPEC §1: off by default). */
  agentsMayDeleteConversations: z.boolean(),
  agentsMayMerge: z.boolean(),
  /**
   * Hosts (`name` or `name:port`) that outbound requests of this workspace (the API channel's
   * webhookUrl, workflow HTTP steps) may reach although they are loopback or private addresses.
   */
  allowedPrivateHosts: z.array(z.string().trim().toLowerCase().min(1).max(255)).max(50),
  /** The workspace's IANA time zone: workflow conditions on the time of day and business hours read the clock there. */
  timeZone: z.string().min(1).max(64).refine(isTimeZone, 'an IANA time zone such as Europe/Berlin'),
  /** Business hours: weekdays (0 = Sunday) and a daily span, in `timeZone`. */
  businessHours: z.strictObject({
    days: z.array(z.number().int().min(0).max(6)).max(7),
    start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
    end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM'),
  }),
};

function isTimeZone(value: string) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Workspace settings named in SPEC §1–§3. */
export const workspaceSettingsSchema = z.strictObject(fields);
export const settingsPatchSchema = z.strictObject(fields).partial();
export type WorkspaceSettings = z.infer<typeof workspaceSettingsSchema>;

export const defaultSettings: WorkspaceSettings = {
  closingLogic: 'keep_assignee',
  missedAfterSeconds: 30,
  agentsSeeAll: true,
  assignOnReply: true,
  agentsMayDeleteAssignedContacts: false,
  agentsMayDeleteConversations: false,
  agentsMayMerge: false,
  allowedPrivateHosts: [],
  timeZone: 'UTC',
  businessHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
};

/**
 * Stored settings read once per stored object: a signed-in principal carries its workspace's row for
 * many requests, and every service call that reads the settings would otherwise validate them again
 * (time zone lookup included). A changed workspace is a new row, so a new object.
 */
const read = new WeakMap<object, WorkspaceSettings>();

export function readSettings(stored: Record<string, unknown> | null | undefined): WorkspaceSettings {
  const known = stored ? read.get(stored) : undefined;
  if (known) return known;
  const merged = { ...defaultSettings, ...(stored ?? {}) };
  const parsed = workspaceSettingsSchema.safeParse(merged);
  const settings = parsed.success ? parsed.data : defaultSettings;
  if (stored) read.set(stored, settings);
  return settings;
}
