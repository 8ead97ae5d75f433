import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { useI18n } from '../i18n/i18n.js';
import { useSession } from '../session/session.js';
import { Avatar } from '../ui/Avatar.js';
import { errorMessage } from '../ui/errors.js';
import { useTeams } from '../workspace/workspace.queries.js';
import { AssigneeName } from './AssigneeName.js';
import { plainText } from './FormattedText.js';
import { type Conversation, conversationKeys, type ListFilter, useConversationList } from './inbox.queries.js';
import { StatusDot } from './StatusDot.js';
import { shortTime } from './time.js';

/** Middle column: the chosen inbox's conversations, newest activity first. */
export function ConversationList({ filter, selectedId }: { filter: ListFilter; selectedId?: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const list = useConversationList(filter);
  const conversations = list.data?.pages.flatMap((page) => page.items) ?? [];
  useRedDotTimer(conversations, filter);

  return (
    <section className="conversation-list" aria-label={t('inbox.conversations')}>
      <ListHeading filter={filter} />
      {list.error && (
        <p role="alert" className="alert alert--error">
          {errorMessage(list.error, i18n)}
        </p>
      )}
      {list.isSuccess && conversations.length === 0 && <p className="conversation-list-empty muted">{t(filter.q ? 'inbox.list.noMatches' : 'inbox.list.empty')}</p>}
      <ul className="conversation-rows">
        {conversations.map((conversation) => (
          <ConversationRow key={conversation.id} conversation={conversation} filter={filter} selected={conversation.id === selectedId} />
        ))}
      </ul>
      {list.hasNextPage && (
        <button type="button" className="button button--small load-more" disabled={list.isFetchingNextPage} onClick={() => void list.fetchNextPage()}>
          {t('inbox.list.loadMore')}
        </button>
      )}
    </section>
  );
}

function ListHeading({ filter }: { filter: ListFilter }) {
  const { t } = useI18n();
  const teams = useTeams();
  const names: Record<string, string> = {
    mine: t('inbox.view.mine'),
    unassigned: t('inbox.view.unassigned'),
    all: t('inbox.view.all'),
    blocked: t('inbox.view.blocked'),
  };
  const teamName = teams.data?.find((team) => `team:${team.id}` === filter.view)?.name;
  return (
    <h2 className="conversation-list-heading">
      {names[filter.view] ?? teamName ?? ''}
      {filter.view !== 'blocked' && <span className="muted"> · {t(`inbox.status.${filter.status}`)}</span>}
    </h2>
  );
}

function ConversationRow({ conversation, filter, selected }: { conversation: Conversation; filter: ListFilter; selected: boolean }) {
  const { t, language } = useI18n();
  const [searchParams] = useSearchParams();
  const name = conversation.contact.name ?? t('inbox.unknownContact');
  const query = searchParams.toString() ? `?${searchParams}` : '';
  return (
    <li>
      <Link
        to={`/inbox/${filter.view}/${conversation.id}${query}`}
        className={`conversation-row${selected ? ' selected' : ''}${conversation.dot !== 'none' ? ' unread' : ''}`}
        aria-current={selected ? 'true' : undefined}
      >
        <Avatar name={name} />
        <span className="conversation-row-main">
          <span className="conversation-row-top">
            <span className="conversation-row-name">{name}</span>
            <time dateTime={conversation.lastMessageAt} className="conversation-row-time">
              {shortTime(conversation.lastMessageAt, language)}
            </time>
          </span>
          <span className="conversation-row-bottom">
            <span className="conversation-row-preview">{plainText(conversation.lastMessage?.text ?? '')}</span>
            <StatusDot dot={conversation.dot} />
          </span>
          <AssigneeName assigneeId={conversation.assigneeId} />
        </span>
      </Link>
    </li>
  );
}

/**
 * A dot turns red when nobody answered within `missedAfterSeconds`, without any event saying so:
 * refetch the list when the next conversation shown crosses that line.
 */
function useRedDotTimer(conversations: Conversation[], { view, status, q }: ListFilter) {
  const queryClient = useQueryClient();
  const { workspace } = useSession();
  const waitMs = workspace.settings.missedAfterSeconds * 1000;
  const now = Date.now();
  const deadlines = conversations
    .filter((each) => each.status === 'open' && each.dot !== 'red' && each.awaitingReplySince)
    .map((each) => Date.parse(each.awaitingReplySince!) + waitMs)
    .filter((deadline) => deadline > now);
  const next = deadlines.length > 0 ? Math.min(...deadlines) : undefined;

  useEffect(() => {
    if (next === undefined) return;
    const refetch = () => void queryClient.invalidateQueries({ queryKey: conversationKeys.list({ view, status, q }) });
    const timer = setTimeout(refetch, next - Date.now() + 500);
    return () => clearTimeout(timer);
  }, [next, queryClient, view, status, q]);
}
