import { useId } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { BlockIcon } from '../inbox/icons.js';
import type { Conversation } from '../inbox/inbox.queries.js';
import { UnblockContactButton } from './UnblockContactButton.js';
import './blocking.css';

/**
 * In place of the composer while the contact is blocked (SPEC §2.6 item 4): why nobody can write,
 * Unblock (every role may), and a switch to look at what the contact sent while blocked.
 */
export function BlockedBanner(props: { conversation: Conversation; showHidden: boolean; onShowHiddenChange: (show: boolean) => void }) {
  const { t } = useI18n();
  const textId = useId();
  const { conversation } = props;
  return (
    <section className="blocked-banner" aria-labelledby={textId}>
      <p id={textId} className="blocked-banner-text">
        <BlockIcon /> {t('blocking.banner')}
      </p>
      <div className="blocked-banner-actions">
        <label className="blocked-banner-toggle">
          <input type="checkbox" checked={props.showHidden} onChange={(event) => props.onShowHiddenChange(event.target.checked)} />
          {t('blocking.showHidden')}
        </label>
        <UnblockContactButton contactId={conversation.contactId} name={conversation.contact.name ?? t('inbox.unknownContact')} />
      </div>
    </section>
  );
}
