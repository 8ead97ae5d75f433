import { NavLink, Outlet } from 'react-router-dom';
import type { MessageKey } from '../i18n/en.js';
import { useI18n } from '../i18n/i18n.js';

const sections: Array<[path: string, label: MessageKey]> = [
  ['users', 'settings.usersAndTeams'],
  ['workspace', 'settings.workspace'],
  ['contact-fields', 'settings.contactFields'],
  ['tags', 'settings.tags'],
  ['saved-replies', 'savedReplies.title'],
  ['spam', 'settings.spam'],
  ['channels', 'settings.channels'],
  ['templates', 'settings.templates'],
  ['workflows', 'settings.workflows'],
];

export function SettingsPage() {
  const { t } = useI18n();
  return (
    <section className="page">
      <h1>{t('settings.title')}</h1>
      <nav aria-label={t('settings.sections')} className="tabs">
        {sections.map(([path, label]) => (
          <NavLink key={path} to={`/settings/${path}`} className="tab">
            {t(label)}
          </NavLink>
        ))}
      </nav>
      <Outlet />
    </section>
  );
}
