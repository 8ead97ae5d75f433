import { useEffect, useId, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { type ContactFilter, type ContactSort, cleanFilter, type SortOrder } from './contact-filter.js';
import { FilterPanel } from './FilterPanel.js';

const sorts: Array<{ sort: ContactSort; order: SortOrder }> = [
  { sort: 'lastInteraction', order: 'desc' },
  { sort: 'lastInteraction', order: 'asc' },
  { sort: 'name', order: 'asc' },
  { sort: 'name', order: 'desc' },
  { sort: 'created', order: 'desc' },
  { sort: 'created', order: 'asc' },
];

/** Search, filters and sort of the contact list. */
export function ContactsToolbar(props: {
  filter: ContactFilter;
  onFilterChange: (filter: ContactFilter) => void;
  sort: ContactSort;
  order: SortOrder;
  onSortChange: (sort: ContactSort, order: SortOrder) => void;
}) {
  const { t } = useI18n();
  const [filtersOpen, setFiltersOpen] = useState(false);
  const panelId = useId();
  const { q: _q, ...narrowing } = cleanFilter(props.filter);
  const active = Object.keys(narrowing).length;

  return (
    <div className="contacts-toolbar">
      <div className="contacts-toolbar-row">
        <SearchBox value={props.filter.q ?? ''} onChange={(q) => props.onFilterChange({ ...props.filter, q })} />
        <button type="button" className="button" aria-expanded={filtersOpen} aria-controls={panelId} onClick={() => setFiltersOpen(!filtersOpen)}>
          {active ? t('contacts.filters.toggleActive', { count: active }) : t('contacts.filters.toggle')}
        </button>
        <label className="contacts-sort">
          <span>{t('contacts.sort.label')}</span>
          <select
            value={`${props.sort}:${props.order}`}
            onChange={(event) => {
              const [sort, order] = event.target.value.split(':') as [ContactSort, SortOrder];
              props.onSortChange(sort, order);
            }}
          >
            {sorts.map(({ sort, order }) => (
              <option key={`${sort}:${order}`} value={`${sort}:${order}`}>
                {t(`contacts.sort.${sort}.${order}`)}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div id={panelId} hidden={!filtersOpen}>
        {filtersOpen && <FilterPanel filter={props.filter} onChange={props.onFilterChange} />}
      </div>
    </div>
  );
}

const SEARCH_DELAY_MS = 300;

/** Searches as the user types, once typing pauses; Enter searches at once. */
function SearchBox({ value, onChange }: { value: string; onChange: (q: string) => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(value);
  const [shown, setShown] = useState(value);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  // Opening a segment or clearing the filters changes the query from outside the box.
  if (value !== shown) {
    setShown(value);
    setText(value);
  }

  useEffect(() => () => clearTimeout(timer.current), []);

  function commit(q: string) {
    clearTimeout(timer.current);
    setShown(q.trim());
    if (q.trim() !== value) onChange(q.trim());
  }

  return (
    <input
      type="search"
      className="contacts-search"
      aria-label={t('contacts.search.label')}
      placeholder={t('contacts.search.placeholder')}
      value={text}
      onChange={(event) => {
        const q = event.target.value;
        setText(q);
        clearTimeout(timer.current);
        timer.current = setTimeout(() => commit(q), SEARCH_DELAY_MS);
      }}
      onKeyDown={(event) => {
        if (event.key === 'Enter') commit(text);
      }}
    />
  );
}
