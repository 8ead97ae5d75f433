import { useI18n } from '../i18n/i18n.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { type Contact, useUpdateContact } from './contacts.queries.js';
import { TagPicker } from './TagPicker.js';

/** The contact's tags: add one by searching or creating it; × takes it off this contact only. */
export function ContactTags({ contact }: { contact: Contact }) {
  const i18n = useI18n();
  const { t } = i18n;
  const update = useUpdateContact(contact.id);
  const tags = update.isPending && update.variables.tags ? update.variables.tags : contact.tags;

  return (
    <section aria-labelledby={`${contact.id}-tags`} className="detail-section">
      <h3 id={`${contact.id}-tags`}>{t('contacts.field.tags')}</h3>
      {tags.length > 0 ? (
        <ul className="chips">
          {tags.map((tag) => (
            <li key={tag} className="chip tag-chip">
              {tag}
              <button
                type="button"
                className="chip-remove"
                aria-label={t('contacts.tags.removeOne', { name: tag })}
                title={t('contacts.tags.removeOne', { name: tag })}
                onClick={() => update.mutate({ tags: tags.filter((other) => other !== tag) })}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted">{t('contacts.tags.none')}</p>
      )}
      <TagPicker label={t('contacts.tags.add')} allowCreate exclude={tags} onPick={(name) => update.mutate({ tags: [...tags, name] })} />
      <FormAlert>{update.error ? errorMessage(update.error, i18n) : undefined}</FormAlert>
    </section>
  );
}
