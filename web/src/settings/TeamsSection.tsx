import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { Avatar } from '../ui/Avatar.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { errorMessage, formErrors } from '../ui/errors.js';
import { FormAlert, SelectField, TextField } from '../ui/forms.js';
import { type Team, type User, useTeams, useUsers } from '../workspace/workspace.queries.js';

/** Puts a created or changed team into the cached list, so the page shows it before any refetch. */
function useStoreTeam() {
  const queryClient = useQueryClient();
  return (team: Team) =>
    queryClient.setQueryData<Team[]>(['teams'], (teams = []) =>
      teams.some((each) => each.id === team.id) ? teams.map((each) => (each.id === team.id ? team : each)) : [...teams, team],
    );
}

export function TeamsSection() {
  const i18n = useI18n();
  const { t } = i18n;
  const teams = useTeams();
  const users = useUsers();
  const storeTeam = useStoreTeam();
  const create = useMutation({
    mutationFn: (name: string) => api.post<Team>('/api/v1/teams', { name }),
    onSuccess: storeTeam,
  });
  const errors = formErrors(create.error, i18n, ['name']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    create.mutate(String(new FormData(form).get('name')), { onSuccess: () => form.reset() });
  }

  return (
    <section className="card" aria-labelledby="teams-heading">
      <header className="card-header">
        <h2 id="teams-heading">{t('teams.title')}</h2>
      </header>
      <form className="inline-form" onSubmit={submit} noValidate>
        <TextField label={t('teams.newName')} name="name" required error={errors.of('name')} />
        <button type="submit" className="button button--primary" disabled={create.isPending}>
          {t('teams.create')}
        </button>
      </form>
      <FormAlert>{errors.general}</FormAlert>
      {teams.data?.length === 0 && <p className="muted">{t('teams.none')}</p>}
      <ul className="teams">
        {teams.data?.map((team) => (
          <TeamItem key={team.id} team={team} users={users.data ?? []} />
        ))}
      </ul>
    </section>
  );
}

function TeamItem({ team, users }: { team: Team; users: User[] }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queryClient = useQueryClient();
  const storeTeam = useStoreTeam();
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const update = useMutation({
    mutationFn: (patch: { name?: string; memberIds?: string[] }) => api.patch<Team>(`/api/v1/teams/${team.id}`, patch),
    onSuccess: storeTeam,
  });
  const members = users.filter((user) => team.memberIds.includes(user.id));
  const others = users.filter((user) => !team.memberIds.includes(user.id));
  const errors = formErrors(update.error, i18n, ['name']);

  function rename(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    update.mutate({ name: String(new FormData(event.currentTarget).get('name')) }, { onSuccess: () => setRenaming(false) });
  }

  return (
    <li className="team">
      <div className="team-header">
        {renaming ? (
          <form className="inline-form" onSubmit={rename} noValidate>
            <TextField label={t('teams.name')} name="name" defaultValue={team.name} required autoFocus error={errors.of('name')} />
            <button type="submit" className="button button--primary" disabled={update.isPending}>
              {t('action.save')}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => {
                update.reset();
                setRenaming(false);
              }}
            >
              {t('action.cancel')}
            </button>
          </form>
        ) : (
          <>
            <h3>{team.name}</h3>
            <button type="button" className="button button--small" aria-label={t('teams.renameOf', { name: team.name })} onClick={() => setRenaming(true)}>
              {t('teams.rename')}
            </button>
            <button type="button" className="button button--small button--danger-text" aria-label={t('teams.deleteOf', { name: team.name })} onClick={() => setDeleting(true)}>
              {t('action.delete')}
            </button>
          </>
        )}
      </div>
      <div className="team-members">
        <ul className="chips" aria-label={t('teams.membersOf', { name: team.name })}>
          {members.length === 0 && <li className="muted">{t('teams.noMembers')}</li>}
          {members.map((member) => (
            <li key={member.id} className="chip">
              <Avatar name={member.name} />
              {member.name}
              <button
                type="button"
                className="chip-remove"
                aria-label={t('teams.removeMember', { name: member.name, team: team.name })}
                title={t('teams.removeMember', { name: member.name, team: team.name })}
                disabled={update.isPending}
                onClick={() => update.mutate({ memberIds: team.memberIds.filter((id) => id !== member.id) })}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
        {others.length > 0 && (
          <SelectField
            label={t('teams.addMember')}
            value=""
            disabled={update.isPending}
            onChange={(event) => update.mutate({ memberIds: [...team.memberIds, event.target.value] })}
          >
            <option value="" disabled>
              {t('teams.chooseUser')}
            </option>
            {others.map((user) => (
              <option key={user.id} value={user.id}>
                {user.name}
              </option>
            ))}
          </SelectField>
        )}
      </div>
      {!renaming && update.error && (
        <p role="alert" className="field-error">
          {errorMessage(update.error, i18n)}
        </p>
      )}
      {deleting && (
        <ConfirmDialog
          title={t('teams.deleteTitle', { name: team.name })}
          message={t('teams.deleteBody')}
          confirmLabel={t('teams.deleteConfirm')}
          onConfirm={async () => {
            await api.delete(`/api/v1/teams/${team.id}`);
            queryClient.setQueryData<Team[]>(['teams'], (teams) => teams?.filter((each) => each.id !== team.id));
          }}
          onClose={() => setDeleting(false)}
        />
      )}
    </li>
  );
}
