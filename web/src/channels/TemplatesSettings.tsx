import { type FormEvent, useId, useState } from 'react';
import { channelTypeName } from '../contacts/contact-format.js';
import type { MessageKey } from '../i18n/en.js';
import { isMessageKey, useI18n } from '../i18n/i18n.js';
import { SettingsTable } from '../settings/SettingsTable.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { Dialog } from '../ui/Dialog.js';
import { RowButton } from '../ui/RowButton.js';
import { formErrors } from '../ui/errors.js';
import { FormActions, FormAlert, SelectField, TextField } from '../ui/forms.js';
import { type Channel, type Template, type TemplateSupport, useChannels, useChannelTypes, useRemoveTemplate, useSaveTemplate, useTemplates } from './channels.queries.js';
import { TemplatePreview } from './TemplatePreview.js';
import './channels.css';

/** Settings → Templates: each channel's pre-approved messages (WhatsApp's), with a filled-in preview. */
export function TemplatesSettings() {
  const { t } = useI18n();
  const channels = useChannels();
  const types = useChannelTypes();
  const supportOf = (channel: Channel) => types.data?.find((type) => type.type === channel.type)?.templates ?? null;
  const withTemplates = (channels.data ?? []).filter((channel) => supportOf(channel) !== null);
  const [chosen, setChosen] = useState<string>();
  const channel = withTemplates.find((each) => each.id === chosen) ?? withTemplates[0];
  const templates = useTemplates(channel?.id);
  const [editing, setEditing] = useState<Template | 'new'>();
  const [deleting, setDeleting] = useState<Template>();
  const remove = useRemoveTemplate();
  const support = channel ? supportOf(channel) : null;

  return (
    <section className="card" aria-labelledby="templates-heading">
      <header className="card-header">
        <h2 id="templates-heading">{t('templates.title')}</h2>
        {channel && (
          <button type="button" className="button button--primary" onClick={() => setEditing('new')}>
            {t('templates.add')}
          </button>
        )}
      </header>
      <p className="muted">{t('templates.intro')}</p>
      {channels.data && types.data && withTemplates.length === 0 && <p className="muted">{t('templates.noChannel')}</p>}
      {withTemplates.length > 1 && (
        <div className="templates-toolbar">
          <SelectField label={t('templates.channel')} value={channel?.id} onChange={(event) => setChosen(event.target.value)}>
            {withTemplates.map((each) => (
              <option key={each.id} value={each.id}>
                {each.name} ({channelTypeName(each.type, t)})
              </option>
            ))}
          </SelectField>
        </div>
      )}
      <SettingsTable rows={templates.data} empty={t('templates.none')} columns={[t('templates.name'), t('templates.language'), t('templates.category'), t('templates.body')]} actionsLabel={t('channels.column.actions')}>
        {(template) => (
          <>
            <td>
              <code>{template.name}</code>
            </td>
            <td>{template.language}</td>
            <td>{template.category ?? '—'}</td>
            <td className="template-body">{template.body}</td>
            <td className="row-actions">
              <RowButton label={t('templates.editOf', { name: template.name, language: template.language })} onClick={() => setEditing(template)}>
                {t('templates.edit')}
              </RowButton>
              <RowButton label={t('templates.deleteOf', { name: template.name, language: template.language })} onClick={() => setDeleting(template)} danger>
                {t('action.delete')}
              </RowButton>
            </td>
          </>
        )}
      </SettingsTable>
      {editing && channel && support && (
        <TemplateDialog channelId={channel.id} support={support} template={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)} />
      )}
      {deleting && (
        <ConfirmDialog
          title={t('templates.deleteTitle', { name: deleting.name })}
          message={t('templates.deleteBody')}
          confirmLabel={t('templates.deleteConfirm')}
          onConfirm={() => remove.mutateAsync(deleting.id)}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </section>
  );
}

function TemplateDialog({ channelId, support, template, onClose }: { channelId: string; support: TemplateSupport; template?: Template; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const bodyId = useId();
  const save = useSaveTemplate(template?.id);
  const [body, setBody] = useState(template?.body ?? '');
  const errors = formErrors(save.error, i18n, ['name', 'language', 'category', 'body', ...(support.fields ?? []).map((field) => `fields.${field.key}`)]);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const input = {
      name: String(form.get('name') ?? '').trim(),
      language: String(form.get('language') ?? '').trim(),
      category: String(form.get('category') ?? '') || null,
      body,
      // The type's extra fields (an email's subject), each filled like the body when sent.
      ...(support.fields ? { fields: Object.fromEntries(support.fields.map((field) => [field.key, String(form.get(`field-${field.key}`) ?? '')])) } : {}),
    };
    save.mutate(template ? input : { ...input, channelId }, { onSuccess: onClose });
  }

  return (
    <Dialog title={template ? t('templates.editTitle', { name: template.name }) : t('templates.add')} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <TextField label={t('templates.name')} name="name" defaultValue={template?.name} hint={t('templates.nameHint')} error={errors.of('name')} required autoComplete="off" spellCheck={false} />
        <TextField label={t('templates.language')} name="language" defaultValue={template?.language ?? 'en'} hint={t('templates.languageHint')} error={errors.of('language')} required autoComplete="off" />
        {support.categories && (
          <SelectField label={t('templates.category')} name="category" defaultValue={template?.category ?? ''} error={errors.of('category')}>
            <option value="">{t('templates.categoryNone')}</option>
            {support.categories.map((category) => (
              <option key={category} value={category}>
                {category}
              </option>
            ))}
          </SelectField>
        )}
        {support.fields?.map((field) => (
          <TextField
            key={field.key}
            label={isMessageKey(`templates.field.${field.key}`) ? t(`templates.field.${field.key}` as MessageKey) : field.key}
            name={`field-${field.key}`}
            defaultValue={template?.fields?.[field.key]}
            maxLength={field.maxLength}
            required={field.required}
            error={errors.of(`fields.${field.key}`)}
            autoComplete="off"
          />
        ))}
        <div className="field">
          <label htmlFor={bodyId}>{t('templates.body')}</label>
          <textarea
            id={bodyId}
            rows={5}
            value={body}
            maxLength={support.maxBodyLength}
            required
            aria-invalid={errors.of('body') ? true : undefined}
            aria-describedby={`${bodyId}-hint`}
            onChange={(event) => setBody(event.target.value)}
          />
          <p id={`${bodyId}-hint`} className="field-hint">
            {t(support.placeholders === 'named' ? 'templates.bodyHintNamed' : 'templates.bodyHint')}
          </p>
          {errors.of('body') && <p className="field-error">{errors.of('body')}</p>}
        </div>
        <TemplatePreview body={body} style={support.placeholders} />
        <FormAlert>{errors.general}</FormAlert>
        <FormActions onCancel={onClose} submitLabel={t('action.save')} pending={save.isPending} />
      </form>
    </Dialog>
  );
}
