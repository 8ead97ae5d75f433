import { type ReactNode, useState } from 'react';
import { type MessageKey } from '../i18n/en.js';
import { useI18n } from '../i18n/i18n.js';
import { SelectField, TextField } from '../ui/forms.js';
import { useUsers } from '../workspace/workspace.queries.js';
import { channelTypeName, formatDate } from './contact-format.js';
import { type ContactFilter, cleanFilter, customFieldFilterKey, type CustomFieldFilterKey } from './contact-filter.js';
import { type CustomField, useChannels, useCustomFields } from './contacts.queries.js';
import { TagPicker } from './TagPicker.js';

const conversationStatuses = ['open', 'snoozed', 'closed', 'none'] as const;

const dateFilters = [
  { from: 'createdFrom', to: 'createdTo', label: 'contacts.filters.created' },
  { from: 'lastInteractionFrom', to: 'lastInteractionTo', label: 'contacts.filters.lastInteraction' },
] as const;

/** Every filter of SPEC §2.3; each change applies at once. */
export function FilterPanel({ filter, onChange }: { filter: ContactFilter; onChange: (filter: ContactFilter) => void }) {
  const { t } = useI18n();
  const users = useUsers();
  const channels = useChannels();
  const fields = useCustomFields();
  const set = (key: keyof ContactFilter, value: string | undefined) => onChange({ ...filter, [key]: value });

  return (
    <div className="filter-panel">
      <TagPicker label={t('contacts.filters.tag')} exclude={filter.tag} onPick={(name) => onChange({ ...filter, tag: [...(filter.tag ?? []), name] })} />
      <SelectField label={t('contacts.filters.assignee')} value={filter.assigneeId ?? ''} onChange={(event) => set('assigneeId', event.target.value)}>
        <option value="">{t('contacts.filters.any')}</option>
        <option value="none">{t('contacts.filters.unassigned')}</option>
        {users.data?.map((user) => (
          <option key={user.id} value={user.id}>
            {user.name}
          </option>
        ))}
      </SelectField>
      <SelectField label={t('contacts.filters.channel')} value={filter.channel ?? ''} onChange={(event) => set('channel', event.target.value)}>
        <option value="">{t('contacts.filters.any')}</option>
        {channels.data?.map((channel) => (
          <option key={channel.id} value={channel.id}>
            {channel.name} ({channelTypeName(channel.type, t)})
          </option>
        ))}
      </SelectField>
      <SelectField
        label={t('contacts.filters.conversationStatus')}
        value={filter.conversationStatus ?? ''}
        onChange={(event) => set('conversationStatus', event.target.value)}
      >
        <option value="">{t('contacts.filters.any')}</option>
        {conversationStatuses.map((status) => (
          <option key={status} value={status}>
            {t(`contacts.conversationStatus.${status}`)}
          </option>
        ))}
      </SelectField>
      <SelectField label={t('contacts.filters.blocked')} value={filter.blocked ?? ''} onChange={(event) => set('blocked', event.target.value)}>
        <option value="">{t('contacts.filters.blocked.no')}</option>
        <option value="true">{t('contacts.filters.blocked.yes')}</option>
      </SelectField>
      {dateFilters.map((range) => (
        <fieldset key={range.from} className="field filter-range">
          <legend>{t(range.label)}</legend>
          <TextField label={t('contacts.filters.from')} type="date" value={filter[range.from] ?? ''} max={filter[range.to]} onChange={(event) => set(range.from, event.target.value)} />
          <TextField label={t('contacts.filters.to')} type="date" value={filter[range.to] ?? ''} min={filter[range.from]} onChange={(event) => set(range.to, event.target.value)} />
        </fieldset>
      ))}
      {fields.data?.map((field) => (
        <CustomFieldFilter key={field.id} field={field} value={filter[customFieldFilterKey(field.key)] ?? ''} onChange={(value) => set(customFieldFilterKey(field.key), value)} />
      ))}
    </div>
  );
}

/** The input that fits the field's type; typed values apply on Enter or when leaving the box. */
function CustomFieldFilter({ field, value, onChange }: { field: CustomField; value: string; onChange: (value: string) => void }) {
  const { t } = useI18n();
  if (field.type === 'dropdown' || field.type === 'checkbox') {
    const options = field.type === 'dropdown' ? (field.options ?? []).map((option) => [option, option]) : [['true', t('contacts.yes')], ['false', t('contacts.no')]];
    return (
      <SelectField label={field.label} value={value} onChange={(event) => onChange(event.target.value)}>
        <option value="">{t('contacts.filters.any')}</option>
        {options.map(([option, label]) => (
          <option key={option} value={option}>
            {label}
          </option>
        ))}
      </SelectField>
    );
  }
  if (field.type === 'date') return <TextField label={field.label} type="date" value={value} onChange={(event) => onChange(event.target.value)} />;
  return <CommittedTextField key={value} label={field.label} type={field.type === 'number' ? 'number' : 'text'} value={value} onCommit={onChange} />;
}

function CommittedTextField({ label, type, value, onCommit }: { label: string; type: string; value: string; onCommit: (value: string) => void }) {
  const [text, setText] = useState(value);
  const commit = () => text.trim() !== value && onCommit(text.trim());
  return (
    <TextField
      label={label}
      type={type}
      value={text}
      onChange={(event) => setText(event.target.value)}
      onBlur={commit}
      onKeyDown={(event) => event.key === 'Enter' && commit()}
    />
  );
}

/** The filters in force, each removable on its own. */
export function ActiveFilters({ filter, onChange, children }: { filter: ContactFilter; onChange: (filter: ContactFilter) => void; children?: ReactNode }) {
  const { t, language } = useI18n();
  const users = useUsers();
  const channels = useChannels();
  const fields = useCustomFields();
  const { q: _q, tag = [], ...rest } = cleanFilter(filter);
  const chips: Array<{ key: string; label: string; remove: () => void }> = tag.map((name) => ({
    key: `tag:${name}`,
    label: t('contacts.chip.tag', { name }),
    remove: () => onChange({ ...filter, tag: tag.filter((other) => other !== name) }),
  }));

  for (const [key, value] of Object.entries(rest) as Array<[string, string]>) {
    const remove = () => onChange({ ...filter, [key]: undefined });
    chips.push({ key, label: chipLabel(key, value), remove });
  }

  function chipLabel(key: string, value: string): string {
    switch (key) {
      case 'assigneeId':
        return t('contacts.chip.assignee', {
          name: value === 'none' ? t('contacts.filters.unassigned') : (users.data?.find((user) => user.id === value)?.name ?? '…'),
        });
      case 'channel': {
        const channel = channels.data?.find((each) => each.id === value || each.type === value);
        return t('contacts.chip.channel', { name: channel ? channel.name : channelTypeName(value, t) });
      }
      case 'conversationStatus':
        return t('contacts.chip.conversationStatus', { status: t(`contacts.conversationStatus.${value}` as MessageKey) });
      case 'blocked':
        return value === 'true' ? t('contacts.filters.blocked.yes') : t('contacts.filters.blocked.no');
      case 'createdFrom':
      case 'createdTo':
      case 'lastInteractionFrom':
      case 'lastInteractionTo':
        return t(`contacts.chip.${key}`, { date: formatDate(value, language) });
      default: {
        const field = fields.data?.find((each) => customFieldFilterKey(each.key) === (key as CustomFieldFilterKey));
        const shown = field?.type === 'checkbox' ? t(value === 'true' ? 'contacts.yes' : 'contacts.no') : value;
        return `${field?.label ?? key.slice(3)}: ${shown}`;
      }
    }
  }

  if (chips.length === 0 && !children) return null;
  return (
    <div className="active-filters">
      <ul className="chips" aria-label={t('contacts.filters.active')}>
        {chips.map((chip) => (
          <li key={chip.key} className="chip filter-chip">
            {chip.label}
            <button type="button" className="chip-remove" aria-label={t('contacts.filters.remove', { filter: chip.label })} title={t('contacts.filters.remove', { filter: chip.label })} onClick={chip.remove}>
              ×
            </button>
          </li>
        ))}
      </ul>
      {children}
    </div>
  );
}
