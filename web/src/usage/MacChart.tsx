import { useI18n } from '../i18n/i18n.js';
import { formatMonth } from './usage-format.js';
import type { MonthlyActiveContacts } from './usage.queries.js';

/**
 * Months oldest to newest as bars scaled to the busiest month, the year under the first bar and
 * each January. A list, so each bar reads as its month and count; the heights are for the eye only.
 */
export function MacChart({ months }: { months: MonthlyActiveContacts[] }) {
  const { t, language } = useI18n();
  const highest = Math.max(1, ...months.map((each) => each.activeContacts));
  return (
    <ol className="mac-chart" aria-label={t('usage.history')}>
      {months.map(({ month, activeContacts }, index) => (
        <li key={month} className="mac-bar" title={formatMonth(month, language, 'long')}>
          <span className="mac-bar-track">
            <span className="mac-bar-value">
              <span className="visually-hidden">{formatMonth(month, language, 'long')}: </span>
              {activeContacts.toLocaleString(language)}
            </span>
            {/* The value's line stays free above the tallest bar. */}
            {activeContacts > 0 && <span className="mac-bar-fill" style={{ height: `calc(${activeContacts / highest} * (100% - 1.5rem))` }} />}
          </span>
          <span className="mac-bar-month" aria-hidden="true">
            {formatMonth(month, language, 'short')}
            {(index === 0 || month.endsWith('-01')) && <span className="mac-bar-year">{month.slice(0, 4)}</span>}
          </span>
        </li>
      ))}
    </ol>
  );
}
