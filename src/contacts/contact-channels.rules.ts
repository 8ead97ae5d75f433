/**
 * SPEC §2.2: how each channel of the workspace stands with one contact. Pure.
 *
 * - active: the contact has an identity on it (it wrote there, or was written to);
 * - inactive: no identity yet, but the business may write first, which only WhatsApp, SMS (to
 *   the contact's phone) and email (to its email) allow;
 * - unavailable: the contact must write first.
 */
export type ChannelState = 'active' | 'inactive' | 'unavailable';

/** Which contact field lets the business start a conversation on a channel type (its module's `firstContact`), if any. */
export type FirstContactField = (type: string) => 'phone' | 'email' | undefined;

export type WorkspaceChannel = { id: string; type: string; name: string };
export type Identity = { channelId: string; identifier: string; connectedAt: Date };

export type ContactChannel = {
  channelId: string;
  type: string;
  name: string;
  state: ChannelState;
  /** Set when active: when the identity was connected. */
  connectedAt: Date | null;
  identifier: string | null;
};

export function channelStates(
  channels: readonly WorkspaceChannel[],
  identities: readonly Identity[],
  contact: { phone: string | null; email: string | null },
  firstContactBy: FirstContactField,
): ContactChannel[] {
  return channels.map((channel) => {
    const identity = identities.find((i) => i.channelId === channel.id);
    const base = { channelId: channel.id, type: channel.type, name: channel.name };
    if (identity) return { ...base, state: 'active', connectedAt: identity.connectedAt, identifier: identity.identifier };
    const field = firstContactBy(channel.type);
    const state: ChannelState = field && contact[field] ? 'inactive' : 'unavailable';
    return { ...base, state, connectedAt: null, identifier: null };
  });
}
