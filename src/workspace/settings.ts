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
};

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
};

export function readSettings(stored: Record<string, unknown> | null | undefined): WorkspaceSettings {
  const merged = { ...defaultSettings, ...(stored ?? {}) };
  const parsed = workspaceSettingsSchema.safeParse(merged);
  return parsed.success ? parsed.data : defaultSettings;
}
