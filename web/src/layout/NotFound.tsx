import { Link } from 'react-router-dom';
import { useI18n } from '../i18n/i18n.js';

export function NotFound() {
  const { t } = useI18n();
  return (
    <section className="page empty-page">
      <h1>{t('notFound.title')}</h1>
      <Link to="/inbox" className="button">
        {t('notAllowed.back')}
      </Link>
    </section>
  );
}
