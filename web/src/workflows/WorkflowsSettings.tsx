import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { checkDefinition, contactFields, fieldOperators, stepTypes, triggerTypes } from '../../../src/workflows/workflow-definition.rules.js';
import { api, ApiError } from '../api.js';
import { useCustomFields } from '../contacts/contacts.queries.js';
import type { MessageKey } from '../i18n/en.js';
import { useI18n } from '../i18n/i18n.js';
import { SettingsTable } from '../settings/SettingsTable.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { RowButton } from '../ui/RowButton.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert, FormSuccess, SelectField, TextAreaField, TextField } from '../ui/forms.js';
import { useTeams, useUsers } from '../workspace/workspace.queries.js';
import { type Run, useRuns, useWorkflows, type Workflow, workflowsKey } from './workflows.queries.js';
import './workflows.css';

type Draft = Record<string, unknown>;
type View = { kind: 'list' } | { kind: 'edit'; workflow?: Workflow } | { kind: 'runs'; workflow: Workflow };

/** Settings → Workflows: the list, the builder (a vertical list of steps, branches nested), and each workflow's runs. */
export function WorkflowsSettings() {
  const [view, setView] = useState<View>({ kind: 'list' });
  if (view.kind === 'edit') return <WorkflowBuilder workflow={view.workflow} onDone={() => setView({ kind: 'list' })} />;
  if (view.kind === 'runs') return <RunsView workflow={view.workflow} onBack={() => setView({ kind: 'list' })} />;
  return <WorkflowList onEdit={(workflow) => setView({ kind: 'edit', workflow })} onRuns={(workflow) => setView({ kind: 'runs', workflow })} />;
}

function WorkflowList({ onEdit, onRuns }: { onEdit: (workflow?: Workflow) => void; onRuns: (workflow: Workflow) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const workflows = useWorkflows();
  const queryClient = useQueryClient();
  const [deleting, setDeleting] = useState<Workflow>();
  const act = useMutation({
    mutationFn: ({ workflow, action }: { workflow: Workflow; action: 'publish' | 'disable' | 'duplicate' }) => api.post(`/api/v1/workflows/${workflow.id}/${action}`),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: workflowsKey }),
  });

  return (
    <section className="card" aria-labelledby="workflows-heading">
      <header className="card-header">
        <h2 id="workflows-heading">{t('workflows.title')}</h2>
        <button type="button" className="button button--primary" onClick={() => onEdit()}>
          {t('workflows.add')}
        </button>
      </header>
      <p className="muted">{t('workflows.intro')}</p>
      <FormAlert>{act.error ? errorMessage(act.error, i18n) : null}</FormAlert>
      <SettingsTable rows={workflows.data} empty={t('workflows.none')} columns={[t('workflows.name'), t('workflows.trigger'), t('workflows.state'), t('workflows.version')]} actionsLabel={t('users.actions')}>
        {(workflow) => (
          <>
            <td>{workflow.name}</td>
            <td>{t(`workflows.trigger.${workflow.trigger.type}` as MessageKey)}</td>
            <td>{workflow.enabled ? t('workflows.published') : t('workflows.draft')}</td>
            <td>{workflow.version}</td>
            <td className="row-actions">
              <RowButton label={t('workflows.editOf', { name: workflow.name })} onClick={() => onEdit(workflow)}>
                {t('workflows.edit')}
              </RowButton>
              <RowButton label={t(workflow.enabled ? 'workflows.disableOf' : 'workflows.publishOf', { name: workflow.name })} onClick={() => act.mutate({ workflow, action: workflow.enabled ? 'disable' : 'publish' })}>
                {t(workflow.enabled ? 'workflows.disable' : 'workflows.publish')}
              </RowButton>
              <RowButton label={t('workflows.duplicateOf', { name: workflow.name })} onClick={() => act.mutate({ workflow, action: 'duplicate' })}>
                {t('workflows.duplicate')}
              </RowButton>
              <RowButton label={t('workflows.runsOf', { name: workflow.name })} onClick={() => onRuns(workflow)}>
                {t('workflows.runs')}
              </RowButton>
              <RowButton label={t('workflows.deleteOf', { name: workflow.name })} onClick={() => setDeleting(workflow)} danger>
                {t('action.delete')}
              </RowButton>
            </td>
          </>
        )}
      </SettingsTable>
      {deleting && (
        <ConfirmDialog
          title={t('workflows.deleteTitle', { name: deleting.name })}
          message={t('workflows.deleteBody')}
          confirmLabel={t('workflows.deleteConfirm')}
          onConfirm={async () => {
            await api.delete(`/api/v1/workflows/${deleting.id}`);
            await queryClient.invalidateQueries({ queryKey: workflowsKey });
          }}
          onClose={() => setDeleting(undefined)}
        />
      )}
    </section>
  );
}

// ------------------------------------------------------------------ the builder

const emptyStep = (type: string): Draft => {
  switch (type) {
    case 'send_message':
    case 'add_comment':
      return { type, text: '' };
    case 'assign':
      return { type, strategy: 'unassign' };
    case 'add_tag':
    case 'remove_tag':
      return { type, tag: '' };
    case 'update_field':
      return { type, field: 'firstName', value: '' };
    case 'wait':
      return { type, seconds: 60 };
    case 'wait_for_reply':
      return { type, timeoutSeconds: 3600, onTimeout: [] };
    case 'branch':
      return { type, if: { type: 'tag', tag: '' }, then: [], else: [] };
    case 'http_request':
      return { type, method: 'GET', url: 'https://' };
    default:
      return { type };
  }
};

function WorkflowBuilder({ workflow, onDone }: { workflow?: Workflow; onDone: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queryClient = useQueryClient();
  const [name, setName] = useState(workflow?.name ?? '');
  const [trigger, setTrigger] = useState<Draft>((workflow?.trigger as Draft | undefined) ?? { type: 'message_received' });
  const [steps, setSteps] = useState<Draft[]>((workflow?.steps as Draft[] | undefined) ?? []);
  const [problem, setProblem] = useState<string>();
  const [saved, setSaved] = useState<number>();
  const [current, setCurrent] = useState(workflow);
  const save = useMutation({
    mutationFn: (body: { name: string; trigger: unknown; steps: unknown }) =>
      current ? api.patch<Workflow>(`/api/v1/workflows/${current.id}`, body) : api.post<Workflow>('/api/v1/workflows', body),
    onSuccess: async (result) => {
      setCurrent(result);
      setSaved(result.version);
      await queryClient.invalidateQueries({ queryKey: workflowsKey });
    },
  });

  function submit(event: FormEvent) {
    event.preventDefault();
    setSaved(undefined);
    // The same checks the server makes, before a round trip.
    const checked = checkDefinition({ trigger, steps });
    if (!checked.ok) {
      setProblem(checked.problem.message);
      return;
    }
    setProblem(undefined);
    save.mutate({ name, trigger: checked.value.trigger, steps: checked.value.steps });
  }

  const serverProblem = save.error instanceof ApiError && save.error.code === 'invalid_workflow' ? save.error.message : save.error ? errorMessage(save.error, i18n) : undefined;

  return (
    <section className="card workflow-builder" aria-labelledby="builder-heading">
      <header className="card-header">
        <h2 id="builder-heading">{current ? current.name : t('workflows.builderTitle')}</h2>
        <button type="button" className="button" onClick={onDone}>
          {t('workflows.back')}
        </button>
      </header>
      <form onSubmit={submit} noValidate>
        <TextField label={t('workflows.name')} value={name} onChange={(e) => setName(e.target.value)} required maxLength={200} />
        <fieldset className="workflow-trigger">
          <legend>{t('workflows.trigger')}</legend>
          <SelectField label={t('workflows.trigger')} value={String(trigger.type)} onChange={(e) => setTrigger({ type: e.target.value })}>
            {triggerTypes.map((type) => (
              <option key={type} value={type}>
                {t(`workflows.trigger.${type}` as MessageKey)}
              </option>
            ))}
          </SelectField>
          {trigger.type === 'message_received' && (
            <TextField
              label={t('workflows.keywords')}
              value={((trigger.keywords as string[] | undefined) ?? []).join(', ')}
              onChange={(e) => {
                const keywords = e.target.value.split(',').map((k) => k.trimStart());
                setTrigger(keywords.join('').trim() === '' ? { type: 'message_received' } : { type: 'message_received', keywords: keywords.map((k) => k.trim()).filter(Boolean) });
              }}
            />
          )}
          {(trigger.type === 'tag_added' || trigger.type === 'tag_removed') && (
            <TextField label={t('workflows.tag')} value={String(trigger.tag ?? '')} onChange={(e) => setTrigger({ type: trigger.type, tag: e.target.value })} />
          )}
          {trigger.type === 'contact_field_changed' && <FieldPicker value={String(trigger.field ?? '')} onChange={(field) => setTrigger({ type: trigger.type, field })} />}
        </fieldset>
        <h3>{t('workflows.steps')}</h3>
        <StepList steps={steps} onChange={setSteps} where={t('workflows.steps')} />
        <FormAlert>{problem ?? serverProblem}</FormAlert>
        <FormSuccess>{saved !== undefined ? t('workflows.saved', { version: saved }) : null}</FormSuccess>
        <div className="dialog-actions">
          <button type="submit" className="button button--primary" disabled={save.isPending}>
            {t('workflows.save')}
          </button>
        </div>
      </form>
    </section>
  );
}

function StepList({ steps, onChange, where, prefix = '' }: { steps: Draft[]; onChange: (steps: Draft[]) => void; where: string; prefix?: string }) {
  const { t } = useI18n();
  const [adding, setAdding] = useState('send_message');
  const replace = (index: number, step: Draft) => onChange(steps.map((s, i) => (i === index ? step : s)));
  const move = (index: number, by: number) => {
    const next = [...steps];
    const [taken] = next.splice(index, 1);
    next.splice(index + by, 0, taken!);
    onChange(next);
  };
  return (
    <div className="workflow-steps">
      <ol className="workflow-step-list">
        {steps.map((step, index) => {
          const n = `${prefix}${index + 1}`;
          return (
            <li key={index} className="workflow-step" aria-label={t('workflows.stepN', { n })}>
              <div className="workflow-step-header">
                <SelectField label={t('workflows.stepType', { n })} value={String(step.type)} onChange={(e) => replace(index, emptyStep(e.target.value))}>
                  {stepTypes.map((type) => (
                    <option key={type} value={type}>
                      {t(`workflows.step.${type}` as MessageKey)}
                    </option>
                  ))}
                </SelectField>
                <div className="row-actions">
                  <button type="button" className="button button--small" disabled={index === 0} aria-label={t('workflows.moveUp', { n })} onClick={() => move(index, -1)}>
                    ↑
                  </button>
                  <button type="button" className="button button--small" disabled={index === steps.length - 1} aria-label={t('workflows.moveDown', { n })} onClick={() => move(index, 1)}>
                    ↓
                  </button>
                  <RowButton label={t('workflows.removeStep', { n })} onClick={() => onChange(steps.filter((_, i) => i !== index))} danger>
                    ✕
                  </RowButton>
                </div>
              </div>
              <StepFields step={step} onChange={(next) => replace(index, next)} n={n} />
            </li>
          );
        })}
      </ol>
      <div className="workflow-add-step">
        <SelectField label={t('workflows.addStepTo', { where })} value={adding} onChange={(e) => setAdding(e.target.value)}>
          {stepTypes.map((type) => (
            <option key={type} value={type}>
              {t(`workflows.step.${type}` as MessageKey)}
            </option>
          ))}
        </SelectField>
        <button type="button" className="button" onClick={() => onChange([...steps, emptyStep(adding)])}>
          {t('workflows.addStep')}
        </button>
      </div>
    </div>
  );
}

function FieldPicker({ value, onChange, label }: { value: string; onChange: (field: string) => void; label?: string }) {
  const { t } = useI18n();
  const custom = useCustomFields();
  const options = [...contactFields, ...(custom.data ?? []).map((f) => `customFields.${f.key}`)];
  return (
    <SelectField label={label ?? t('workflows.field')} value={value} onChange={(e) => onChange(e.target.value)}>
      {!options.includes(value) && <option value={value}>{value || t('workflows.choose')}</option>}
      {options.map((field) => (
        <option key={field} value={field}>
          {field}
        </option>
      ))}
    </SelectField>
  );
}

function JsonField({ label, value, onChange }: { label: string; value: unknown; onChange: (value: unknown) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <TextAreaField
      label={label}
      value={text}
      rows={4}
      error={bad ? t('workflows.invalidJson') : undefined}
      onChange={(e) => {
        setText(e.target.value);
        if (e.target.value.trim() === '') {
          setBad(false);
          onChange(undefined);
          return;
        }
        try {
          onChange(JSON.parse(e.target.value));
          setBad(false);
        } catch {
          setBad(true);
        }
      }}
    />
  );
}

function StepFields({ step, onChange, n }: { step: Draft; onChange: (step: Draft) => void; n: string }) {
  const { t } = useI18n();
  const users = useUsers();
  const teams = useTeams();
  const set = (patch: Draft) => onChange(Object.fromEntries(Object.entries({ ...step, ...patch }).filter(([, v]) => v !== undefined)));
  switch (step.type) {
    case 'send_message': {
      const template = step.template as { name?: string; language?: string } | undefined;
      const setTemplate = (patch: { name?: string; language?: string }) => {
        const next = { ...template, ...patch };
        set({ template: next.name || next.language ? next : undefined });
      };
      return (
        <>
          <TextAreaField label={t('workflows.text')} hint={t('workflows.textHint')} value={String(step.text ?? '')} onChange={(e) => set({ text: e.target.value })} rows={3} />
          <TextField label={t('workflows.templateName')} value={template?.name ?? ''} onChange={(e) => setTemplate({ name: e.target.value })} />
          {template && <TextField label={t('workflows.templateLanguage')} value={template.language ?? ''} onChange={(e) => setTemplate({ language: e.target.value })} />}
        </>
      );
    }
    case 'add_comment':
      return <TextAreaField label={t('workflows.text')} hint={t('workflows.textHint')} value={String(step.text ?? '')} onChange={(e) => set({ text: e.target.value })} rows={2} />;
    case 'assign': {
      const mode = step.strategy ? String(step.strategy) : 'userId' in step ? 'user' : 'team';
      return (
        <>
          <SelectField
            label={t('workflows.assignMode')}
            value={mode}
            onChange={(e) => {
              const next = e.target.value;
              onChange(next === 'unassign' ? { type: 'assign', strategy: 'unassign' } : next === 'round_robin' ? { type: 'assign', strategy: 'round_robin', teamId: '' } : next === 'user' ? { type: 'assign', userId: '' } : { type: 'assign', teamId: '' });
            }}
          >
            {(['user', 'team', 'round_robin', 'unassign'] as const).map((m) => (
              <option key={m} value={m}>
                {t(`workflows.assign.${m}`)}
              </option>
            ))}
          </SelectField>
          {mode === 'user' && (
            <SelectField label={t('workflows.user')} value={String(step.userId ?? '')} onChange={(e) => set({ userId: e.target.value })}>
              <option value="">{t('workflows.choose')}</option>
              {(users.data ?? []).map((user) => (
                <option key={user.id} value={user.id}>
                  {user.name}
                </option>
              ))}
            </SelectField>
          )}
          {(mode === 'team' || mode === 'round_robin') && (
            <SelectField label={t('workflows.team')} value={String(step.teamId ?? '')} onChange={(e) => set({ teamId: e.target.value })}>
              <option value="">{t('workflows.choose')}</option>
              {(teams.data ?? []).map((team) => (
                <option key={team.id} value={team.id}>
                  {team.name}
                </option>
              ))}
            </SelectField>
          )}
        </>
      );
    }
    case 'add_tag':
    case 'remove_tag':
      return <TextField label={t('workflows.tag')} value={String(step.tag ?? '')} onChange={(e) => set({ tag: e.target.value })} />;
    case 'update_field':
      return (
        <>
          <FieldPicker value={String(step.field ?? '')} onChange={(field) => set({ field })} />
          <TextField label={t('workflows.value')} value={String(step.value ?? '')} onChange={(e) => set({ value: e.target.value })} />
        </>
      );
    case 'wait':
      return <TextField label={t('workflows.seconds')} type="number" min={1} value={String(step.seconds ?? '')} onChange={(e) => set({ seconds: Number(e.target.value) })} />;
    case 'wait_for_reply':
      return (
        <>
          <TextField label={t('workflows.timeoutSeconds')} type="number" min={1} value={String(step.timeoutSeconds ?? '')} onChange={(e) => set({ timeoutSeconds: Number(e.target.value) })} />
          <fieldset className="workflow-branch">
            <legend>{t('workflows.onTimeout')}</legend>
            <StepList steps={(step.onTimeout as Draft[] | undefined) ?? []} onChange={(onTimeout) => set({ onTimeout })} where={`${t('workflows.stepN', { n })}: ${t('workflows.onTimeout')}`} prefix={`${n}.`} />
          </fieldset>
        </>
      );
    case 'branch':
      return (
        <>
          <ConditionFields condition={(step.if as Draft | undefined) ?? { type: 'tag', tag: '' }} onChange={(condition) => set({ if: condition })} />
          <fieldset className="workflow-branch">
            <legend>{t('workflows.then')}</legend>
            <StepList steps={(step.then as Draft[] | undefined) ?? []} onChange={(then) => set({ then })} where={`${t('workflows.stepN', { n })}: ${t('workflows.then')}`} prefix={`${n}.`} />
          </fieldset>
          <fieldset className="workflow-branch">
            <legend>{t('workflows.else')}</legend>
            <StepList steps={(step.else as Draft[] | undefined) ?? []} onChange={(next) => set({ else: next })} where={`${t('workflows.stepN', { n })}: ${t('workflows.else')}`} prefix={`${n}.`} />
          </fieldset>
        </>
      );
    case 'http_request':
      return (
        <>
          <SelectField label={t('workflows.method')} value={String(step.method ?? 'GET')} onChange={(e) => set({ method: e.target.value })}>
            {['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map((method) => (
              <option key={method}>{method}</option>
            ))}
          </SelectField>
          <TextField label={t('workflows.url')} value={String(step.url ?? '')} onChange={(e) => set({ url: e.target.value })} />
          <JsonField label={t('workflows.body')} value={step.body} onChange={(body) => set({ body })} />
          <TextField label={t('workflows.saveAs')} value={String(step.saveAs ?? '')} onChange={(e) => set({ saveAs: e.target.value || undefined })} />
        </>
      );
    default:
      return null;
  }
}

const conditionKinds = ['field', 'tag', 'channel', 'time_of_day', 'business_hours', 'replied', 'all', 'any', 'not'] as const;

function ConditionFields({ condition, onChange }: { condition: Draft; onChange: (condition: Draft) => void }) {
  const { t } = useI18n();
  const set = (patch: Draft) => onChange({ ...condition, ...patch });
  const fresh = (type: string): Draft =>
    type === 'field'
      ? { type, field: 'firstName', op: 'equals', value: '' }
      : type === 'tag'
        ? { type, tag: '' }
        : type === 'channel'
          ? { type, channel: 'whatsapp' }
          : type === 'time_of_day'
            ? { type, from: '09:00', to: '17:00' }
            : type === 'all' || type === 'any'
              ? { type, conditions: [{ type: 'business_hours' }] }
              : type === 'not'
                ? { type, condition: { type: 'business_hours' } }
                : { type };
  return (
    <fieldset className="workflow-condition">
      <legend>{t('workflows.condition')}</legend>
      <SelectField label={t('workflows.condition')} value={String(condition.type)} onChange={(e) => onChange(fresh(e.target.value))}>
        {conditionKinds.map((kind) => (
          <option key={kind} value={kind}>
            {t(`workflows.cond.${kind}`)}
          </option>
        ))}
      </SelectField>
      {condition.type === 'field' && (
        <>
          <FieldPicker value={String(condition.field ?? '')} onChange={(field) => set({ field })} />
          <SelectField label={t('workflows.operator')} value={String(condition.op ?? 'equals')} onChange={(e) => set({ op: e.target.value })}>
            {fieldOperators.map((op) => (
              <option key={op} value={op}>
                {t(`workflows.op.${op}`)}
              </option>
            ))}
          </SelectField>
          {condition.op !== 'is_set' && condition.op !== 'is_not_set' && <TextField label={t('workflows.value')} value={String(condition.value ?? '')} onChange={(e) => set({ value: e.target.value })} />}
        </>
      )}
      {condition.type === 'tag' && (
        <>
          <TextField label={t('workflows.tag')} value={String(condition.tag ?? '')} onChange={(e) => set({ tag: e.target.value })} />
          <label className="field field--checkbox">
            <input type="checkbox" checked={condition.present !== false} onChange={(e) => set({ present: e.target.checked })} /> {t('workflows.present')}
          </label>
        </>
      )}
      {condition.type === 'channel' && <TextField label={t('workflows.channelType')} value={String(condition.channel ?? '')} onChange={(e) => set({ channel: e.target.value })} />}
      {condition.type === 'time_of_day' && (
        <>
          <TextField label={t('workflows.from')} value={String(condition.from ?? '')} onChange={(e) => set({ from: e.target.value })} />
          <TextField label={t('workflows.to')} value={String(condition.to ?? '')} onChange={(e) => set({ to: e.target.value })} />
        </>
      )}
      {(condition.type === 'all' || condition.type === 'any' || condition.type === 'not') && (
        <JsonField label={t('workflows.conditionJson')} value={condition} onChange={(value) => (value && typeof value === 'object' ? onChange(value as Draft) : undefined)} />
      )}
    </fieldset>
  );
}

// ------------------------------------------------------------------ runs

function RunsView({ workflow, onBack }: { workflow: Workflow; onBack: () => void }) {
  const { t, language } = useI18n();
  const runs = useRuns(workflow.id);
  const time = (iso: string) => new Intl.DateTimeFormat(language, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(iso));
  return (
    <section className="card" aria-labelledby="runs-heading">
      <header className="card-header">
        <h2 id="runs-heading">{t('workflows.runsTitle', { name: workflow.name })}</h2>
        <div className="row-actions">
          <button type="button" className="button" onClick={() => void runs.refetch()}>
            {t('workflows.refresh')}
          </button>
          <button type="button" className="button" onClick={onBack}>
            {t('workflows.back')}
          </button>
        </div>
      </header>
      {runs.data?.length === 0 && <p className="muted">{t('workflows.noRuns')}</p>}
      {runs.data && runs.data.length > 0 && (
        <table className="table workflow-runs">
          <thead>
            <tr>
              <th scope="col">{t('workflows.run.started')}</th>
              <th scope="col">{t('workflows.run.contact')}</th>
              <th scope="col">{t('workflows.run.status')}</th>
              <th scope="col">{t('workflows.run.steps')}</th>
            </tr>
          </thead>
          <tbody>
            {runs.data.map((run: Run) => (
              <tr key={run.id}>
                <td>
                  {time(run.createdAt)} <span className="muted">{t('workflows.run.version', { version: run.version })}</span>
                </td>
                <td>
                  <a href={`/contacts?contact=${run.contactId}`}>{run.contactId.slice(-8)}</a>
                </td>
                <td>
                  {t(`workflows.status.${run.status}`)}
                  {run.reason && <div className="muted">{run.reason}</div>}
                </td>
                <td>
                  <ol className="workflow-run-steps">
                    {run.steps.map((step, index) => (
                      <li key={index} className={`workflow-run-step workflow-run-step--${step.status}`}>
                        <span>{t(`workflows.step.${step.type}` as MessageKey)}</span> <code>{step.path}</code> — {t(`workflows.status.${step.status === 'waiting' ? 'waiting' : step.status}`)}
                        {step.result && <span className="muted"> ({step.result})</span>} <time dateTime={step.at}>{time(step.at)}</time>
                        {step.error && <div className="field-error">{step.error}</div>}
                      </li>
                    ))}
                  </ol>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
