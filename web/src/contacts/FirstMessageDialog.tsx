import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { Dialog } from '../ui/Dialog.js';
import { formErrors } from '../ui/errors.js';
import { FormAlert, FormSuccess, FormActions } from '../ui/forms.js';
import { channelTypeName } from './contact-format.js';
import type { ContactChannel } from './contacts.queries.js';

/** Starts a conversation on a channel the business may write first on (SPEC §2.2, §7). */
export function FirstMessageDialog({ contactId, channel, onClose }: { contactId: string; channel: ContactChannel; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queryClient = useQueryClient();
  const id = useId();
  const [text, setText] = useState('');
  const send = useMutation({
    mutationFn: () => api.post(`/api/v1/contacts/${contactId}/messages`, { channelId: channel.channelId, text }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['contacts', contactId] }),
  });
  const errors = formErrors(send.error, i18n, ['text']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    send.mutate();
  }

  return (
    <Dialog title={t('contacts.firstMessage.title', { channel: `${channel.name} (${channelTypeName(channel.type, t)})` })} onClose={onClose}>
      {send.isSuccess ? (
        <>
          <FormSuccess>{t('contacts.firstMessage.sent')}</FormSuccess>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={onClose}>
              {t('action.close')}
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <div className="field">
            <label htmlFor={id}>{t('contacts.firstMessage.text')}</label>
            <textarea
              id={id}
              className="contacts-textarea"
              rows={5}
              required
              value={text}
              aria-invalid={errors.of('text') ? true : undefined}
              onChange={(event) => setText(event.target.value)}
            />
            {errors.of('text') && <p className="field-error">{errors.of('text')}</p>}
          </div>
          <FormAlert>{errors.general}</FormAlert>
          <FormActions onCancel={onClose} submitLabel={t('contacts.firstMessage.send')} pending={send.isPending || text.trim() === ''} />
        </form>
      )}
    </Dialog>
  );
}
