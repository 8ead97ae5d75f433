import { Navigate, Route, Routes, useParams, useSearchParams } from 'react-router-dom';
import { seesEveryConversation } from '../../../src/conversations/conversation-visibility.rules.js';
import { useI18n } from '../i18n/i18n.js';
import { useSession } from '../session/session.js';
import { EmptyState } from '../ui/EmptyState.js';
import { ConversationList } from './ConversationList.js';
import { ConversationView } from './ConversationView.js';
import type { ConversationStatus, ListFilter } from './inbox.queries.js';
import { InboxNavigation } from './InboxNavigation.js';
import { InboxShortcuts } from './InboxShortcuts.js';
import './inbox.css';

/** `/inbox/<inbox>/<conversation id>?status=…&q=…`: the inbox, its filters and the open conversation are all in the URL. */
export function InboxPage() {
  return (
    <Routes>
      <Route index element={<Navigate to="mine" replace />} />
      <Route path=":view/:conversationId?" element={<Inbox />} />
    </Routes>
  );
}

const statuses: readonly ConversationStatus[] = ['open', 'snoozed', 'closed'];

function Inbox() {
  const { t } = useI18n();
  const { user, workspace } = useSession();
  const { view = 'mine', conversationId } = useParams();
  const [searchParams] = useSearchParams();
  const status = statuses.find((each) => each === searchParams.get('status')) ?? 'open';
  const filter: ListFilter = { view, status, q: searchParams.get('q') ?? '' };

  const seesAll = seesEveryConversation({ role: user.role, agentsSeeAll: workspace.settings.agentsSeeAll });
  if (view === 'all' && !seesAll) return <Navigate to="/inbox/mine" replace />;

  return (
    <div className={`inbox${conversationId ? ' inbox--open' : ''}`}>
      <InboxNavigation filter={filter} seesAll={seesAll} />
      <ConversationList filter={filter} selectedId={conversationId} />
      <InboxShortcuts />
      {conversationId ? (
        <ConversationView key={conversationId} id={conversationId} />
      ) : (
        <div className="inbox-placeholder">
          <EmptyState title={t('inbox.noSelection.title')}>
            <p>{t('inbox.noSelection.body')}</p>
          </EmptyState>
        </div>
      )}
    </div>
  );
}
