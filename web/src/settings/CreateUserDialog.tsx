import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { canManageUser, type Role, roles } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { Dialog } from '../ui/Dialog.js';
import { formErrors } from '../ui/errors.js';
import { FormAlert, SelectField, TextField, FormActions } from '../ui/forms.js';
import type { User } from '../workspace/workspace.queries.js';

type NewUser = { email: string; name: string; role: Role; password: string };

export function CreateUserDialog({ onClose }: { onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { user: me } = useSession();
  const queryClient = useQueryClient();
  const create = useMutation({
    mutationFn: (input: NewUser) => api.post<User>('/api/v1/users', input),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['users'] });
      onClose();
    },
  });
  const errors = formErrors(create.error, i18n, ['email', 'name', 'role', 'password']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      email: String(form.get('email')),
      name: String(form.get('name')),
      role: String(form.get('role')) as Role,
      password: String(form.get('password')),
    });
  }

  return (
    <Dialog title={t('users.add')} onClose={onClose}>
      <form onSubmit={submit} noValidate>
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
        <TextField
          label={t('users.initialPassword')}
          name="password"
          type="password"
          autoComplete="new-password"
          required
          hint={t('users.initialPasswordHint')}
          error={errors.of('password')}
        />
        <FormAlert>{errors.general}</FormAlert>
        <FormActions onCancel={onClose} submitLabel={t('users.create')} pending={create.isPending} />
      </form>
    </Dialog>
  );
}
