import { useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { seesEveryConversation } from '../../../src/conversations/conversation-visibility.rules.js';
import { useI18n } from '../i18n/i18n.js';
import { useSession } from '../session/session.js';
import { channelTypeName } from './contact-format.js';
import { type Contact, type ContactChannel, useContactChannels } from './contacts.queries.js';
import { FirstMessageDialog } from './FirstMessageDialog.js';

/**
 * The contact's conversation in its drawer: its state, kept live by conversation events, with a
 * link to it; or, without one, a way to start it on each channel that lets the business write first.
 */
export function ContactConversation({ contact }: { contact: Contact }) {
  const { t } = useI18n();
  // Held here, not by the start buttons: the message sent makes the conversation, which replaces
  // the buttons with its link while the dialog still says the message is on its way.
  const [writing, setWriting] = useState<ContactChannel>();
  return (
    <div className="detail-field">
      <span className="detail-label">{t('contacts.field.conversationStatus')}</span>
      <div className="detail-control">
        <span className="detail-static">{t(`contacts.conversationStatus.${contact.conversationStatus ?? 'none'}`)}</span>
        {contact.conversationId ? <ConversationLink contact={contact} conversationId={contact.conversationId} /> : <StartConversation contact={contact} onStart={setWriting} />}
        {writing && <FirstMessageDialog contactId={contact.id} channel={writing} onClose={() => setWriting(undefined)} />}
      </div>
    </div>
  );
}

function ConversationLink({ contact, conversationId }: { contact: Contact; conversationId: string }) {
  const { t } = useI18n();
  const { user, workspace } = useSession();
  const open = useParams().conversationId;
  if (open === conversationId) return null;
  // The conversation opens from any inbox; All when the user has it, else their own.
  const view = seesEveryConversation({ role: user.role, agentsSeeAll: workspace.settings.agentsSeeAll }) ? 'all' : 'mine';
  const status = contact.conversationStatus ?? 'open';
  return (
    <Link className="detail-link" to={`/inbox/${view}/${conversationId}?status=${status}`}>
      {t('contacts.conversation.open')}
    </Link>
  );
}

/** Channels the contact wrote on already, and those the server says the business may write first on (SPEC §2.2). */
const mayStartOn = (channel: ContactChannel) => channel.state === 'active' || channel.state === 'inactive';

function StartConversation({ contact, onStart }: { contact: Contact; onStart: (channel: ContactChannel) => void }) {
  const { t } = useI18n();
  const channels = useContactChannels(contact.id);
  if (contact.blocked || !channels.data) return null;
  const startable = channels.data.filter(mayStartOn);
  if (startable.length === 0) return <p className="field-hint">{t('contacts.conversation.writeFirst')}</p>;
  return (
    <>
      {startable.map((channel) => (
        <button key={channel.channelId} type="button" className="link-button detail-link" onClick={() => onStart(channel)}>
          {t('contacts.conversation.start', { channel: channel.name === channelTypeName(channel.type, t) ? channel.name : `${channel.name} (${channelTypeName(channel.type, t)})` })}
        </button>
      ))}
    </>
  );
}
