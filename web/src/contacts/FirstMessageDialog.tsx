import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { ChannelWindowPanel, type TemplateSend } from '../inbox/ReplyWindow.js';
import { takesText, useChannelWindows } from '../inbox/reply-window.queries.js';
import { Dialog } from '../ui/Dialog.js';
import { formErrors } from '../ui/errors.js';
import { FormAlert, FormSuccess, FormActions } from '../ui/forms.js';
import { channelTypeName } from './contact-format.js';
import type { ContactChannel } from './contacts.queries.js';

/**
 * Starts a conversation on a channel the business may write first on (SPEC §2.2, §7), with the
 * composer's window: on WhatsApp, where the contact never wrote, that is the template picker.
 */
export function FirstMessageDialog({ contactId, channel, onClose }: { contactId: string; channel: ContactChannel; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queryClient = useQueryClient();
  const id = useId();
  const [text, setText] = useState('');
  const [picking, setPicking] = useState(false);
  const windows = useChannelWindows(`/api/v1/contacts/${contactId}/window`, null);
  const window = windows.data?.find((each) => each.channelId === channel.channelId);
  const path = `/api/v1/contacts/${contactId}/messages`;
  const send = useMutation({
    mutationFn: (body: { text?: string; template?: TemplateSend }) => api.post(path, { type: 'reply', channelId: channel.channelId, ...body }),
    onSuccess: () => Promise.all([queryClient.invalidateQueries({ queryKey: ['contacts', contactId] }), queryClient.invalidateQueries({ queryKey: ['window'] })]),
  });
  const errors = formErrors(send.error, i18n, ['text']);
  const textAllowed = !window || takesText(window);
  const showPicker = window !== undefined && window.templates && (picking || !textAllowed);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    send.mutate({ text });
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
        <>
          {window && (
            <ChannelWindowPanel
              windows={[window]}
              chosen={window}
              onChoose={() => undefined}
              picking={showPicker}
              onPicking={setPicking}
              sendTemplate={(template) => send.mutateAsync({ template })}
            />
          )}
          {textAllowed && !showPicker && (
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
        </>
      )}
    </Dialog>
  );
}
