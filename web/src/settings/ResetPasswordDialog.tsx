import { useMutation } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { Dialog } from '../ui/Dialog.js';
import { formErrors } from '../ui/errors.js';
import { FormAlert, FormSuccess, TextField, FormActions } from '../ui/forms.js';
import type { User } from '../workspace/workspace.queries.js';

export function ResetPasswordDialog({ user, onClose }: { user: User; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const reset = useMutation({ mutationFn: (password: string) => api.post(`/api/v1/users/${user.id}/password`, { password }) });
  const errors = formErrors(reset.error, i18n, ['password']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    reset.mutate(String(new FormData(event.currentTarget).get('password')));
  }

  return (
    <Dialog title={t('users.resetPasswordTitle', { name: user.name })} onClose={onClose}>
      {reset.isSuccess ? (
        <>
          <FormSuccess>{t('users.resetPasswordDone', { name: user.name })}</FormSuccess>
          <div className="dialog-actions">
            <button type="button" className="button button--primary" onClick={onClose}>
              {t('action.done')}
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <p>{t('users.resetPasswordBody', { name: user.name })}</p>
          <TextField
            label={t('password.new')}
            name="password"
            type="password"
            autoComplete="new-password"
            required
            hint={t('password.hint')}
            error={errors.of('password')}
          />
          <FormAlert>{errors.general}</FormAlert>
          <FormActions onCancel={onClose} submitLabel={t('users.resetPasswordSubmit')} pending={reset.isPending} />
        </form>
      )}
    </Dialog>
  );
}
