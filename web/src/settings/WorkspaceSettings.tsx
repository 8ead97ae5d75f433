import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { type Me, useSession } from '../session/session.js';
import { formErrors } from '../ui/errors.js';
import { CheckboxField, FormAlert, FormSuccess, TextAreaField, TextField } from '../ui/forms.js';
import type { WorkspaceSettings as Settings } from '../workspace/workspace.queries.js';

type WorkspacePatch = { name: string; settings: Settings };

const fields = [
  'name',
  'closingLogic',
  'missedAfterSeconds',
  'assignOnReply',
  'agentsSeeAll',
  'agentsMayDeleteAssignedContacts',
  'agentsMayDeleteConversations',
  'agentsMayMerge',
  'allowedPrivateHosts',
  'timeZone',
  'businessHours',
  'days',
  'start',
  'end',
];

/** One host per line (or separated by commas or spaces), as the textarea holds them. */
const hostList = (text: string) => text.split(/[\s,]+/).filter(Boolean);

export function WorkspaceSettings() {
  const i18n = useI18n();
  const { t } = i18n;
  const { workspace } = useSession();
  const { settings } = workspace;
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (patch: WorkspacePatch) => api.patch<Me['workspace']>('/api/v1/workspace', patch),
    onSuccess: (saved) => queryClient.setQueryData<Me | null>(['me'], (me) => (me ? { ...me, workspace: saved } : me)),
  });
  const errors = formErrors(save.error, i18n, fields);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    save.mutate({
      name: String(form.get('name')),
      settings: {
        closingLogic: form.get('closingLogic') === 'unassign' ? 'unassign' : 'keep_assignee',
        missedAfterSeconds: Number(form.get('missedAfterSeconds')),
        assignOnReply: form.has('assignOnReply'),
        agentsSeeAll: form.has('agentsSeeAll'),
        agentsMayDeleteAssignedContacts: form.has('agentsMayDeleteAssignedContacts'),
        agentsMayDeleteConversations: form.has('agentsMayDeleteConversations'),
        agentsMayMerge: form.has('agentsMayMerge'),
        allowedPrivateHosts: hostList(String(form.get('allowedPrivateHosts'))),
        timeZone: String(form.get('timeZone')).trim(),
        businessHours: {
          days: form.getAll('businessDays').map(Number),
          start: String(form.get('businessStart')),
          end: String(form.get('businessEnd')),
        },
      },
    });
  }

  return (
    <form className="card form" onSubmit={submit} onChange={() => save.isSuccess && save.reset()} noValidate>
      <TextField label={t('workspace.name')} name="name" defaultValue={workspace.name} required error={errors.of('name')} />
      <fieldset className="field">
        <legend>{t('workspace.closingLogic')}</legend>
        <label className="choice">
          <input type="radio" name="closingLogic" value="keep_assignee" defaultChecked={settings.closingLogic === 'keep_assignee'} />
          {t('workspace.closingLogic.keep')}
        </label>
        <label className="choice">
          <input type="radio" name="closingLogic" value="unassign" defaultChecked={settings.closingLogic === 'unassign'} />
          {t('workspace.closingLogic.unassign')}
        </label>
        {errors.of('closingLogic') && <p className="field-error">{errors.of('closingLogic')}</p>}
      </fieldset>
      <TextField
        label={t('workspace.missedAfterSeconds')}
        hint={t('workspace.missedAfterSeconds.hint')}
        name="missedAfterSeconds"
        type="number"
        inputMode="numeric"
        min={5}
        max={86_400}
        step={1}
        className="input--short"
        defaultValue={settings.missedAfterSeconds}
        error={errors.of('missedAfterSeconds')}
      />
      <CheckboxField label={t('workspace.assignOnReply')} name="assignOnReply" defaultChecked={settings.assignOnReply} error={errors.of('assignOnReply')} />
      <fieldset className="field">
        <legend>{t('workspace.agents')}</legend>
        <CheckboxField label={t('workspace.agentsSeeAll')} name="agentsSeeAll" defaultChecked={settings.agentsSeeAll} error={errors.of('agentsSeeAll')} />
        <CheckboxField
          label={t('workspace.agentsMayDeleteAssignedContacts')}
          name="agentsMayDeleteAssignedContacts"
          defaultChecked={settings.agentsMayDeleteAssignedContacts}
          error={errors.of('agentsMayDeleteAssignedContacts')}
        />
        <CheckboxField
          label={t('workspace.agentsMayDeleteConversations')}
          name="agentsMayDeleteConversations"
          defaultChecked={settings.agentsMayDeleteConversations}
          error={errors.of('agentsMayDeleteConversations')}
        />
        <CheckboxField label={t('workspace.agentsMayMerge')} name="agentsMayMerge" defaultChecked={settings.agentsMayMerge} error={errors.of('agentsMayMerge')} />
      </fieldset>
      <TextAreaField
        label={t('workspace.allowedPrivateHosts')}
        hint={t('workspace.allowedPrivateHosts.hint')}
        name="allowedPrivateHosts"
        rows={3}
        spellCheck={false}
        defaultValue={settings.allowedPrivateHosts.join('\n')}
        error={errors.of('allowedPrivateHosts')}
      />
      <TextField
        label={t('workspace.timeZone')}
        hint={t('workspace.timeZone.hint')}
        name="timeZone"
        defaultValue={settings.timeZone}
        spellCheck={false}
        error={errors.of('timeZone')}
      />
      <fieldset className="field">
        <legend>{t('workspace.businessHours')}</legend>
        {[1, 2, 3, 4, 5, 6, 0].map((day) => (
          <label key={day} className="choice">
            <input type="checkbox" name="businessDays" value={day} defaultChecked={settings.businessHours.days.includes(day)} />
            {/* 2023-01-01 was a Sunday: day 0. */}
            {new Intl.DateTimeFormat(i18n.language, { weekday: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2023, 0, 1 + day)))}
          </label>
        ))}
        <TextField label={t('workspace.businessHours.start')} name="businessStart" type="time" defaultValue={settings.businessHours.start} error={errors.of('start')} />
        <TextField label={t('workspace.businessHours.end')} name="businessEnd" type="time" defaultValue={settings.businessHours.end} error={errors.of('end')} />
        {errors.of('days') && <p className="field-error">{errors.of('days')}</p>}
      </fieldset>
      <FormAlert>{errors.general}</FormAlert>
      <FormSuccess>{save.isSuccess ? t('workspace.saved') : undefined}</FormSuccess>
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={save.isPending}>
          {t('action.save')}
        </button>
      </div>
    </form>
  );
}
