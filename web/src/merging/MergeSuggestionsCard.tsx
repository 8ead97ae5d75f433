import { useState } from 'react';
import { showToast } from '../blocking/toasts.js';
import { useI18n } from '../i18n/i18n.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { MergeDialog } from './MergeDialog.js';
import { type ContactSummary, type Suggestion, summaryName, useDismissSuggestion, useMayMerge, useMergeSuggestions } from './merging.queries.js';
import './merging.css';

/**
 * The contact drawer's merge suggestions (SPEC §2.5): each contact sharing its phone number or
 * email, the shared values marked with a green check. Shown to those who may merge.
 */
export function MergeSuggestionsCard({ contactId }: { contactId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const mayMerge = useMayMerge();
  const suggestions = useMergeSuggestions(contactId, mayMerge);
  const dismiss = useDismissSuggestion();
  const [merging, setMerging] = useState<string>();

  if (!mayMerge || !suggestions.data || suggestions.data.length === 0) return null;
  return (
    <section className="card merge-suggestions" aria-labelledby={`${contactId}-merge-suggestions`}>
      <h3 id={`${contactId}-merge-suggestions`}>{t('merging.suggestions.title')}</h3>
      <p className="muted">{t('merging.suggestions.intro')}</p>
      <FormAlert>{dismiss.error ? errorMessage(dismiss.error, i18n) : undefined}</FormAlert>
      <ul className="merge-suggestion-list">
        {suggestions.data.map((suggestion) => {
          const other = suggestion.contacts.find((c) => c.id !== contactId)!;
          const name = summaryName(other) ?? t('contacts.unnamed');
          return (
            <li key={other.id} className="merge-suggestion" aria-label={name}>
              <strong>{name}</strong>
              <SharedValues contact={other} suggestion={suggestion} />
              <div className="merge-suggestion-actions">
                <button type="button" className="button button--small button--primary" aria-label={t('merging.suggestions.mergeWith', { name })} onClick={() => setMerging(other.id)}>
                  {t('merging.suggestions.merge')}
                </button>
                <button
                  type="button"
                  className="button button--small"
                  aria-label={t('merging.suggestions.dismissWith', { name })}
                  disabled={dismiss.isPending}
                  onClick={() => dismiss.mutateAsync([contactId, other.id]).then(() => showToast(t('merging.suggestions.dismissed', { name })), () => undefined)}
                >
                  {t('merging.suggestions.dismiss')}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
      {merging && <MergeDialog contactId={contactId} otherId={merging} onClose={() => setMerging(undefined)} />}
    </section>
  );
}

/** The other contact's phone and email; a value this contact has too carries a green check. */
function SharedValues({ contact, suggestion }: { contact: ContactSummary; suggestion: Suggestion }) {
  const { t } = useI18n();
  const shared = (field: 'phone' | 'email', value: string) => suggestion.reasons.some((reason) => reason.field === field && reason.value === value);
  const rows = (['phone', 'email'] as const).flatMap((field) => (contact[field] ? [{ field, value: contact[field] }] : []));
  return (
    <ul className="merge-suggestion-values">
      {rows.map(({ field, value }) => (
        <li key={field}>
          <span className="muted">{t(`contacts.field.${field}`)}:</span> {value}
          {shared(field, value) && (
            <span className="shared-value-check" role="img" aria-label={t('merging.suggestions.shared')} title={t('merging.suggestions.shared')}>
              ✓
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
