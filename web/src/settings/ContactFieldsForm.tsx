import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api } from '../api.js';
import { type CustomField, type CustomFieldType, customFieldTypes } from '../contacts/contacts.queries.js';
import { useI18n } from '../i18n/i18n.js';
import { Dialog } from '../ui/Dialog.js';
import { formErrors } from '../ui/errors.js';
import { FormAlert, SelectField, TextField, FormActions } from '../ui/forms.js';

/** A key made from a label: `Lead score` → `leadScore`; the API wants a letter first, then letters, digits or _. */
function keyOf(label: string): string {
  const words = label
    .normalize('NFD')
    .replace(/[^A-Za-z0-9 ]/g, '')
    .split(/\s+/)
    .filter(Boolean);
  const key = words.map((word, index) => (index === 0 ? word.toLowerCase() : word[0]!.toUpperCase() + word.slice(1).toLowerCase())).join('');
  return key.replace(/^[^A-Za-z]+/, '').slice(0, 64);
}

/** Creates a custom field, or changes the label and options of one (its key and type are fixed). */
export function ContactFieldsForm({ field, onClose }: { field: CustomField | null; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queryClient = useQueryClient();
  const optionsId = useId();
  const [label, setLabel] = useState(field?.label ?? '');
  const [key, setKey] = useState(field?.key ?? '');
  const [keyTouched, setKeyTouched] = useState(false);
  const [type, setType] = useState<CustomFieldType>(field?.type ?? 'text');
  const [options, setOptions] = useState((field?.options ?? []).join('\n'));
  const save = useMutation({
    mutationFn: () => {
      const optionList = type === 'dropdown' ? options.split('\n').map((option) => option.trim()).filter(Boolean) : undefined;
      return field
        ? api.patch<CustomField>(`/api/v1/custom-fields/${field.id}`, { label, options: optionList })
        : api.post<CustomField>('/api/v1/custom-fields', { key, label, type, options: optionList });
    },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['custom-fields'] });
      onClose();
    },
  });
  const errors = formErrors(save.error, i18n, ['key', 'label', 'options']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate();
  }

  return (
    <Dialog title={field ? t('contactFields.editTitle', { label: field.label }) : t('contactFields.createTitle')} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <TextField
          label={t('contactFields.label')}
          value={label}
          required
          maxLength={100}
          error={errors.of('label')}
          onChange={(event) => {
            setLabel(event.target.value);
            if (!field && !keyTouched) setKey(keyOf(event.target.value));
          }}
        />
        {field ? (
          <p className="muted">{t('contactFields.fixed', { key: field.key, type: t(`contactFields.type.${field.type}`) })}</p>
        ) : (
          <>
            <TextField
              label={t('contactFields.key')}
              hint={t('contactFields.keyHint')}
              value={key}
              required
              maxLength={64}
              pattern="[A-Za-z][A-Za-z0-9_]*"
              spellCheck={false}
              autoCapitalize="off"
              error={errors.of('key')}
              onChange={(event) => {
                setKeyTouched(true);
                setKey(event.target.value);
              }}
            />
            <SelectField label={t('contactFields.type')} value={type} onChange={(event) => setType(event.target.value as CustomFieldType)}>
              {customFieldTypes.map((each) => (
                <option key={each} value={each}>
                  {t(`contactFields.type.${each}`)}
                </option>
              ))}
            </SelectField>
          </>
        )}
        {type === 'dropdown' && (
          <div className="field">
            <label htmlFor={optionsId}>{t('contactFields.options')}</label>
            <textarea
              id={optionsId}
              className="contacts-textarea"
              rows={5}
              value={options}
              aria-invalid={errors.of('options') ? true : undefined}
              aria-describedby={`${optionsId}-hint`}
              onChange={(event) => setOptions(event.target.value)}
            />
            <p id={`${optionsId}-hint`} className="field-hint">
              {t('contactFields.optionsHint')}
            </p>
            {errors.of('options') && <p className="field-error">{errors.of('options')}</p>}
          </div>
        )}
        <FormAlert>{errors.general}</FormAlert>
        <FormActions onCancel={onClose} submitLabel={field ? t('action.save') : t('contactFields.create')} pending={save.isPending} />
      </form>
    </Dialog>
  );
}
