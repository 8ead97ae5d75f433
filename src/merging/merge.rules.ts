/**
 * Duplicates and merging (SPEC §2.5), as pure rules: which contacts are suggested, which value of
 * each field a merge keeps, how two conversations become one, and what stops an undo. No I/O.
 */

export type MatchField = 'phone' | 'email';
export type Reason = { field: MatchField; value: string };

/** What the rules read of a contact; phone (E.164) and email (lower-cased) are normalised by Contacts. */
export type MatchableContact = { id: string; phone: string | null; email: string | null };

/** A value as a dismissal records it: `phone:+4915112345678`, `email:ana@example.com`. */
export const reasonKey = (reason: Reason) => `${reason.field}:${reason.value}`;

/** The values a contact can share with another. */
export function matchReasons(contact: Pick<MatchableContact, 'phone' | 'email'>): Reason[] {
  const reasons: Reason[] = [];
  if (contact.phone) reasons.push({ field: 'phone', value: contact.phone });
  if (contact.email) reasons.push({ field: 'email', value: contact.email });
  return reasons;
}

/** The values two contacts share, phone first. */
export function sharedReasons(a: MatchableContact, b: MatchableContact): Reason[] {
  return matchReasons(a).filter((reason) => (reason.field === 'phone' ? b.phone : b.email) === reason.value);
}

/**
 * Whether a pair sharing these values is suggested: when it shares something, and "not the same
 * person" (a dismissal listing what they shared then) does not cover every value they share now.
 */
export function isSuggested(shared: readonly Reason[], dismissed: readonly string[] | undefined): boolean {
  if (shared.length === 0) return false;
  if (!dismissed) return true;
  return shared.some((reason) => !dismissed.includes(reasonKey(reason)));
}

/** The two ids of a pair in the order a dismissal stores them. */
export const orderedPair = (a: string, b: string): [string, string] => (a < b ? [a, b] : [b, a]);
export const pairKey = (a: string, b: string) => orderedPair(a, b).join(':');

/**
 * One suggestion per other contact that shares a value with `contact` and is not dismissed for
 * what they share: `{contactIds: [contact, other], reasons}`. Candidates are unblocked contacts.
 */
export function suggestionsFor(
  contact: MatchableContact,
  candidates: readonly MatchableContact[],
  dismissals: ReadonlyMap<string, readonly string[]>,
): Array<{ contactIds: [string, string]; reasons: Reason[] }> {
  return candidates.flatMap((other) => {
    if (other.id === contact.id) return [];
    const reasons = sharedReasons(contact, other);
    return isSuggested(reasons, dismissals.get(pairKey(contact.id, other.id))) ? [{ contactIds: [contact.id, other.id] as [string, string], reasons }] : [];
  });
}

/**
 * Whether a group of contacts sharing one value is still a suggestion: some pair in it is not
 * dismissed for all it shares. `dismissals` is keyed by `pairKey`.
 */
export function groupIsSuggested(members: readonly MatchableContact[], dismissals: ReadonlyMap<string, readonly string[]>): boolean {
  for (let i = 0; i < members.length; i++) {
    for (let j = i + 1; j < members.length; j++) {
      const a = members[i]!;
      const b = members[j]!;
      if (isSuggested(sharedReasons(a, b), dismissals.get(pairKey(a.id, b.id)))) return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------- choosing values

export const standardFields = ['firstName', 'lastName', 'email', 'phone', 'country', 'language', 'assigneeId'] as const;
export type StandardField = (typeof standardFields)[number];
/** A field a merge chooses a value for: a standard one or `customFields.<key>`. */
export type MergeField = StandardField | `customFields.${string}`;
export type Side = 'primary' | 'secondary';

export type MergeableContact = {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  countrySource: 'phone' | 'manual' | null;
  language: string | null;
  assigneeId: string | null;
  customFields: Record<string, unknown>;
  displayName: string | null;
  avatarUrl: string | null;
  lastInteractionAt: Date | null;
  quarantinedAt: Date | null;
  updatedAt: Date;
};

const customPrefix = 'customFields.';

export function valueOf(contact: Pick<MergeableContact, StandardField | 'customFields'>, field: MergeField): unknown {
  return field.startsWith(customPrefix) ? contact.customFields[field.slice(customPrefix.length)] : contact[field as StandardField];
}

const isEmpty = (value: unknown) => value === null || value === undefined || value === '';

/** Every field either contact has a value for: the standard ones, then custom fields by key. */
export function fieldsOf(primary: MergeableContact, secondary: MergeableContact): MergeField[] {
  const keys = [...new Set([...Object.keys(primary.customFields), ...Object.keys(secondary.customFields)])].sort();
  return [...standardFields, ...keys.map((key) => `${customPrefix}${key}` as MergeField)];
}

/** Fields whose two values differ: where a merge must choose (an empty value differs from a filled one). */
export function differingFields(primary: MergeableContact, secondary: MergeableContact): MergeField[] {
  return fieldsOf(primary, secondary).filter((field) => {
    const a = valueOf(primary, field);
    const b = valueOf(secondary, field);
    return !(isEmpty(a) && isEmpty(b)) && a !== b;
  });
}

/**
 * The side whose value a merge keeps when nobody chose: the non-empty one, and of two non-empty
 * values the more recently updated contact's (the primary's on a tie).
 */
export function defaultSide(primary: MergeableContact, secondary: MergeableContact, field: MergeField): Side {
  if (isEmpty(valueOf(primary, field))) return 'secondary';
  if (isEmpty(valueOf(secondary, field))) return 'primary';
  return secondary.updatedAt.getTime() > primary.updatedAt.getTime() ? 'secondary' : 'primary';
}

/** The side chosen for each differing field: the request's choice, else the default. Unknown fields are refused. */
export function resolveChoices(
  primary: MergeableContact,
  secondary: MergeableContact,
  requested: Readonly<Record<string, Side>> = {},
): { ok: true; choices: Record<string, Side> } | { ok: false; field: string } {
  const known = new Set<string>(fieldsOf(primary, secondary));
  const unknown = Object.keys(requested).find((field) => !known.has(field));
  if (unknown !== undefined) return { ok: false, field: unknown };
  const choices: Record<string, Side> = {};
  for (const field of differingFields(primary, secondary)) choices[field] = requested[field] ?? defaultSide(primary, secondary, field);
  return { ok: true, choices };
}

export type MergedValues = Omit<MergeableContact, 'updatedAt'>;

/**
 * The kept contact's values. Chosen fields come from their side (a country with its source), the
 * others by default;
 * custom fields are the union; the profile follows whoever spoke last; held for spam review if
 * either was.
 */
export function mergedValues(primary: MergeableContact, secondary: MergeableContact, choices: Readonly<Record<string, Side>>): MergedValues {
  const from = (field: MergeField) => ((choices[field] ?? defaultSide(primary, secondary, field)) === 'primary' ? primary : secondary);
  const customFields: Record<string, unknown> = {};
  for (const field of fieldsOf(primary, secondary)) {
    if (!field.startsWith(customPrefix)) continue;
    const value = valueOf(from(field), field);
    if (!isEmpty(value)) customFields[field.slice(customPrefix.length)] = value;
  }
  const countryFrom = from('country');
  const spokeLast =
    (secondary.lastInteractionAt?.getTime() ?? -Infinity) > (primary.lastInteractionAt?.getTime() ?? -Infinity) ? secondary : primary;
  const other = spokeLast === primary ? secondary : primary;
  const latest = [primary.lastInteractionAt, secondary.lastInteractionAt].filter((at): at is Date => at !== null);
  return {
    firstName: from('firstName').firstName,
    lastName: from('lastName').lastName,
    email: from('email').email,
    phone: from('phone').phone,
    country: countryFrom.country,
    countrySource: countryFrom.country === null ? null : countryFrom.countrySource,
    language: from('language').language,
    assigneeId: from('assigneeId').assigneeId,
    customFields,
    displayName: spokeLast.displayName ?? other.displayName,
    avatarUrl: spokeLast.avatarUrl ?? other.avatarUrl,
    lastInteractionAt: latest.length ? new Date(Math.max(...latest.map((at) => at.getTime()))) : null,
    quarantinedAt: primary.quarantinedAt ?? secondary.quarantinedAt,
  };
}

// ---------------------------------------------------------------- one timeline

export type ConversationState = {
  status: 'open' | 'snoozed' | 'closed';
  snoozedUntil: Date | null;
  assigneeId: string | null;
  teamId: string | null;
  lastMessageAt: Date;
  lastInboundAt: Date | null;
  lastOutboundAt: Date | null;
  awaitingReplySince: Date | null;
};

const statusRank = { closed: 0, snoozed: 1, open: 2 } as const;

const latestOf = (...dates: Array<Date | null>): Date | null => {
  const present = dates.filter((at): at is Date => at !== null);
  return present.length ? new Date(Math.max(...present.map((at) => at.getTime()))) : null;
};

/**
 * The primary's conversation once the secondary's messages joined it: the more active state wins
 * (open, then snoozed, then closed; the primary's on a tie) with its assignee and team, so an open
 * conversation never drops out of the inbox; times are the latest of both; it awaits a reply from
 * the oldest message of either that no reply has followed.
 */
export function mergedConversation(primary: ConversationState, secondary: ConversationState): ConversationState {
  const lead = statusRank[secondary.status] > statusRank[primary.status] ? secondary : primary;
  const lastOutboundAt = latestOf(primary.lastOutboundAt, secondary.lastOutboundAt);
  const waiting = [primary.awaitingReplySince, secondary.awaitingReplySince].filter(
    (at): at is Date => at !== null && (lastOutboundAt === null || at.getTime() > lastOutboundAt.getTime()),
  );
  return {
    status: lead.status,
    snoozedUntil: lead.snoozedUntil,
    assigneeId: lead.assigneeId,
    teamId: lead.teamId,
    lastMessageAt: latestOf(primary.lastMessageAt, secondary.lastMessageAt)!,
    lastInboundAt: latestOf(primary.lastInboundAt, secondary.lastInboundAt),
    lastOutboundAt,
    awaitingReplySince: waiting.length ? new Date(Math.min(...waiting.map((at) => at.getTime()))) : null,
  };
}

// ---------------------------------------------------------------- undo

export type UndoBlocker =
  | 'merge_already_undone'
  | 'merge_superseded'
  | 'merge_contact_deleted'
  | 'contact_blocked'
  | 'merge_conversation_deleted';

export type UndoState = {
  undone: boolean;
  /** A later merge of the kept contact, not undone. */
  mergedAgain: boolean;
  /** The kept contact and the snapshot it holds still exist. */
  primaryExists: boolean;
  primaryBlocked: boolean;
  /** The conversation that holds the secondary's messages still exists (or there were none). */
  conversationExists: boolean;
};

/**
 * What stops an undo, first reason first, or null when it can go ahead. A later merge must be
 * undone first (undo goes back in order); a deleted contact took its history with it; a blocked
 * one cannot be merged either way, nor unmerged.
 */
export function undoBlocker(state: UndoState): UndoBlocker | null {
  if (state.undone) return 'merge_already_undone';
  if (state.mergedAgain) return 'merge_superseded';
  if (!state.primaryExists) return 'merge_contact_deleted';
  if (state.primaryBlocked) return 'contact_blocked';
  if (!state.conversationExists) return 'merge_conversation_deleted';
  return null;
}

export const undoBlockerMessages: Record<UndoBlocker, string> = {
  merge_already_undone: 'This merge was undone already',
  merge_superseded: 'The kept contact was merged again since: undo that merge first',
  merge_contact_deleted: 'The kept contact was deleted since, and its history with it',
  contact_blocked: 'The kept contact is blocked: unblock it first',
  merge_conversation_deleted: 'The conversation holding the merged messages was deleted since',
};
