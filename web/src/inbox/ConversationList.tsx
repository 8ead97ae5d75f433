import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { ChannelLabel } from '../channels/ChannelIcon.js';
import { ApiError } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { useRealtime } from '../realtime/realtime.js';
import { Avatar } from '../ui/Avatar.js';
import { errorMessage } from '../ui/errors.js';
import { useTeams } from '../workspace/workspace.queries.js';
import { AssigneeName } from './AssigneeName.js';
import { plainText } from './FormattedText.js';
import { redDeadline } from './conversation-lists.js';
import { type Conversation, dotContext, type ListFilter, refreshDots, useConversationList } from './inbox.queries.js';
import { StatusDot } from './StatusDot.js';
import { shortTime } from './time.js';

/** Middle column: the chosen inbox's conversations, newest activity first. */
export function ConversationList({ filter, selectedId }: { filter: ListFilter; selectedId?: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const list = useConversationList(filter);
  const conversations = list.data?.pages.flatMap((page) => page.items) ?? [];
  useRedDotTimer(conversations);

  return (
    <section className="conversation-list" aria-label={t('inbox.conversations')} aria-busy={list.isPending}>
      <ListHeading filter={filter} />
      {list.error && (
        <div role="alert" className="alert alert--error list-failed">
          <p>{t(list.error instanceof ApiError && list.error.status > 0 && list.error.status < 500 ? 'inbox.list.refused' : 'inbox.list.failed')}</p>
          {list.error instanceof ApiError && list.error.status > 0 && list.error.status < 500 && <p>{errorMessage(list.error, i18n)}</p>}
          <button type="button" className="button button--small" disabled={list.isFetching} onClick={() => void list.refetch()}>
            {t('inbox.list.retry')}
          </button>
        </div>
      )}
      {list.isPending && <SkeletonRows />}
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

/** Where rows will be, while the first page loads. */
function SkeletonRows() {
  return (
    <ul className="conversation-rows" aria-hidden="true">
      {[0, 1, 2, 3, 4, 5].map((row) => (
        <li key={row} className="conversation-row conversation-row--skeleton">
          <span className="skeleton skeleton--avatar" />
          <span className="conversation-row-main">
            <span className="skeleton skeleton--line" />
            <span className="skeleton skeleton--line skeleton--short" />
          </span>
        </li>
      ))}
    </ul>
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
          <span className="conversation-row-meta">
            {conversation.channel && <ChannelLabel channel={conversation.channel} />}
            <AssigneeName assigneeId={conversation.assigneeId} />
          </span>
        </span>
      </Link>
    </li>
  );
}

/**
 * A dot turns red when nobody answered within `missedAfterSeconds`, without any event saying so:
 * work the dots out again when the next conversation shown crosses that line.
 */
function useRedDotTimer(conversations: Conversation[]) {
  const queryClient = useQueryClient();
  const { presence } = useRealtime();
  // Read on each render: the list renders again whenever a conversation, a dot or presence changes.
  const context = dotContext(queryClient, presence);
  const deadlines = context ? conversations.flatMap((each) => redDeadline(each, context) ?? []).filter((deadline) => deadline > context.now.getTime()) : [];
  const next = deadlines.length > 0 ? Math.min(...deadlines) : undefined;

  useEffect(() => {
    if (next === undefined) return;
    const timer = setTimeout(() => {
      const context = dotContext(queryClient, presence);
      if (context) refreshDots(queryClient, context);
      // A little late rather than early: a timer that fired early would find nothing red yet and not come again.
    }, next - Date.now() + 100);
    return () => clearTimeout(timer);
  }, [next, queryClient, presence]);
}
