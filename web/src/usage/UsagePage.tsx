import { useI18n } from '../i18n/i18n.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { MacChart } from './MacChart.js';
import { useMacHistory } from './usage.queries.js';
import { formatMonth } from './usage-format.js';
import './usage.css';

/** Monthly active contacts (SPEC §6), for owners: this month, and the last twelve as bars. */
export function UsagePage() {
  const i18n = useI18n();
  const { t, language } = i18n;
  const history = useMacHistory();
  const current = history.data?.[0];

  return (
    <section className="page usage-page">
      <h1>{t('usage.title')}</h1>
      <FormAlert>{history.error ? errorMessage(history.error, i18n) : undefined}</FormAlert>
      <section className="card usage-current" aria-labelledby="usage-current" aria-busy={history.isPending}>
        <h2 id="usage-current">{t('usage.current', { month: current ? formatMonth(current.month, language, 'long') : '' })}</h2>
        <p className="usage-figure">{current?.activeContacts.toLocaleString(language)}</p>
        <p className="muted">{t('usage.explanation')}</p>
      </section>
      {history.data && (
        <section className="card" aria-labelledby="usage-history">
          <h2 id="usage-history">{t('usage.history')}</h2>
          <MacChart months={[...history.data].reverse()} />
        </section>
      )}
    </section>
  );
}
