import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db } from '../platform/db/client.js';
import { contactChannels, contacts } from '../platform/db/schema.js';
import { newId } from '../platform/ids.js';
import { type FieldResult, normaliseEmail, normaliseLanguage, normalisePhone } from './contact-fields.rules.js';

export type ContactRow = typeof contacts.$inferSelect;
export type ContactChannelRow = typeof contactChannels.$inferSelect;

/** What a channel says about who wrote. */
export type InboundIdentity = {
  identifier: string;
  name?: string;
  email?: string;
  phone?: string;
  avatarUrl?: string;
  language?: string;
  /** ISO 3166-1 alpha-2 as the provider tells it (Viber). */
  country?: string;
};

const IDENTITY_LOCK_SPACE = 72_720;

/** A provider's value if it is valid, else nothing: a bad phone number must not lose the message. */
const valid = <T>(result: FieldResult<T>): T | null => (result.ok ? result.value : null);
const emailOf = (value: string | undefined) => (value ? valid(normaliseEmail(value)) : null);
const languageOf = (value: string | undefined) => (value ? valid(normaliseLanguage(value)) : null);

/** Providers send international numbers, often without the `+` (WhatsApp's wa_id). */
function phoneOf(value: string | undefined): { phone: string | null; country: string | null } {
  const text = value?.trim();
  if (!text) return { phone: null, country: null };
  const phone = valid(normalisePhone(/^[1-9]\d{6,14}$/.test(text) ? `+${text}` : text));
  return { phone: phone?.e164 ?? null, country: phone?.country ?? null };
}

function splitName(name: string | undefined): { firstName: string | null; lastName: string | null } {
  const trimmed = name?.trim();
  if (!trimmed) return { firstName: null, lastName: null };
  const space = trimmed.indexOf(' ');
  return space < 0 ? { firstName: trimmed, lastName: null } : { firstName: trimmed.slice(0, space), lastName: trimmed.slice(space + 1).trim() };
}

/**
 * Finds the contact behind a channel identity, or creates both (SPEC §4.3). Every function runs
 * in the caller's transaction: an inbound message is received in one.
 */
export function createIdentityService() {
  return {
    /**
     * The contact behind the identity, or a new one. A known identity costs one statement (its
     * contact row locked: a block waits for this message's transaction, so the message is stored,
     * and counted, on the right side of it). An unknown one is looked for again under a
     * lock on the identity, so two deliveries of a new contact's first messages make it once.
     * The profile (display name, picture) follows the channel the contact last spoke on. A new
     * contact and identity carry `sentAt` as their last interaction and last inbound message.
     */
    async findOrCreate(
      tx: Db,
      input: { workspaceId: string; channelId: string; identity: InboundIdentity; at: Date; sentAt: Date },
    ): Promise<{ contact: ContactRow; contactChannel: ContactChannelRow; created: boolean }> {
      const { workspaceId, channelId, identity, at, sentAt } = input;
      const find = async () => {
        const [row] = await tx
          .select({ contact: contacts, contactChannel: contactChannels })
          .from(contactChannels)
          .innerJoin(contacts, eq(contacts.id, contactChannels.contactId))
          .where(
            and(
              eq(contactChannels.workspaceId, workspaceId),
              eq(contactChannels.channelId, channelId),
              eq(contactChannels.identifier, identity.identifier),
            ),
          )
          // The lock the contact's update below needs anyway, taken first: two messages of one
          // contact take turns (each holding a share lock and waiting to update would deadlock).
          .for('no key update');
        return row;
      };
      let existing = await find();
      if (!existing) {
        await tx.execute(sql`select pg_advisory_xact_lock(${IDENTITY_LOCK_SPACE}, hashtext(${`${channelId}:${identity.identifier}`}))`);
        existing = await find();
      }

      if (existing) {
        const { contact, contactChannel } = existing;
        const profile = {
          displayName: identity.name?.trim() || contact.displayName,
          avatarUrl: identity.avatarUrl ?? contact.avatarUrl,
          email: contact.email ?? emailOf(identity.email),
          phone: contact.phone ?? phoneOf(identity.phone).phone,
        };
        const changed = (Object.keys(profile) as Array<keyof typeof profile>).some((key) => profile[key] !== contact[key]);
        const updated = changed
          ? (await tx.update(contacts).set({ ...profile, updatedAt: at }).where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, contact.id))).returning())[0]!
          : contact;
        // A user removed this channel from the contact; the contact writing on it again brings it back.
        const restored = contactChannel.removedAt
          ? (await tx.update(contactChannels).set({ removedAt: null, connectedAt: at }).where(eq(contactChannels.id, contactChannel.id)).returning())[0]!
          : contactChannel;
        return { contact: updated, contactChannel: restored, created: false };
      }

      const fromPhone = phoneOf(identity.phone);
      const phone = fromPhone.phone;
      // The provider's country stands until a phone number says otherwise, as a derived one does.
      const country = fromPhone.country ?? (identity.country && /^[A-Z]{2}$/.test(identity.country) ? identity.country : null);
      const [contact] = await tx
        .insert(contacts)
        .values({
          id: newId(),
          workspaceId,
          ...splitName(identity.name),
          displayName: identity.name?.trim() || null,
          avatarUrl: identity.avatarUrl ?? null,
          email: emailOf(identity.email),
          phone,
          country,
          countrySource: country ? 'phone' : null,
          language: languageOf(identity.language),
          // Made by a message: what recordInbound() would set, set now.
          lastInteractionAt: sentAt,
          createdAt: at,
          updatedAt: at,
        })
        .returning();
      const [contactChannel] = await tx
        .insert(contactChannels)
        .values({ id: newId(), workspaceId, contactId: contact!.id, channelId, identifier: identity.identifier, connectedAt: at, lastInboundAt: sentAt })
        .returning();
      return { contact: contact!, contactChannel: contactChannel!, created: true };
    },

    /** The contact wrote at `sentAt`: opens the channel's messaging window and counts as an interaction. */
    async recordInbound(tx: Db, input: { workspaceId: string; contactId: string; contactChannelId: string; sentAt: Date }) {
      const { workspaceId, contactId, contactChannelId, sentAt } = input;
      // greatest(): a provider's late retry of an older message must not move the window back.
      // One statement for both rows: each round trip costs the webhook more than the update does.
      await tx.execute(sql`
        with channel as (
          update ${contactChannels} set last_inbound_at = greatest(${contactChannels.lastInboundAt}, ${sentAt})
          where ${contactChannels.workspaceId} = ${workspaceId} and ${contactChannels.id} = ${contactChannelId}
        )
        update ${contacts} set last_interaction_at = greatest(${contacts.lastInteractionAt}, ${sentAt})
        where ${contacts.workspaceId} = ${workspaceId} and ${contacts.id} = ${contactId}`);
    },

    /**
     * A first message to a contact who never wrote on the channel (WhatsApp, to its phone): the
     * identity it goes to becomes a row of its own, so the conversation's channel knows it from
     * then on and a later merge moves it. Answers undefined when another contact has it already.
     */
    async connect(tx: Db, input: { workspaceId: string; contactId: string; channelId: string; identifier: string; at: Date }): Promise<ContactChannelRow | undefined> {
      const { workspaceId, contactId, channelId, identifier, at } = input;
      await tx.execute(sql`select pg_advisory_xact_lock(${IDENTITY_LOCK_SPACE}, hashtext(${`${channelId}:${identifier}`}))`);
      const [existing] = await tx
        .select()
        .from(contactChannels)
        .where(and(eq(contactChannels.workspaceId, workspaceId), eq(contactChannels.channelId, channelId), eq(contactChannels.identifier, identifier)));
      if (existing) {
        if (existing.contactId !== contactId) return undefined;
        if (!existing.removedAt) return existing;
        return (await tx.update(contactChannels).set({ removedAt: null, connectedAt: at }).where(eq(contactChannels.id, existing.id)).returning())[0]!;
      }
      const [created] = await tx.insert(contactChannels).values({ id: newId(), workspaceId, contactId, channelId, identifier, connectedAt: at, lastInboundAt: null }).returning();
      return created!;
    },

    /**
     * The name and picture a provider's profile API gave for a contact its payload did not name:
     * kept as the profile, and as first and last name where the contact has none yet.
     */
    async updateProfile(db: Db, input: { workspaceId: string; contactId: string; name?: string; avatarUrl?: string; at: Date }): Promise<ContactRow | undefined> {
      const name = input.name?.trim() || undefined;
      const { firstName, lastName } = splitName(name);
      const [row] = await db
        .update(contacts)
        .set({
          displayName: name ?? sql`${contacts.displayName}`,
          avatarUrl: input.avatarUrl ?? sql`${contacts.avatarUrl}`,
          firstName: sql`coalesce(${contacts.firstName}, ${firstName})`,
          lastName: sql`case when ${contacts.firstName} is null then coalesce(${contacts.lastName}, ${lastName}) else ${contacts.lastName} end`,
          updatedAt: input.at,
        })
        .where(and(eq(contacts.workspaceId, input.workspaceId), eq(contacts.id, input.contactId)))
        .returning();
      return row;
    },

    /** An outbound message is an interaction too. */
    async recordOutbound(tx: Db, input: { workspaceId: string; contactId: string; at: Date }) {
      await tx
        .update(contacts)
        .set({ lastInteractionAt: sql`greatest(${contacts.lastInteractionAt}, ${input.at})` })
        .where(and(eq(contacts.workspaceId, input.workspaceId), eq(contacts.id, input.contactId)));
    },

    /** The contact's channels that can still carry a message, the one it last wrote on first. */
    async channelsOf(db: Db, workspaceId: string, contactId: string): Promise<ContactChannelRow[]> {
      return db
        .select()
        .from(contactChannels)
        .where(and(eq(contactChannels.workspaceId, workspaceId), eq(contactChannels.contactId, contactId), isNull(contactChannels.removedAt)))
        .orderBy(sql`${contactChannels.lastInboundAt} desc nulls last`, desc(contactChannels.connectedAt), asc(contactChannels.id));
    },

    /** The contact, its row held against changes (a block, say) until the transaction ends. */
    async lockContact(tx: Db, workspaceId: string, contactId: string): Promise<ContactRow | undefined> {
      const [row] = await tx
        .select()
        .from(contacts)
        .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, contactId)))
        .for('share');
      return row;
    },

    async findContact(db: Db, workspaceId: string, contactId: string): Promise<ContactRow | undefined> {
      const [row] = await db
        .select()
        .from(contacts)
        .where(and(eq(contacts.workspaceId, workspaceId), eq(contacts.id, contactId)));
      return row;
    },
  };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
