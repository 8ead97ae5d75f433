import { useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { BlockConversationButton } from '../blocking/BlockConversationButton.js';
import { WorkflowShortcutMenu } from '../workflows/ShortcutMenu.js';
import { ChannelLabel } from '../channels/ChannelIcon.js';
import { useI18n } from '../i18n/i18n.js';
import { may } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { errorMessage } from '../ui/errors.js';
import { usePresence, useTeams, useUsers } from '../workspace/workspace.queries.js';
import { CheckIcon, ClockIcon, ReopenIcon, TrashIcon } from './icons.js';
import { type Conversation, useConversationAction, useDeleteConversation } from './inbox.queries.js';
import { SnoozeDialog } from './SnoozeDialog.js';
import { fullTime } from './time.js';

/** The open conversation's name, state and actions: assign, close or reopen, snooze, delete (SPEC §3.2). */
export function ConversationHeader({ conversation }: { conversation: Conversation }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const action = useConversationAction(conversation.id);
  const [dialog, setDialog] = useState<'snooze' | 'delete'>();
  const remove = useDeleteConversation(conversation.id);
  const navigate = useNavigate();
  const { view } = useParams();
  const [searchParams] = useSearchParams();
  const { status } = conversation;
  // SPEC §1: agents delete conversations only where the workspace allows it.
  const { user, workspace } = useSession();
  const mayDelete = may(user.role, 'conversations.delete') || workspace.settings.agentsMayDeleteConversations;

  return (
    <header className="conversation-header">
      <div className="conversation-header-row">
        <div className="conversation-title">
          <Link to={{ pathname: `/inbox/${view}`, search: searchParams.toString() }} className="conversation-back" aria-label={t('inbox.back')} title={t('inbox.back')}>
            ←
          </Link>
          <h2>{conversation.contact.name ?? t('inbox.unknownContact')}</h2>
          {conversation.channel && <ChannelLabel channel={conversation.channel} />}
          <span className={`badge badge--${status}`}>
            {status === 'snoozed' && conversation.snoozedUntil
              ? t('inbox.snoozedUntil', { time: fullTime(conversation.snoozedUntil, language) })
              : t(`inbox.badge.${status}`)}
          </span>
          {conversation.blocked && <span className="badge badge--blocked">{t('inbox.blocked')}</span>}
        </div>
        <div className="conversation-actions">
          {status === 'open' ? (
            <button type="button" className="button button--small" data-shortcut="e" aria-keyshortcuts="e" disabled={action.isPending} onClick={() => action.mutate({ type: 'close' })}>
              <CheckIcon /> {t('inbox.action.close')}
            </button>
          ) : (
            <button type="button" className="button button--small" disabled={action.isPending || conversation.blocked} onClick={() => action.mutate({ type: 'open' })}>
              <ReopenIcon /> {t('inbox.action.reopen')}
            </button>
          )}
          {status !== 'closed' && !conversation.blocked && (
            <button type="button" className="button button--small" data-shortcut="s" aria-keyshortcuts="s" onClick={() => setDialog('snooze')}>
              <ClockIcon /> {t('inbox.action.snooze')}
            </button>
          )}
          {!conversation.blocked && <BlockConversationButton conversation={conversation} />}
          <WorkflowShortcutMenu contactId={conversation.contactId} />
          {mayDelete && (
            <button
              type="button"
              className="button button--small button--icon-small button--danger-text"
              aria-label={t('inbox.action.delete')}
              title={t('inbox.action.delete')}
              onClick={() => setDialog('delete')}
            >
              <TrashIcon />
            </button>
          )}
        </div>
      </div>
      <AssignmentControls conversation={conversation} assign={(change) => action.mutate({ type: 'assign', ...change })} />
      {action.error && (
        <p role="alert" className="alert alert--error conversation-header-error">
          {errorMessage(action.error, i18n)}
        </p>
      )}
      {dialog === 'snooze' && (
        <SnoozeDialog onSnooze={(until) => action.mutateAsync({ type: 'snooze', until })} onClose={() => setDialog(undefined)} />
      )}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={t('inbox.delete.title')}
          message={t('inbox.delete.body')}
          confirmLabel={t('inbox.delete.confirm')}
          onConfirm={async () => {
            await remove.mutateAsync();
            navigate({ pathname: `/inbox/${view}`, search: searchParams.toString() });
          }}
          onClose={() => setDialog(undefined)}
        />
      )}
    </header>
  );
}

type AssignmentChange = { assigneeId?: string | null; teamId?: string | null };

function AssignmentControls({ conversation, assign }: { conversation: Conversation; assign: (change: AssignmentChange) => void }) {
  const { t } = useI18n();
  const users = useUsers();
  const teams = useTeams();
  const online = usePresence().data;
  const assigneeOnline = conversation.assigneeId !== null && (online?.has(conversation.assigneeId) ?? false);
  const presence = assigneeOnline ? t('presence.online') : t('presence.offline');
  const byName = <T extends { name: string }>(list: T[] = []) => [...list].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <div className="conversation-assignment">
      <label className="assign-control">
        <span className="assign-label">{t('inbox.assignee')}</span>
        {conversation.assigneeId && <span role="img" className={`dot dot--${assigneeOnline ? 'online' : 'offline'}`} aria-label={presence} title={presence} />}
        <select data-shortcut="a" aria-keyshortcuts="a" value={conversation.assigneeId ?? ''} onChange={(event) => assign({ assigneeId: event.target.value || null })}>
          <option value="">{t('inbox.unassigned')}</option>
          {byName(users.data).map((user) => (
            <option key={user.id} value={user.id}>
              {user.name}
              {online?.has(user.id) ? ` (${t('presence.online')})` : ''}
            </option>
          ))}
        </select>
      </label>
      <label className="assign-control">
        <span className="assign-label">{t('inbox.team')}</span>
        <select value={conversation.teamId ?? ''} onChange={(event) => assign({ teamId: event.target.value || null })}>
          <option value="">{t('inbox.noTeam')}</option>
          {byName(teams.data).map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
