import type { FormEvent } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { formErrors } from '../ui/errors.js';
import { FormAlert, TextField } from '../ui/forms.js';
import { AuthCard } from './AuthCard.js';
import { useCreateWorkspace } from './session.js';

/** The first-run page of an installation without a workspace. */
export function SetupPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const create = useCreateWorkspace();
  const errors = formErrors(create.error, i18n, ['workspaceName', 'name', 'email', 'password']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    create.mutate({
      workspaceName: String(form.get('workspaceName')),
      name: String(form.get('name')),
      email: String(form.get('email')),
      password: String(form.get('password')),
    });
  }

  return (
    <AuthCard title={t('setup.title')} intro={t('setup.intro')}>
      <form onSubmit={submit} noValidate>
        <TextField label={t('field.workspaceName')} name="workspaceName" required autoFocus error={errors.of('workspaceName')} />
        <TextField label={t('field.yourName')} name="name" autoComplete="name" required error={errors.of('name')} />
        <TextField label={t('field.email')} name="email" type="email" autoComplete="username" required error={errors.of('email')} />
        <TextField
          label={t('field.password')}
          name="password"
          type="password"
          autoComplete="new-password"
          required
          hint={t('password.hint')}
          error={errors.of('password')}
        />
        <FormAlert>{errors.general}</FormAlert>
        <button type="submit" className="button button--primary button--block" disabled={create.isPending}>
          {t('setup.submit')}
        </button>
      </form>
    </AuthCard>
  );
}
