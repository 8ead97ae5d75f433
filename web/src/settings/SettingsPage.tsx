import { NavLink, Outlet } from 'react-router-dom';
import { useI18n } from '../i18n/i18n.js';

export function SettingsPage() {
  const { t } = useI18n();
  return (
    <section className="page">
      <h1>{t('settings.title')}</h1>
      <nav aria-label={t('settings.sections')} className="tabs">
        <NavLink to="/settings/users" className="tab">
          {t('settings.usersAndTeams')}
        </NavLink>
        <NavLink to="/settings/workspace" className="tab">
          {t('settings.workspace')}
        </NavLink>
        <NavLink to="/settings/contact-fields" className="tab">
          {t('settings.contactFields')}
        </NavLink>
        <NavLink to="/settings/tags" className="tab">
          {t('settings.tags')}
        </NavLink>
        <NavLink to="/settings/saved-replies" className="tab">
          {t('savedReplies.title')}
        </NavLink>
        <NavLink to="/settings/spam" className="tab">
          {t('settings.spam')}
        </NavLink>
      </nav>
      <Outlet />
    </section>
  );
}
