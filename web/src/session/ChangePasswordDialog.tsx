import { type FormEvent, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { Dialog } from '../ui/Dialog.js';
import { formErrors } from '../ui/errors.js';
import { FormAlert, FormSuccess, TextField, FormActions } from '../ui/forms.js';
import { useChangeOwnPassword } from './session.js';

export function ChangePasswordDialog({ onClose }: { onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const change = useChangeOwnPassword();
  const [mismatch, setMismatch] = useState(false);
  const errors = formErrors(change.error, i18n, ['currentPassword', 'newPassword']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const newPassword = String(form.get('newPassword'));
    const matches = newPassword === String(form.get('repeatPassword'));
    setMismatch(!matches);
    if (!matches) return;
    change.mutate({ currentPassword: String(form.get('currentPassword')), newPassword });
  }

  return (
    <Dialog title={t('password.title')} onClose={onClose}>
      {change.isSuccess ? (
        <>
          <FormSuccess>{t('password.changed')}</FormSuccess>
          <div className="dialog-actions">
            <button type="button" className="button button--primary" onClick={onClose}>
              {t('action.done')}
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <TextField
            label={t('password.current')}
            name="currentPassword"
            type="password"
            autoComplete="current-password"
            required
            error={errors.of('currentPassword')}
          />
          <TextField
            label={t('password.new')}
            name="newPassword"
            type="password"
            autoComplete="new-password"
            required
            hint={t('password.hint')}
            error={errors.of('newPassword')}
          />
          <TextField
            label={t('password.repeat')}
            name="repeatPassword"
            type="password"
            autoComplete="new-password"
            required
            error={mismatch ? t('password.mismatch') : undefined}
          />
          <FormAlert>{errors.general}</FormAlert>
          <FormActions onCancel={onClose} submitLabel={t('password.submit')} pending={change.isPending} />
        </form>
      )}
    </Dialog>
  );
}
