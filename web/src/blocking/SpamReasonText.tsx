import { isMessageKey, useI18n } from '../i18n/i18n.js';
import type { SpamReason } from './spam.queries.js';

/**
 * One reason of a spam decision in the reader's words, with what it added to the score. The
 * server's detail (which domain, how many messages) is English prose: it stays a tooltip.
 */
export function SpamReasonText({ reason }: { reason: SpamReason }) {
  const { t } = useI18n();
  const key = `spam.signal.${reason.signal}`;
  return (
    <span title={reason.detail}>
      {isMessageKey(key) ? t(key) : reason.signal}
      <span className="muted spam-reason-weight">+{reason.weight}</span>
    </span>
  );
}
