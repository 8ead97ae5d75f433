import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { canManageUser, may, type Role, roles } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { Avatar } from '../ui/Avatar.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { errorMessage } from '../ui/errors.js';
import { type User, usePresence, useUsers } from '../workspace/workspace.queries.js';
import { CreateUserDialog } from './CreateUserDialog.js';
import { Invitations } from './Invitations.js';
import { ResetPasswordDialog } from './ResetPasswordDialog.js';

export function UsersSection() {
  const { t } = useI18n();
  const users = useUsers();
  const [creating, setCreating] = useState(false);

  return (
    <section className="card" aria-labelledby="users-heading">
      <header className="card-header">
        <h2 id="users-heading">{t('users.title')}</h2>
        <button type="button" className="button button--primary" onClick={() => setCreating(true)}>
          {t('users.add')}
        </button>
      </header>
      <Invitations />
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('users.name')}</th>
            <th scope="col">{t('field.email')}</th>
            <th scope="col">{t('field.role')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('users.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.data?.map((user) => (
            <UserRow key={user.id} user={user} />
          ))}
        </tbody>
      </table>
      {creating && <CreateUserDialog onClose={() => setCreating(false)} />}
    </section>
  );
}

function UserRow({ user }: { user: User }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { user: me } = useSession();
  const queryClient = useQueryClient();
  const online = usePresence().data?.has(user.id) ?? false;
  const [removing, setRemoving] = useState(false);
  const [resetting, setResetting] = useState(false);
  const changeRole = useMutation({
    mutationFn: (role: Role) => api.patch<User>(`/api/v1/users/${user.id}`, { role }),
    onSuccess: (updated) => queryClient.setQueryData<User[]>(['users'], (list) => list?.map((each) => (each.id === updated.id ? updated : each))),
  });
  const isMe = user.id === me.id;
  const manageable = !isMe && canManageUser(me.role, user.role);

  return (
    <tr>
      <td>
        <span className="person">
          <Avatar name={user.name} />
          <span>
            {user.name}
            {isMe && <span className="muted"> {t('users.you')}</span>}
          </span>
          <span
            role="img"
            className={`dot dot--${online ? 'online' : 'offline'}`}
            aria-label={online ? t('presence.online') : t('presence.offline')}
            title={online ? t('presence.online') : t('presence.offline')}
          />
        </span>
      </td>
      <td>{user.email}</td>
      <td>
        {manageable ? (
          <>
            <select
              aria-label={t('users.roleOf', { name: user.name })}
              value={changeRole.isPending ? changeRole.variables : user.role}
              disabled={changeRole.isPending}
              onChange={(event) => changeRole.mutate(event.target.value as Role)}
            >
              {roles
                .filter((role) => canManageUser(me.role, role))
                .map((role) => (
                  <option key={role} value={role}>
                    {t(`role.${role}`)}
                  </option>
                ))}
            </select>
            {changeRole.error && (
              <p role="alert" className="field-error">
                {errorMessage(changeRole.error, i18n)}
              </p>
            )}
          </>
        ) : (
          <span className="badge">{t(`role.${user.role}`)}</span>
        )}
      </td>
      <td className="row-actions">
        {!isMe && may(me.role, 'users.resetPassword') && (
          <button type="button" className="button button--small" aria-label={t('users.resetPasswordOf', { name: user.name })} onClick={() => setResetting(true)}>
            {t('users.resetPassword')}
          </button>
        )}
        {manageable && (
          <button type="button" className="button button--small button--danger-text" aria-label={t('users.removeOf', { name: user.name })} onClick={() => setRemoving(true)}>
            {t('action.remove')}
          </button>
        )}
        {resetting && <ResetPasswordDialog user={user} onClose={() => setResetting(false)} />}
        {removing && (
          <ConfirmDialog
            title={t('users.removeTitle', { name: user.name })}
            message={t('users.removeBody', { name: user.name })}
            confirmLabel={t('users.removeConfirm')}
            onConfirm={async () => {
              await api.delete(`/api/v1/users/${user.id}`);
              await Promise.all([
                queryClient.invalidateQueries({ queryKey: ['users'] }),
                queryClient.invalidateQueries({ queryKey: ['teams'] }),
              ]);
            }}
            onClose={() => setRemoving(false)}
          />
        )}
      </td>
    </tr>
  );
}
