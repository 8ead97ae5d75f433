import { Link } from 'react-router-dom';
import { useI18n } from '../i18n/i18n.js';
import { may } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import './blocking.css';

/**
 * Marks a contact the spam rules hold for review. For those who review (owners and managers) it
 * links to the spam review list, where "Not spam" releases it.
 */
export function QuarantinedBadge() {
  const { t } = useI18n();
  const { user } = useSession();
  const className = 'badge spam-action--quarantine';
  if (!may(user.role, 'contacts.module')) {
    return (
      <span className={className} title={t('spam.quarantined.hint')}>
        {t('spam.quarantined')}
      </span>
    );
  }
  return (
    <Link to="/spam-review" className={`${className} quarantined-link`} title={t('spam.quarantined.hint')}>
      {t('spam.quarantined')}
    </Link>
  );
}
