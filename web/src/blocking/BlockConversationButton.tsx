import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { useI18n } from '../i18n/i18n.js';
import { BlockIcon } from '../inbox/icons.js';
import type { Conversation } from '../inbox/inbox.queries.js';
import { BlockContactDialog } from './BlockContactDialog.js';

/**
 * The 🚫 action of a conversation (SPEC §3.2), for every role. Once blocked, the conversation is
 * shown where it now is: in the Blocked contacts inbox.
 */
export function BlockConversationButton({ conversation }: { conversation: Conversation }) {
  const { t } = useI18n();
  const navigate = useNavigate();
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <button type="button" className="button button--small button--danger-text" onClick={() => setConfirming(true)}>
        <BlockIcon /> {t('blocking.block')}
      </button>
      {confirming && (
        <BlockContactDialog
          contactId={conversation.contactId}
          name={conversation.contact.name ?? t('inbox.unknownContact')}
          block
          onDone={() => navigate(`/inbox/blocked/${conversation.id}`)}
          onClose={() => setConfirming(false)}
        />
      )}
    </>
  );
}
