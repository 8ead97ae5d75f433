import { Suspense } from 'react';
import { NavLink, Outlet } from 'react-router-dom';
import { ToastHost } from '../blocking/toasts.js';
import { useI18n } from '../i18n/i18n.js';
import { MergeNoticeHost } from '../merging/MergeNotice.js';
import { Notifier } from '../notifications/Notifier.js';
import type { MessageKey } from '../i18n/en.js';
import { may } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { CommandPalette } from './CommandPalette.js';
import { ConnectionIndicator } from './ConnectionIndicator.js';
import { UserMenu } from './UserMenu.js';

export function AppLayout() {
  const { t } = useI18n();
  const { user, workspace } = useSession();
  const links: Array<{ to: string; label: MessageKey }> = [
    { to: '/inbox', label: 'nav.inbox' },
    ...(may(user.role, 'contacts.module') ? [{ to: '/contacts', label: 'nav.contacts' } as const, { to: '/spam-review', label: 'nav.spamReview' } as const] : []),
    ...(may(user.role, 'dashboard.view') ? [{ to: '/dashboard', label: 'nav.dashboard' } as const] : []),
    ...(may(user.role, 'usage.view') ? [{ to: '/usage', label: 'nav.usage' } as const] : []),
    ...(may(user.role, 'workspace.manage') ? [{ to: '/settings', label: 'nav.settings' } as const] : []),
  ];

  return (
    <div className="app">
      <aside className="sidebar">
        <div className="sidebar-header">
          <span className="workspace-name">{workspace.name}</span>
          <ConnectionIndicator />
        </div>
        <nav aria-label={t('nav.label')}>
          <ul className="nav">
            {links.map((link) => (
              <li key={link.to}>
                <NavLink to={link.to} className="nav-link">
                  {t(link.label)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <UserMenu />
      </aside>
      <main className="main">
        <Suspense fallback={<div className="page-loading" aria-busy="true" />}>
          <Outlet />
        </Suspense>
      </main>
      <ToastHost />
      <CommandPalette />
      <Notifier />
      <MergeNoticeHost />
    </div>
  );
}
