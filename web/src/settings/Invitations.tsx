import { type FormEvent, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { canManageUser, type Role, roles } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { Dialog } from '../ui/Dialog.js';
import { errorMessage, formErrors } from '../ui/errors.js';
import { FormActions, FormAlert, FormSuccess, SelectField, TextField } from '../ui/forms.js';
import { useInvitations, useInvite, useWithdrawInvitation } from './invitations.queries.js';

/** "Invite by email" and the invitations still open, for the Users section. */
export function Invitations() {
  const i18n = useI18n();
  const { t, language } = i18n;
  const invitations = useInvitations();
  const withdraw = useWithdrawInvitation();
  const [inviting, setInviting] = useState(false);
  const date = (value: string) => new Intl.DateTimeFormat(language, { dateStyle: 'medium' }).format(new Date(value));

  return (
    <div className="invitations">
      <button type="button" className="button" onClick={() => setInviting(true)}>
        {t('invitations.invite')}
      </button>
      {invitations.data && invitations.data.length > 0 && (
        <section aria-labelledby="invitations-heading" className="invitations-list">
          <h3 id="invitations-heading">{t('invitations.pending')}</h3>
          <ul>
            {invitations.data.map((invitation) => (
              <li key={invitation.id} className="invitation">
                <span>
                  {invitation.name} · {invitation.email} · {t(`role.${invitation.role}`)}
                </span>
                <span className="muted">{t('invitations.until', { date: date(invitation.expiresAt) })}</span>
                <button
                  type="button"
                  className="button button--small button--danger-text"
                  disabled={withdraw.isPending}
                  onClick={() => withdraw.mutate(invitation.id)}
                >
                  {t('invitations.withdraw')}
                  <span className="visually-hidden"> {invitation.email}</span>
                </button>
              </li>
            ))}
          </ul>
          <FormAlert>{withdraw.error ? errorMessage(withdraw.error, i18n) : undefined}</FormAlert>
        </section>
      )}
      {inviting && <InviteDialog onClose={() => setInviting(false)} />}
    </div>
  );
}

function InviteDialog({ onClose }: { onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { user: me } = useSession();
  const invite = useInvite();
  const errors = formErrors(invite.error, i18n, ['email', 'name', 'role']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    invite.mutate({ email: String(form.get('email')), name: String(form.get('name')), role: String(form.get('role')) as Role });
  }

  return (
    <Dialog title={t('invitations.invite')} onClose={onClose}>
      {invite.isSuccess ? (
        <>
          <FormSuccess>{t('invitations.sent', { email: invite.data.email })}</FormSuccess>
          <div className="dialog-actions">
            <button type="button" className="button button--primary" onClick={onClose}>
              {t('action.done')}
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          <p className="muted">{t('invitations.intro')}</p>
          <TextField label={t('field.email')} name="email" type="email" autoComplete="off" required error={errors.of('email')} />
          <TextField label={t('users.name')} name="name" autoComplete="off" required error={errors.of('name')} />
          <SelectField label={t('field.role')} name="role" defaultValue="agent" error={errors.of('role')}>
            {roles
              .filter((role) => canManageUser(me.role, role))
              .map((role) => (
                <option key={role} value={role}>
                  {t(`role.${role}`)}
                </option>
              ))}
          </SelectField>
          <FormAlert>{errors.general}</FormAlert>
          <FormActions onCancel={onClose} submitLabel={t('invitations.send')} pending={invite.isPending} />
        </form>
      )}
    </Dialog>
  );
}
