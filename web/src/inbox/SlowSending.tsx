import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';

/** How long a reply may stay "Sending" before the agent is told the channel has not taken it yet. */
export const SLOW_SENDING_MS = 5000;

/** Past SLOW_SENDING_MS a pending reply says so, and that it will be tried again (the queue retries it). */
export function SlowSending({ since }: { since: string }) {
  const { t } = useI18n();
  const due = Date.parse(since) + SLOW_SENDING_MS;
  const [slow, setSlow] = useState(() => Date.now() >= due);
  useEffect(() => {
    if (slow) return;
    const timer = setTimeout(() => setSlow(true), due - Date.now());
    return () => clearTimeout(timer);
  }, [due, slow]);
  if (!slow) return null;
  return (
    <span role="status" className="slow-sending">
      {t('inbox.delivery.slow')}
    </span>
  );
}
