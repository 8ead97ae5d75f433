import { useEffect, useState } from 'react';
import { NavLink, useSearchParams } from 'react-router-dom';
import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/en.js';
import { useSession } from '../session/session.js';
import { useTeams } from '../workspace/workspace.queries.js';
import { type InboxCount, useInboxCounts, useUnreadTitle } from './inbox-counts.js';
import type { ConversationStatus, ListFilter } from './inbox.queries.js';

const SEARCH_DELAY_MS = 300;

const statusLabels: Record<ConversationStatus, MessageKey> = {
  open: 'inbox.status.open',
  snoozed: 'inbox.status.snoozed',
  closed: 'inbox.status.closed',
};

/** Left column: search, the inboxes the user may see (SPEC §1, §3.1), and the status filter. */
export function InboxNavigation({ filter, seesAll }: { filter: ListFilter; seesAll: boolean }) {
  const { t } = useI18n();
  const { user, teamIds } = useSession();
  const teams = useTeams();
  const [searchParams, setSearchParams] = useSearchParams();
  const [search, setSearch] = useState(filter.q);

  // Typing updates the URL (and so the list) once the user pauses.
  useEffect(() => {
    if (search === (searchParams.get('q') ?? '')) return;
    const timer = setTimeout(() => {
      setSearchParams(
        (current) => {
          const next = new URLSearchParams(current);
          if (search.trim()) next.set('q', search);
          else next.delete('q');
          return next;
        },
        { replace: true },
      );
    }, SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [search, searchParams, setSearchParams]);

  const counts = useInboxCounts();
  useUnreadTitle(t('inbox.title'), counts.total?.unread);
  const visibleTeams = (teams.data ?? []).filter((team) => user.role !== 'agent' || teamIds.includes(team.id));
  const query = searchParams.toString() ? `?${searchParams}` : '';
  const link = (view: string, label: string) => (
    <li key={view}>
      <NavLink to={`/inbox/${view}${query}`} className="inbox-nav-link">
        <span className="inbox-nav-label">
          {label}
          <CountWords count={counts.of(view)} />
        </span>
        <CountBadges count={counts.of(view)} />
      </NavLink>
    </li>
  );

  return (
    <aside className="inbox-nav" aria-label={t('inbox.navigation')}>
      <h1 className="inbox-nav-title">{t('inbox.title')}</h1>
      <input
        type="search"
        className="inbox-search"
        aria-label={t('inbox.search')}
        placeholder={t('inbox.search.placeholder')}
        title={t('inbox.search.hint')}
        value={search}
        onChange={(event) => setSearch(event.target.value)}
      />
      <nav aria-label={t('inbox.inboxes')}>
        <ul className="inbox-nav-list">
          {link('mine', t('inbox.view.mine'))}
          {link('unassigned', t('inbox.view.unassigned'))}
          {seesAll && link('all', t('inbox.view.all'))}
        </ul>
        {visibleTeams.length > 0 && (
          <>
            <h2 className="inbox-nav-heading">{t('inbox.teams')}</h2>
            <ul className="inbox-nav-list">{visibleTeams.map((team) => link(`team:${team.id}`, team.name))}</ul>
          </>
        )}
        <ul className="inbox-nav-list inbox-nav-list--apart">{link('blocked', t('inbox.view.blocked'))}</ul>
      </nav>
      {filter.view !== 'blocked' && (
        <fieldset className="status-filter">
          <legend className="inbox-nav-heading">{t('inbox.statusFilter')}</legend>
          {(Object.keys(statusLabels) as ConversationStatus[]).map((status) => (
            <label key={status} className={`status-filter-option${filter.status === status ? ' active' : ''}`}>
              <input
                type="radio"
                name="status"
                value={status}
                checked={filter.status === status}
                onChange={() =>
                  setSearchParams((current) => {
                    const next = new URLSearchParams(current);
                    next.set('status', status);
                    return next;
                  })
                }
              />
              {t(statusLabels[status])}
            </label>
          ))}
        </fieldset>
      )}
    </aside>
  );
}

/** The server counts each inbox up to 1000. */
const shown = (count: number) => (count >= 1000 ? '999+' : String(count));

/** The counts in words for screen readers, inside the link's name: "Mine, 2 unread, 5 open". */
function CountWords({ count }: { count: InboxCount | undefined }) {
  const { t } = useI18n();
  if (!count) return null;
  return <span className="visually-hidden">{t('inbox.counts', { unread: shown(count.unread), open: shown(count.open) })}</span>;
}

/** Unread (emphasised, when any) and open conversations beside an inbox's name. */
function CountBadges({ count }: { count: InboxCount | undefined }) {
  if (!count) return null;
  return (
    <span className="inbox-counts" aria-hidden="true">
      {count.unread > 0 && <span className="count count--unread">{shown(count.unread)}</span>}
      <span className="count">{shown(count.open)}</span>
    </span>
  );
}
