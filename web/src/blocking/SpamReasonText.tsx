import { isMessageKey, useI18n } from '../i18n/i18n.js';
import type { SpamReason } from './spam.queries.js';

/** One reason of a spam decision in words, with the server's detail (a domain, a count) as plain text. */
export function SpamReasonText({ reason }: { reason: SpamReason }) {
  const { t } = useI18n();
  const key = `spam.signal.${reason.signal}`;
  return (
    <>
      <span className="spam-reason">{isMessageKey(key) ? t(key) : reason.signal}</span>
      {reason.detail && <span className="muted"> — {reason.detail}</span>}
    </>
  );
}
