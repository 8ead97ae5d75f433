import { useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { BlockContactDialog } from './BlockContactDialog.js';
import './blocking.css';

/** Unblock, after confirming: in a blocked conversation's banner and on each row of Blocked contacts. */
export function UnblockContactButton({ contactId, name, label }: { contactId: string; name: string; label?: string }) {
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  return (
    <>
      <button type="button" className="button button--small" aria-label={label} onClick={() => setConfirming(true)}>
        {t('blocking.unblock')}
      </button>
      {confirming && <BlockContactDialog contactId={contactId} name={name} block={false} onClose={() => setConfirming(false)} />}
    </>
  );
}
