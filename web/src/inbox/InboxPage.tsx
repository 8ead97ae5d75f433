import { useI18n } from '../i18n/i18n.js';
import { EmptyState } from '../ui/EmptyState.js';

export function InboxPage() {
  const { t } = useI18n();
  return (
    <section className="page">
      <h1>{t('inbox.title')}</h1>
      <EmptyState title={t('inbox.empty.title')}>
        <p>{t('inbox.empty.body')}</p>
      </EmptyState>
    </section>
  );
}
