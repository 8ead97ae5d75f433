import { useState } from 'react';
import { channelTypeName, formatWhen } from '../contacts/contact-format.js';
import { useI18n } from '../i18n/i18n.js';
import { SettingsTable } from '../settings/SettingsTable.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { RowButton } from '../ui/RowButton.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { ChannelDialog } from './ChannelDialog.js';
import { type Channel, useChannels, useRemoveChannel, useSaveChannel } from './channels.queries.js';
import './channels.css';

/**
 * Settings → Channels (owners and managers): every channel of the workspace, the API channel
 * included, with its type, status and last activity; connect, edit, test, pause and remove.
 */
export function ChannelsSettings() {
  const i18n = useI18n();
  const { t, language } = i18n;
  const channels = useChannels();
  const remove = useRemoveChannel();
  const [editing, setEditing] = useState<Channel | 'new'>();
  const [removing, setRemoving] = useState<Channel>();

  return (
    <section className="card" aria-labelledby="channels-heading">
      <header className="card-header">
        <h2 id="channels-heading">{t('channels.title')}</h2>
        <button type="button" className="button button--primary" onClick={() => setEditing('new')}>
          {t('channels.connect')}
        </button>
      </header>
      <p className="muted">{t('channels.intro')}</p>
      {channels.error && <FormAlert>{errorMessage(channels.error, i18n)}</FormAlert>}
      <SettingsTable rows={channels.data} empty={t('channels.none')} columns={[t('channels.column.name'), t('channels.column.type'), t('channels.column.status'), t('channels.column.lastActivity')]} actionsLabel={t('channels.column.actions')} className="channels-table">
        {(channel) => (
          <>
            <td>{channel.name}</td>
            <td>{channelTypeName(channel.type, t)}</td>
            <td>
              <span className={`badge channel-status channel-status--${channel.status}`}>{t(`channels.status.${channel.status}`)}</span>
            </td>
            <td>{channel.lastActivityAt ? formatWhen(channel.lastActivityAt, language) : <span className="muted">{t('channels.never')}</span>}</td>
            <td className="row-actions">
              <RowButton label={t('channels.editOf', { name: channel.name })} onClick={() => setEditing(channel)}>
                {t('channels.edit')}
              </RowButton>
              <PauseButton channel={channel} />
              <RowButton label={t('channels.removeOf', { name: channel.name })} onClick={() => setRemoving(channel)} danger>
                {t('channels.remove')}
              </RowButton>
            </td>
          </>
        )}
      </SettingsTable>
      {editing && <ChannelDialog channel={editing === 'new' ? undefined : editing} onClose={() => setEditing(undefined)} />}
      {removing && (
        <ConfirmDialog
          title={t('channels.removeTitle', { name: removing.name })}
          message={t('channels.removeBody')}
          confirmLabel={t('channels.remove')}
          onConfirm={() => remove.mutateAsync(removing.id)}
          onClose={() => setRemoving(undefined)}
        />
      )}
    </section>
  );
}

/** A paused channel refuses replies; its webhooks are still received, so nothing customers write is lost. */
function PauseButton({ channel }: { channel: Channel }) {
  const i18n = useI18n();
  const { t } = i18n;
  const save = useSaveChannel(channel.id);
  const paused = channel.status === 'paused';
  return (
    <>
      <button
        type="button"
        className="button button--small"
        disabled={save.isPending}
        aria-label={t(paused ? 'channels.resumeOf' : 'channels.pauseOf', { name: channel.name })}
        onClick={() => save.mutate({ status: paused ? 'active' : 'paused' })}
      >
        {t(paused ? 'channels.resume' : 'channels.pause')}
      </button>
      {save.error && (
        <span role="alert" className="field-error">
          {errorMessage(save.error, i18n)}
        </span>
      )}
    </>
  );
}
