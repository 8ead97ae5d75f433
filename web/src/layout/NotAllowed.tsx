import { Link } from 'react-router-dom';
import { useI18n } from '../i18n/i18n.js';

export function NotAllowed() {
  const { t } = useI18n();
  return (
    <section className="page empty-page">
      <h1>{t('notAllowed.title')}</h1>
      <p>{t('notAllowed.body')}</p>
      <Link to="/inbox" className="button">
        {t('notAllowed.back')}
      </Link>
    </section>
  );
}
