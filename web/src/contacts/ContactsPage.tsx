import { useI18n } from '../i18n/i18n.js';
import { EmptyState } from '../ui/EmptyState.js';

export function ContactsPage() {
  const { t } = useI18n();
  return (
    <section className="page">
      <h1>{t('contacts.title')}</h1>
      <EmptyState title={t('contacts.empty.title')}>
        <p>{t('contacts.empty.body')}</p>
      </EmptyState>
    </section>
  );
}
