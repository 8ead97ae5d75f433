import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { errorMessage, formErrors } from '../ui/errors.js';
import { FormAlert, TextField } from '../ui/forms.js';
import { AuthCard } from './AuthCard.js';

type InvitationInfo = { email: string; name: string; workspaceName: string };

/** `/invitation/<token>`: the invited person chooses a password and is signed in. */
export function AcceptInvitationPage({ token }: { token: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const invitation = useQuery({ queryKey: ['invitation', token], queryFn: () => api.get<InvitationInfo>(`/api/v1/invitations/by-token/${encodeURIComponent(token)}`), retry: false });
  const accept = useMutation({
    mutationFn: (password: string) => api.post('/api/v1/invitations/accept', { token, password }),
    onSuccess: async () => {
      await queryClient.refetchQueries({ queryKey: ['me'] });
      navigate('/inbox', { replace: true });
    },
  });
  const errors = formErrors(accept.error, i18n, ['password']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    accept.mutate(String(new FormData(event.currentTarget).get('password')));
  }

  if (invitation.error) {
    return (
      <AuthCard title={t('invitations.gone.title')}>
        <p role="alert">{errorMessage(invitation.error, i18n)}</p>
      </AuthCard>
    );
  }
  if (!invitation.data) return <p className="loading" aria-busy="true" />;
  return (
    <AuthCard title={t('invitations.accept.title', { workspace: invitation.data.workspaceName })} intro={t('invitations.accept.intro', { name: invitation.data.name, email: invitation.data.email })}>
      <form onSubmit={submit} noValidate>
        <input type="email" name="email" autoComplete="username" value={invitation.data.email} readOnly hidden />
        <TextField label={t('field.password')} name="password" type="password" autoComplete="new-password" required autoFocus hint={t('password.hint')} error={errors.of('password')} />
        <FormAlert>{errors.general}</FormAlert>
        <button type="submit" className="button button--primary button--block" disabled={accept.isPending}>
          {t('invitations.accept.submit')}
        </button>
      </form>
    </AuthCard>
  );
}
