/**
 * Where the contact's merge suggestions card goes (SPEC §2.5): duplicates by phone or email,
 * with the duplicate values marked. Merging is not built yet, so the slot shows nothing.
 */
export function MergeSuggestionsSlot(_props: { contactId: string }) {
  return null;
}
