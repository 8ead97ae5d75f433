import { MergeSuggestionsCard } from '../merging/MergeSuggestionsCard.js';

/** Where the contact's merge suggestions card goes (SPEC §2.5): duplicates by phone or email, the duplicate values marked. */
export function MergeSuggestionsSlot({ contactId }: { contactId: string }) {
  return <MergeSuggestionsCard contactId={contactId} />;
}
