import { useI18n } from '../i18n/i18n.js';
import type { Dot } from './inbox.queries.js';

/** SPEC §3.4: purple for new and unread, red for missed, nothing otherwise. */
export function StatusDot({ dot }: { dot: Dot }) {
  const { t } = useI18n();
  if (dot === 'none') return null;
  const label = t(dot === 'purple' ? 'inbox.dot.purple' : 'inbox.dot.red');
  return <span role="img" className={`status-dot status-dot--${dot}`} aria-label={label} title={label} />;
}
