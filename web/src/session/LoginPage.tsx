import type { FormEvent } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert, TextField } from '../ui/forms.js';
import { AuthCard } from './AuthCard.js';
import { useSignIn } from './session.js';

export function LoginPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const signIn = useSignIn();

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    signIn.mutate({ email: String(form.get('email')), password: String(form.get('password')) });
  }

  return (
    <AuthCard title={t('login.title')}>
      <form onSubmit={submit} noValidate>
        <TextField label={t('field.email')} name="email" type="email" autoComplete="username" required autoFocus />
        <TextField label={t('field.password')} name="password" type="password" autoComplete="current-password" required />
        <FormAlert>{signIn.error ? errorMessage(signIn.error, i18n) : undefined}</FormAlert>
        <button type="submit" className="button button--primary button--block" disabled={signIn.isPending}>
          {t('login.submit')}
        </button>
      </form>
    </AuthCard>
  );
}
