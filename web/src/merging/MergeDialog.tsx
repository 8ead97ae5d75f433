import { type FormEvent, useId, useState } from 'react';
import { countryName, languageName } from '../contacts/contact-format.js';
import { type Contact, contactName, useContact, useCustomFields } from '../contacts/contacts.queries.js';
import { useI18n } from '../i18n/i18n.js';
import { Dialog } from '../ui/Dialog.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { useUsers } from '../workspace/workspace.queries.js';
import { showMergeNotice } from './MergeNotice.js';
import { type Side, useMerge } from './merging.queries.js';

/** The API answers each contact's last change too: the default choice follows it. */
type Dated = Contact & { updatedAt: string };

const standardFields = ['firstName', 'lastName', 'email', 'phone', 'country', 'language', 'assigneeId'] as const;
type StandardField = (typeof standardFields)[number];

const valueOf = (contact: Contact, field: string): unknown =>
  field.startsWith('customFields.') ? contact.customFields[field.slice('customFields.'.length)] : contact[field as StandardField];
const isEmpty = (value: unknown) => value === null || value === undefined || value === '';

/** Fields with two different, non-empty values: where a person chooses. An empty value never wins over a filled one. */
function conflictingFields(a: Contact, b: Contact): string[] {
  const keys = [...new Set([...Object.keys(a.customFields), ...Object.keys(b.customFields)])].sort();
  return [...standardFields, ...keys.map((key) => `customFields.${key}`)].filter((field) => {
    const x = valueOf(a, field);
    const y = valueOf(b, field);
    return !isEmpty(x) && !isEmpty(y) && x !== y;
  });
}

/** As the server defaults: the value of the contact changed last (the kept one's on a tie). */
const newerOf = (kept: Dated, other: Dated) => (new Date(other.updatedAt).getTime() > new Date(kept.updatedAt).getTime() ? other.id : kept.id);

/**
 * Two contacts side by side (SPEC §2.5): which one stays, and per differing field which value
 * wins, defaulting to the most recently updated. "Merge successful" with Undo follows.
 */
export function MergeDialog(props: { contactId: string; otherId: string; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const first = useContact(props.contactId);
  const second = useContact(props.otherId);
  const ready = first.data && second.data;
  const error = first.error ?? second.error;
  return (
    <Dialog title={t('merging.dialog.title')} onClose={props.onClose}>
      <div className="merge-dialog">
        {error ? (
          <FormAlert>{errorMessage(error, i18n)}</FormAlert>
        ) : ready ? (
          <MergeForm contacts={[first.data as Dated, second.data as Dated]} onClose={props.onClose} />
        ) : (
          <p className="muted" aria-busy="true">
            {t('merging.dialog.loading')}
          </p>
        )}
      </div>
    </Dialog>
  );
}

function MergeForm({ contacts, onClose }: { contacts: [Dated, Dated]; onClose: () => void }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const users = useUsers();
  const fields = useCustomFields();
  const merge = useMerge();
  const formId = useId();
  const [keptId, setKeptId] = useState(contacts[0].id);
  const kept = contacts.find((c) => c.id === keptId)!;
  const other = contacts.find((c) => c.id !== keptId)!;
  const conflicts = conflictingFields(contacts[0], contacts[1]);
  // Chosen by contact, not by side: choosing which contact stays does not flip the values picked.
  const [chosen, setChosen] = useState<Record<string, string>>({});
  const winnerOf = (field: string) => chosen[field] ?? newerOf(kept, other);
  const nameOf = (contact: Contact) => contactName(contact) ?? t('contacts.unnamed');

  function label(field: string): string {
    if (field.startsWith('customFields.')) {
      const key = field.slice('customFields.'.length);
      return fields.data?.find((f) => f.key === key)?.label ?? key;
    }
    return t(field === 'assigneeId' ? 'contacts.field.assignee' : (`contacts.field.${field}` as 'contacts.field.email'));
  }

  function shown(contact: Contact, field: string): string {
    const value = valueOf(contact, field);
    if (isEmpty(value)) return t('merging.dialog.empty');
    if (field === 'assigneeId') return users.data?.find((user) => user.id === value)?.name ?? String(value);
    if (field === 'country') return countryName(String(value), language);
    if (field === 'language') return `${languageName(String(value), language)} (${String(value)})`;
    return String(value);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    const choices: Record<string, Side> = {};
    for (const field of conflicts) choices[field] = winnerOf(field) === kept.id ? 'primary' : 'secondary';
    // The promise, not mutate's callbacks: the refresh after a merge may unmount this dialog (its
    // suggestion is gone), and the notice must show all the same.
    merge.mutateAsync({ primaryId: kept.id, secondaryId: other.id, fields: choices }).then(
      (result) => {
        showMergeNotice(result.merge.id);
        onClose();
      },
      () => undefined,
    );
  }

  return (
    <form onSubmit={submit} noValidate>
      <p>{t('merging.dialog.intro')}</p>
      <table className="merge-table">
        <thead>
          <tr>
            <th scope="col">{t('merging.dialog.field')}</th>
            {contacts.map((contact) => (
              <th key={contact.id} scope="col" className={contact.id === keptId ? 'merge-side--kept' : undefined}>
                <label>
                  <input type="radio" name={`${formId}-kept`} checked={contact.id === keptId} onChange={() => setKeptId(contact.id)} aria-label={`${t('merging.dialog.keepThis')}: ${nameOf(contact)}`} />
                  <span>
                    {nameOf(contact)}
                    <br />
                    <span className="muted">{contact.id === keptId ? t('merging.dialog.keep') : t('merging.dialog.merged')}</span>
                  </span>
                </label>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {conflicts.map((field) => (
            <tr key={field}>
              <th scope="row">{label(field)}</th>
              {contacts.map((contact) => (
                <td key={contact.id} className={contact.id === keptId ? 'merge-side--kept' : undefined}>
                  <label>
                    <input
                      type="radio"
                      name={`${formId}-${field}`}
                      checked={winnerOf(field) === contact.id}
                      onChange={() => setChosen({ ...chosen, [field]: contact.id })}
                      aria-label={t('merging.dialog.valueOf', { field: label(field), name: nameOf(contact) })}
                    />
                    <span>{shown(contact, field)}</span>
                  </label>
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {conflicts.length === 0 && <p className="muted">{t('merging.dialog.nothingToChoose')}</p>}
      <FormAlert>{merge.error ? errorMessage(merge.error, i18n) : undefined}</FormAlert>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onClose}>
          {t('action.cancel')}
        </button>
        <button type="submit" className="button button--primary" disabled={merge.isPending}>
          {t('merging.dialog.confirm')}
        </button>
      </div>
    </form>
  );
}
