import { useI18n } from '../i18n/i18n.js';
import { usePresence, useUsers } from '../workspace/workspace.queries.js';

/** The assignee with an online or offline dot, or "Unassigned". */
export function AssigneeName({ assigneeId }: { assigneeId: string | null }) {
  const { t } = useI18n();
  const users = useUsers();
  const online = usePresence().data?.has(assigneeId ?? '') ?? false;
  const name = users.data?.find((user) => user.id === assigneeId)?.name;
  if (!assigneeId || !name) return <span className="assignee muted">{t('inbox.unassigned')}</span>;
  const presence = online ? t('presence.online') : t('presence.offline');
  return (
    <span className="assignee">
      <span role="img" className={`dot dot--${online ? 'online' : 'offline'}`} aria-label={presence} title={presence} />
      <span>{name}</span>
    </span>
  );
}
