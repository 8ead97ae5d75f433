import { useCountText } from '../contacts/contact-format.js';
import { isMessageKey, type Language, useI18n } from '../i18n/i18n.js';
import type { SpamReason } from './spam.queries.js';

const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);
const isDomainList = (value: unknown): value is string[] => Array.isArray(value) && value.length > 0 && value.every((each) => typeof each === 'string');

/** A span of seconds in its largest whole unit, in the reader's words: "1 hour", "1 Minute", "45 secondes". */
function formatWindow(seconds: number, language: Language): string {
  const [unit, size] = seconds % 3600 === 0 ? (['hour', 3600] as const) : seconds % 60 === 0 ? (['minute', 60] as const) : (['second', 1] as const);
  return new Intl.NumberFormat(language, { style: 'unit', unit, unitDisplay: 'long' }).format(seconds / size);
}

/** The specifics of a reason (how many, within how long, which domains), or null when it lacks them. */
function useReasonDetail() {
  const { language } = useI18n();
  const counted = useCountText();
  return (reason: SpamReason): string | null => {
    const { signal, limit, windowSeconds } = reason;
    const within = isCount(limit) && isCount(windowSeconds) ? { limit: limit.toLocaleString(language), window: formatWindow(windowSeconds, language) } : null;
    if (signal === 'burst' && isCount(reason.messages) && within) return counted('spam.reason.burst', reason.messages, within);
    if (signal === 'repeated_text' && isCount(reason.contacts) && within) return counted('spam.reason.repeatedText', reason.contacts, within);
    if ((signal === 'blocked_domain' || signal === 'url_shortener') && isDomainList(reason.domains)) {
      return new Intl.ListFormat(language, { type: 'conjunction' }).format(reason.domains);
    }
    return null;
  };
}

/**
 * One reason of a spam decision in the reader's words, with what it added to the score. A reason
 * in a shape this app does not know shows its signal's name, with any English detail it carries
 * as a tooltip.
 */
export function SpamReasonText({ reason }: { reason: SpamReason }) {
  const { t } = useI18n();
  const detail = useReasonDetail()(reason);
  const key = `spam.signal.${reason.signal}`;
  const label = isMessageKey(key) ? t(key) : reason.signal;
  return (
    <span title={typeof reason.detail === 'string' ? reason.detail : undefined}>
      {detail ? t('spam.reason.withDetail', { label, detail }) : label}
      <span className="muted spam-reason-weight">+{reason.weight}</span>
    </span>
  );
}
