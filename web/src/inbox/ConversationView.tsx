import { useEffect, useState } from 'react';
import { ApiError } from '../api.js';
import { BlockedBanner } from '../blocking/BlockedBanner.js';
import { ContactDrawer } from '../contacts/ContactDrawer.js';
import { useI18n } from '../i18n/i18n.js';
import { EmptyState } from '../ui/EmptyState.js';
import { errorMessage } from '../ui/errors.js';
import { Composer } from './Composer.js';
import { ContactTyping } from './ContactTyping.js';
import { ConversationHeader } from './ConversationHeader.js';
import { type Conversation, useConversation, useMarkRead } from './inbox.queries.js';
import { focusComposer } from './InboxShortcuts.js';
import { MessageList } from './MessageList.js';

/** Centre and right columns: the open conversation and its contact. */
export function ConversationView({ id }: { id: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const conversation = useConversation(id);

  if (conversation.error) {
    const gone = conversation.error instanceof ApiError && conversation.error.status === 404;
    return (
      <div className="inbox-placeholder">
        <EmptyState title={gone ? t('inbox.gone.title') : errorMessage(conversation.error, i18n)}>{gone && <p>{t('inbox.gone.body')}</p>}</EmptyState>
      </div>
    );
  }
  if (!conversation.data) return <div className="message-window" aria-busy="true" />;
  return (
    <>
      <OpenConversation conversation={conversation.data} />
      <ContactDrawer contactId={conversation.data.contactId} mode="panel" />
    </>
  );
}

function OpenConversation({ conversation }: { conversation: Conversation }) {
  useMarkReadWhileOpen(conversation);
  // Opening a conversation is for answering it: the cursor goes to the composer (Esc goes back to the list).
  useEffect(focusComposer, [conversation.id]);
  const [showHidden, setShowHidden] = useState(false);
  return (
    <section className="message-window" aria-label={conversation.contact.name ?? undefined}>
      <ConversationHeader conversation={conversation} />
      <MessageList conversationId={conversation.id} includeHidden={conversation.blocked && showHidden} />
      {conversation.blocked && <BlockedBanner conversation={conversation} showHidden={showHidden} onShowHiddenChange={setShowHidden} />}
      {conversation.channel?.type === 'webchat' && <ContactTyping conversationId={conversation.id} name={conversation.contact.name} />}
      <Composer conversation={conversation} />
    </section>
  );
}

/** Opening a conversation reads it, and so does each new message from the contact while it is open. */
function useMarkReadWhileOpen({ id, lastInboundAt }: Conversation) {
  const markRead = useMarkRead().mutate;
  useEffect(() => {
    markRead(id);
  }, [id, lastInboundAt, markRead]);
}
