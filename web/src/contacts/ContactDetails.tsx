import { type InputHTMLAttributes, type ReactNode, useId } from 'react';
import { ApiError } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { useUsers } from '../workspace/workspace.queries.js';
import { countryName, languageName, useCountryTools } from './contact-format.js';
import { type Contact, type ContactPatch, type CustomField, useCustomFields, useUpdateContact } from './contacts.queries.js';
import { ContactConversation } from './ContactConversation.js';
import { ContactTags } from './ContactTags.js';

/**
 * The standard fields of SPEC §2.1, then the custom fields in their configured order. Each field
 * saves on its own, when it is left or Enter is pressed; the API's refusal shows beside it.
 */
export function ContactDetails({ contact }: { contact: Contact }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const update = useUpdateContact(contact.id);
  const users = useUsers();
  const fields = useCustomFields();
  const refusedField = update.error instanceof ApiError ? update.error.field : undefined;
  const errorOf = (field: string) => (refusedField === field ? errorMessage(update.error, i18n) : undefined);
  const save = (patch: ContactPatch) => update.mutate(patch);
  // Leaving a field unchanged, or putting back its saved value, drops the complaint about it.
  const revert = () => update.reset();
  const countries = useCountryTools();
  const phoneCountry = countries?.countryOfPhone(contact.phone) ?? null;

  const countryHint = contact.country && contact.countrySource
    ? t(contact.countrySource === 'phone' ? 'contacts.country.fromPhone' : 'contacts.country.manual')
    : undefined;

  return (
    <div className="contact-details">
      <ContactTags contact={contact} />
      <section aria-labelledby={`${contact.id}-fields`} className="detail-section">
        <h3 id={`${contact.id}-fields`}>{t('contacts.drawer.fields')}</h3>
        <FormAlert>{update.error && !refusedField ? errorMessage(update.error, i18n) : undefined}</FormAlert>
        <InlineText label={t('contacts.field.firstName')} value={contact.firstName} error={errorOf('firstName')} onSave={(firstName) => save({ firstName })} onRevert={revert} />
        <InlineText label={t('contacts.field.lastName')} value={contact.lastName} error={errorOf('lastName')} onSave={(lastName) => save({ lastName })} onRevert={revert} />
        <InlineText label={t('contacts.field.email')} type="email" value={contact.email} error={errorOf('email')} onSave={(email) => save({ email })} onRevert={revert} />
        <InlineText label={t('contacts.field.phone')} type="tel" value={contact.phone} error={errorOf('phone')} onSave={(phone) => save({ phone })} onRevert={revert} />
        <DetailField label={t('contacts.field.country')} error={errorOf('country')} hint={countryHint}>
          {(props) => (
            <select {...props} value={contact.country ?? ''} onChange={(event) => save({ country: event.target.value || null })}>
              <option value="">{phoneCountry ? t('contacts.country.usePhone') : '—'}</option>
              {(countries?.countryOptions(language) ?? (contact.country ? [{ code: contact.country, name: countryName(contact.country, language) }] : [])).map((country) => (
                <option key={country.code} value={country.code}>
                  {country.name}
                </option>
              ))}
            </select>
          )}
        </DetailField>
        <InlineText
          label={t('contacts.field.language')}
          value={contact.language}
          error={errorOf('language')}
          hint={contact.language ? languageName(contact.language, language) : t('contacts.language.hint')}
          onSave={(value) => save({ language: value })}
          onRevert={revert}
        />
        <DetailField label={t('contacts.field.contactAssignee')} error={errorOf('assigneeId')}>
          {(props) => (
            <select {...props} value={contact.assigneeId ?? ''} onChange={(event) => save({ assigneeId: event.target.value || null })}>
              <option value="">{t('contacts.filters.unassigned')}</option>
              {users.data?.map((user) => (
                <option key={user.id} value={user.id}>
                  {user.name}
                </option>
              ))}
            </select>
          )}
        </DetailField>
        <ContactConversation contact={contact} />
        <div className="detail-field">
          <span className="detail-label">{t('contacts.drawer.id')}</span>
          <span className="detail-static contact-id-value">{contact.id}</span>
        </div>
      </section>
      {fields.data && fields.data.length > 0 && (
        <section aria-labelledby={`${contact.id}-custom`} className="detail-section">
          <h3 id={`${contact.id}-custom`}>{t('contacts.drawer.customFields')}</h3>
          {fields.data.map((field) => (
            <CustomFieldInput
              key={field.id}
              field={field}
              value={contact.customFields[field.key]}
              error={refusedField === `customFields.${field.key}` ? t(`contacts.customFieldError.${field.type}`) : undefined}
              onSave={(value) => save({ customFields: { [field.key]: value } })}
              onRevert={revert}
            />
          ))}
        </section>
      )}
    </div>
  );
}

type ControlProps = { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string };

/** A label beside its control, with a hint or the reason the value was refused below. */
function DetailField(props: { label: string; error?: string; hint?: string; children: (control: ControlProps) => ReactNode }) {
  const id = useId();
  const notes = [props.error && `${id}-error`, props.hint && `${id}-hint`].filter(Boolean).join(' ') || undefined;
  return (
    <div className="detail-field">
      <label className="detail-label" htmlFor={id}>
        {props.label}
      </label>
      <div className="detail-control">
        {props.children({ id, 'aria-invalid': props.error ? true : undefined, 'aria-describedby': notes })}
        {props.hint && (
          <p id={`${id}-hint`} className="field-hint">
            {props.hint}
          </p>
        )}
        {props.error && (
          <p id={`${id}-error`} className="field-error">
            {props.error}
          </p>
        )}
      </div>
    </div>
  );
}

/**
 * Text edited in place: saved when the field is left or on Enter, when it changed; Escape puts
 * back the saved value. A blank field clears the value. The input starts afresh whenever the
 * saved value changes (the API normalises: `0151 …` comes back as `+49151…`).
 */
function InlineText(props: {
  label: string;
  value: string | null;
  type?: InputHTMLAttributes<HTMLInputElement>['type'];
  error?: string;
  hint?: string;
  onSave: (value: string | null) => void;
  onRevert: () => void;
}) {
  const saved = props.value ?? '';
  return (
    <DetailField label={props.label} error={props.error} hint={props.hint}>
      {(control) => (
        <input
          {...control}
          key={saved}
          className="inline-input"
          placeholder="—"
          type={props.type ?? 'text'}
          defaultValue={saved}
          onBlur={(event) => {
            const value = event.target.value.trim();
            if (value !== saved) props.onSave(value === '' ? null : value);
            else if (props.error) props.onRevert();
          }}
          onKeyDown={(event) => {
            if (event.key === 'Enter') event.currentTarget.blur();
            if (event.key === 'Escape') {
              event.preventDefault();
              event.currentTarget.value = saved;
              event.currentTarget.blur();
            }
          }}
        />
      )}
    </DetailField>
  );
}

/** The input that fits the field's type (SPEC §2.1: text, number, date, dropdown, checkbox, email, phone, URL). */
function CustomFieldInput(props: { field: CustomField; value: unknown; error?: string; onSave: (value: unknown) => void; onRevert: () => void }) {
  const { field, value, error, onSave } = props;
  const { t } = useI18n();
  if (field.type === 'checkbox') {
    return (
      <DetailField label={field.label} error={error}>
        {(control) => <input {...control} type="checkbox" className="detail-checkbox" checked={value === true} onChange={(event) => onSave(event.target.checked)} />}
      </DetailField>
    );
  }
  if (field.type === 'dropdown') {
    return (
      <DetailField label={field.label} error={error}>
        {(control) => (
          <select {...control} value={typeof value === 'string' ? value : ''} onChange={(event) => onSave(event.target.value || null)}>
            <option value="">—</option>
            {(field.options ?? []).map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        )}
      </DetailField>
    );
  }
  const types = { text: 'text', number: 'number', date: 'date', email: 'email', phone: 'tel', url: 'url' } as const;
  const text = value === undefined || value === null ? null : String(value);
  return (
    <>
      <InlineText label={field.label} type={types[field.type]} value={text} error={error} onSave={onSave} onRevert={props.onRevert} />
      {field.type === 'url' && text && /^https?:\/\//i.test(text) && (
        <a className="detail-link" href={text} target="_blank" rel="noopener noreferrer nofollow">
          {t('contacts.openLink')}
        </a>
      )}
    </>
  );
}
