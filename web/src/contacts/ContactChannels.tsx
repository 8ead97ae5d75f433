import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { may } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { channelTypeName, formatDate } from './contact-format.js';
import { type Contact, type ContactChannel, useContactChannels } from './contacts.queries.js';
import { FirstMessageDialog } from './FirstMessageDialog.js';

/** Each channel of the workspace as it stands with the contact: active, inactive or unavailable (SPEC §2.2). */
export function ContactChannels({ contact }: { contact: Contact }) {
  const i18n = useI18n();
  const { t } = i18n;
  const channels = useContactChannels(contact.id);

  if (channels.error) return <FormAlert>{errorMessage(channels.error, i18n)}</FormAlert>;
  if (channels.data?.length === 0) return <p className="muted">{t('contacts.channels.none')}</p>;
  return (
    <ul className="contact-channels">
      {channels.data?.map((channel) => (
        <ChannelItem key={channel.channelId} contact={contact} channel={channel} />
      ))}
    </ul>
  );
}

function ChannelItem({ contact, channel }: { contact: Contact; channel: ContactChannel }) {
  const { t, language } = useI18n();
  const { user } = useSession();
  const queryClient = useQueryClient();
  const [removing, setRemoving] = useState(false);
  const [writing, setWriting] = useState(false);
  const note = {
    active: channel.connectedAt ? t('contacts.channels.connectedOn', { date: formatDate(channel.connectedAt, language) }) : '',
    inactive: t('contacts.channels.inactiveNote'),
    unavailable: t('contacts.channels.unavailableNote'),
  }[channel.state];
  // The server says where the business may write first (its channel modules' `firstContact`).
  const mayWriteFirst = channel.state === 'inactive' && !contact.blocked;

  return (
    <li className={`contact-channel contact-channel--${channel.state}`}>
      <div className="contact-channel-name">
        <strong>{channel.name}</strong>
        {channel.name !== channelTypeName(channel.type, t) && <span className="muted">{channelTypeName(channel.type, t)}</span>}
      </div>
      <span className={`badge channel-state channel-state--${channel.state}`}>{t(`contacts.channels.state.${channel.state}`)}</span>
      <p className="contact-channel-note muted">
        {note}
        {channel.identifier && <span className="contact-channel-identifier"> · {channel.identifier}</span>}
      </p>
      <div className="contact-channel-actions">
        {mayWriteFirst && (
          <button type="button" className="button button--small button--primary" onClick={() => setWriting(true)}>
            {t('contacts.channels.sendFirst')}
          </button>
        )}
        {channel.state === 'active' && may(user.role, 'contacts.removeChannel') && (
          <button
            type="button"
            className="button button--small button--danger-text"
            aria-label={t('contacts.channels.removeOf', { channel: channel.name })}
            onClick={() => setRemoving(true)}
          >
            {t('contacts.channels.remove')}
          </button>
        )}
      </div>
      {writing && <FirstMessageDialog contactId={contact.id} channel={channel} onClose={() => setWriting(false)} />}
      {removing && (
        <ConfirmDialog
          title={t('contacts.channels.removeTitle', { channel: channel.name })}
          message={t('contacts.channels.removeBody')}
          confirmLabel={t('contacts.channels.remove')}
          onConfirm={async () => {
            await api.delete(`/api/v1/contacts/${contact.id}/channels/${channel.channelId}`);
            await queryClient.invalidateQueries({ queryKey: ['contacts', contact.id] });
          }}
          onClose={() => setRemoving(false)}
        />
      )}
    </li>
  );
}
