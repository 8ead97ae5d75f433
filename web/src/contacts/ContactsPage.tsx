import { useCallback, useMemo, useState } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router-dom';
import { useI18n } from '../i18n/i18n.js';
import { EmptyState } from '../ui/EmptyState.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { BulkActions } from './BulkActions.js';
import { useCountText } from './contact-format.js';
import {
  type ContactFilter,
  type ContactSort,
  cleanFilter,
  filterFromParams,
  filterFromSaved,
  filterParams,
  isFiltered,
  sameFilter,
  type SortOrder,
} from './contact-filter.js';
import { ContactDrawer } from './ContactDrawer.js';
import { type BulkSelection, type Contact, contactName, useContactCount, useContactList, useSegments } from './contacts.queries.js';
import { ContactsTable } from './ContactsTable.js';
import { ContactsToolbar } from './ContactsToolbar.js';
import { DeleteAllDialog } from './DeleteAllDialog.js';
import { ActiveFilters } from './FilterPanel.js';
import { ImportDialog } from './ImportDialog.js';
import { MoreMenu } from './MoreMenu.js';
import { SaveSegmentDialog, SegmentList } from './SegmentList.js';
import './contacts.css';

const sortKeys: ContactSort[] = ['lastInteraction', 'name', 'created'];

/**
 * Chosen contacts (by id, with the name they were chosen under), kept across searches and
 * filters; or every contact matching the filter (sent as the filter, never as ids), which
 * belongs to that filter: changing the filter empties it.
 */
type Selection = { kind: 'chosen'; chosen: ReadonlyMap<string, string> } | { kind: 'matching'; filterKey: string };
const nothingChosen: Selection = { kind: 'chosen', chosen: new Map() };

/** The Contacts module (SPEC §2.3, §2.4): owners and managers only. `/contacts/<id>` opens the drawer. */
export function ContactsPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const counted = useCountText();
  const navigate = useNavigate();
  const contactId = useParams()['*'] || undefined;
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => filterFromParams(params), [params]);
  const sort = sortKeys.find((key) => key === params.get('sort')) ?? 'lastInteraction';
  const order: SortOrder = params.get('order') === 'asc' ? 'asc' : params.get('order') === 'desc' ? 'desc' : sort === 'name' ? 'asc' : 'desc';
  const filterKey = filterParams(filter).toString();

  const list = useContactList(filter, sort, order);
  const count = useContactCount(filter);
  const segments = useSegments();
  const contacts = useMemo(() => list.data?.pages.flatMap((page) => page.items) ?? [], [list.data]);

  const [stored, setSelection] = useState<Selection>(nothingChosen);
  const selection: Selection = stored.kind === 'matching' && stored.filterKey !== filterKey ? nothingChosen : stored;
  const [dialog, setDialog] = useState<'import' | 'deleteAll' | 'saveSegment' | null>(null);

  function show(next: ContactFilter, nextSort = sort, nextOrder = order) {
    const query = filterParams(next);
    if (nextSort !== 'lastInteraction' || nextOrder !== 'desc') {
      query.set('sort', nextSort);
      query.set('order', nextOrder);
    }
    // Replaced, not pushed: typing a search would otherwise fill the history with every pause.
    setParams(query, { replace: true });
  }

  const isSelected = (id: string) => selection.kind === 'matching' || selection.chosen.has(id);
  const chosen = selection.kind === 'chosen' ? selection.chosen : new Map<string, string>();
  const allShownSelected = contacts.length > 0 && contacts.every((contact) => isSelected(contact.id));
  const selectedCount = selection.kind === 'matching' ? (count.data ?? 0) : chosen.size;
  const bulkSelection: BulkSelection = selection.kind === 'matching' ? { filter: cleanFilter(filter) } : { contactIds: [...chosen.keys()] };
  const nameOf = (contact: Contact) => contactName(contact) ?? t('contacts.unnamed');

  function toggle(id: string) {
    const next = new Map(selection.kind === 'matching' ? contacts.map((contact) => [contact.id, nameOf(contact)]) : chosen);
    const contact = contacts.find((each) => each.id === id);
    if (next.has(id)) next.delete(id);
    else if (contact) next.set(id, nameOf(contact));
    setSelection({ kind: 'chosen', chosen: next });
  }

  function toggleShown() {
    const next = new Map(chosen);
    for (const contact of contacts) {
      if (allShownSelected) next.delete(contact.id);
      else next.set(contact.id, nameOf(contact));
    }
    setSelection({ kind: 'chosen', chosen: next });
  }

  function deselect(id: string) {
    const next = new Map(chosen);
    next.delete(id);
    setSelection({ kind: 'chosen', chosen: next });
  }

  const clearSelection = useCallback(() => setSelection(nothingChosen), []);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = list;
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  const isSegment = segments.data?.some((segment) => sameFilter(filter, filterFromSaved(segment.filter))) ?? false;
  const canSaveSegment = isFiltered(filter) && !isSegment && filter.blocked === undefined;

  return (
    <section className="page contacts-page">
      <header className="contacts-header">
        <h1>{t('contacts.title')}</h1>
        {count.data !== undefined && <span className="muted contacts-count">{counted('contacts.count', count.data)}</span>}
        <Link to="/contacts/merges" className="button">
          {t('merging.history.open')}
        </Link>
        <button type="button" className="button" onClick={() => setDialog('import')}>
          {t('contacts.import.open')}
        </button>
        <MoreMenu label={t('contacts.moreActions')} items={[{ label: t('contacts.deleteAll.open'), danger: true, onSelect: () => setDialog('deleteAll') }]} />
      </header>
      <div className="contacts-layout">
        <SegmentList filter={filter} onOpen={(next) => show(next)} />
        <div className="contacts-main">
          <ContactsToolbar filter={filter} onFilterChange={(next) => show(next)} sort={sort} order={order} onSortChange={(nextSort, nextOrder) => show(filter, nextSort, nextOrder)} />
          <ActiveFilters filter={filter} onChange={(next) => show(next)}>
            {canSaveSegment && (
              <button type="button" className="button button--small" onClick={() => setDialog('saveSegment')}>
                {t('contacts.segments.saveOpen')}
              </button>
            )}
            {isFiltered(filter) && (
              <button type="button" className="button button--small" onClick={() => show({})}>
                {t('contacts.filters.clear')}
              </button>
            )}
          </ActiveFilters>
          {selectedCount > 0 && (
            <BulkActions
              count={selectedCount}
              selection={bulkSelection}
              chosen={selection.kind === 'chosen' ? chosen : undefined}
              onDeselect={deselect}
              blocked={filter.blocked === 'true'}
              onClear={clearSelection}
            />
          )}
          {allShownSelected && selection.kind === 'chosen' && count.data !== undefined && count.data > contacts.length && (
            <p className="select-banner">
              {counted('contacts.select.allShown', contacts.length)}{' '}
              <button type="button" className="link-button" onClick={() => setSelection({ kind: 'matching', filterKey })}>
                {counted('contacts.select.matching', count.data)}
              </button>
            </p>
          )}
          {selection.kind === 'matching' && (
            <p className="select-banner">
              {counted('contacts.select.allMatching', selectedCount)}{' '}
              <button type="button" className="link-button" onClick={clearSelection}>
                {t('contacts.select.clear')}
              </button>
            </p>
          )}
          <FormAlert>{list.error ? errorMessage(list.error, i18n) : undefined}</FormAlert>
          {list.isSuccess && contacts.length === 0 ? (
            sameFilter(filter, { blocked: 'true' }) ? (
              <EmptyState title={t('contacts.noBlocked.title')}>
                <p>{t('contacts.noBlocked.body')}</p>
              </EmptyState>
            ) : isFiltered(filter) ? (
              <EmptyState title={t('contacts.noMatch.title')}>
                <p>{t('contacts.noMatch.body')}</p>
              </EmptyState>
            ) : (
              <EmptyState title={t('contacts.empty.title')}>
                <p>{t('contacts.empty.body')}</p>
              </EmptyState>
            )
          ) : (
            <div className="card contacts-card" aria-busy={list.isFetching}>
              <ContactsTable
                contacts={contacts}
                isSelected={isSelected}
                onToggle={toggle}
                allShownSelected={allShownSelected}
                someShownSelected={contacts.some((contact) => isSelected(contact.id))}
                onToggleShown={toggleShown}
                hasMore={hasNextPage}
                loadingMore={isFetchingNextPage}
                onLoadMore={loadMore}
              />
            </div>
          )}
        </div>
      </div>
      {contactId && <ContactDrawer contactId={contactId} mode="overlay" onClose={() => navigate({ pathname: '/contacts', search: params.toString() })} />}
      {dialog === 'import' && <ImportDialog onClose={() => setDialog(null)} />}
      {dialog === 'deleteAll' && <DeleteAllDialog onClose={() => setDialog(null)} />}
      {dialog === 'saveSegment' && <SaveSegmentDialog filter={filter} onClose={() => setDialog(null)} />}
    </section>
  );
}
