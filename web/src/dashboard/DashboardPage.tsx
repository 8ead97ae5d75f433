import { useI18n } from '../i18n/i18n.js';
import { DuplicateGroups } from '../merging/DuplicateGroups.js';
import { EmptyState } from '../ui/EmptyState.js';
import { Avatar } from '../ui/Avatar.js';
import { usePresence, useUsers } from '../workspace/workspace.queries.js';

export function DashboardPage() {
  const { t } = useI18n();
  const users = useUsers();
  const presence = usePresence();
  const online = (users.data ?? []).filter((user) => presence.data?.has(user.id));

  return (
    <section className="page">
      <h1>{t('dashboard.title')}</h1>
      <section className="card" aria-labelledby="online-now">
        <h2 id="online-now">{t('dashboard.onlineNow', { count: online.length })}</h2>
        <ul className="people">
          {online.map((user) => (
            <li key={user.id} className="person">
              <Avatar name={user.name} />
              <span>{user.name}</span>
              <span className="dot dot--online" aria-hidden="true" />
            </li>
          ))}
        </ul>
      </section>
      <DuplicateGroups />
      <EmptyState title={t('dashboard.empty.title')}>
        <p>{t('dashboard.empty.body')}</p>
      </EmptyState>
    </section>
  );
}
