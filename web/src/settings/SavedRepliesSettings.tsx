import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { FormattedText } from '../inbox/FormattedText.js';
import type { SavedReply } from '../inbox/inbox.queries.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { Dialog } from '../ui/Dialog.js';
import { RowButton } from '../ui/RowButton.js';
import { formErrors } from '../ui/errors.js';
import { FormAlert, TextField, FormActions } from '../ui/forms.js';
import { SettingsTable } from './SettingsTable.js';
import '../inbox/inbox.css';

const listKey = ['saved-replies', 'all'];

/** Every saved reply, all pages: a workspace keeps a handful to a few hundred. */
function useAllSavedReplies() {
  return useQuery({
    queryKey: listKey,
    queryFn: async () => {
      const replies: SavedReply[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page: { items: SavedReply[]; nextCursor: string | null } = await api.get(`/api/v1/saved-replies?limit=200${query}`);
        replies.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return replies;
    },
  });
}

/** Settings → Saved replies: the texts agents insert with `/` in the composer. */
export function SavedRepliesSettings() {
  const { t } = useI18n();
  const replies = useAllSavedReplies();
  const [editing, setEditing] = useState<SavedReply | 'new'>();
  const [deleting, setDeleting] = useState<SavedReply>();
  const queryClient = useQueryClient();

  return (
    <section className="card" aria-labelledby="saved-replies-heading">
      <header className="card-header">
        <h2 id="saved-replies-heading">{t('savedReplies.title')}</h2>
        <button type="button" className="button button--primary" onClick={() => setEditing('new')}>
          {t('savedReplies.add')}
        </button>
      </header>
      <p className="muted">{t('savedReplies.intro')}</p>
      <SettingsTable rows={replies.data} empty={t('savedReplies.none')} columns={[t('savedReplies.shortcut'), t('savedReplies.text')]} actionsLabel={t('users.actions')} className="saved-replies-table">
        {(reply) => (
          <>
            <td>
              <code>/{reply.shortcut}</code>
            </td>
            <td className="saved-reply-text">
              <FormattedText text={reply.text} />
            </td>
            <td className="row-actions">
              <RowButton label={t('savedReplies.editOf', { shortcut: reply.shortcut })} onClick={() => setEditing(reply)}>
                {t('savedReplies.edit')}
              </RowButton>
              <RowButton label={t('savedReplies.deleteOf', { shortcut: reply.shortcut })} onClick={() => setDeleting(reply)} danger>
                {t('action.delete')}
              </RowButton>
            </td>
          </>
        )}
      </SettingsTable>
      {editing && <SavedReplyDialog reply={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)} />}
      {deleting && (
        <ConfirmDialog
          title={t('savedReplies.deleteTitle', { shortcut: deleting.shortcut })}
          message={t('savedReplies.deleteBody')}
          confirmLabel={t('savedReplies.deleteConfirm')}
          onConfirm={async () => {
            await api.delete(`/api/v1/saved-replies/${deleting.id}`);
            await queryClient.invalidateQueries({ queryKey: ['saved-replies'] });
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </section>
  );
}

function SavedReplyDialog({ reply, onClose }: { reply?: SavedReply; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (input: { shortcut: string; text: string }) =>
      reply ? api.patch<SavedReply>(`/api/v1/saved-replies/${reply.id}`, input) : api.post<SavedReply>('/api/v1/saved-replies', input),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['saved-replies'] });
      onClose();
    },
  });
  const errors = formErrors(save.error, i18n, ['shortcut', 'text']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    save.mutate({ shortcut: String(form.get('shortcut')).replace(/^\//, ''), text: String(form.get('text')) });
  }

  return (
    <Dialog title={t(reply ? 'savedReplies.editTitle' : 'savedReplies.add')} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <TextField
          label={t('savedReplies.shortcut')}
          name="shortcut"
          defaultValue={reply?.shortcut}
          hint={t('savedReplies.shortcutHint')}
          error={errors.of('shortcut')}
          required
          autoComplete="off"
        />
        <TextArea label={t('savedReplies.text')} name="text" defaultValue={reply?.text} error={errors.of('text')} />
        <FormAlert>{errors.general}</FormAlert>
        <FormActions onCancel={onClose} submitLabel={t('action.save')} pending={save.isPending} />
      </form>
    </Dialog>
  );
}

function TextArea({ label, name, defaultValue, error }: { label: string; name: string; defaultValue?: string; error?: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea id={id} name={name} rows={6} defaultValue={defaultValue} required aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} />
      {error && (
        <p id={`${id}-error`} className="field-error">
          {error}
        </p>
      )}
    </div>
  );
}
