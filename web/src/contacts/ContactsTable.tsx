import { useEffect, useRef } from 'react';
import { Link, useLocation } from 'react-router-dom';
import { QuarantinedBadge } from '../blocking/QuarantinedBadge.js';
import { UnblockContactButton } from '../blocking/UnblockContactButton.js';
import { useI18n } from '../i18n/i18n.js';
import { Avatar } from '../ui/Avatar.js';
import { useUsers } from '../workspace/workspace.queries.js';
import { channelTypeName, formatDateTime, formatWhen } from './contact-format.js';
import { type Contact, contactName } from './contacts.queries.js';

const TAGS_SHOWN = 3;

/**
 * The contact rows with a checkbox each. `selected` tells whether a row is in the selection;
 * loading the next page starts when the end of the list scrolls into view.
 */
export function ContactsTable(props: {
  contacts: Contact[];
  isSelected: (id: string) => boolean;
  onToggle: (id: string) => void;
  allShownSelected: boolean;
  someShownSelected: boolean;
  onToggleShown: () => void;
  hasMore: boolean;
  loadingMore: boolean;
  onLoadMore: () => void;
}) {
  const { t, language } = useI18n();
  const users = useUsers();
  const location = useLocation();
  const selectShown = useRef<HTMLInputElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const { hasMore, loadingMore, onLoadMore } = props;

  useEffect(() => {
    if (selectShown.current) selectShown.current.indeterminate = props.someShownSelected && !props.allShownSelected;
  }, [props.someShownSelected, props.allShownSelected]);

  useEffect(() => {
    const sentinel = end.current;
    if (!sentinel || !hasMore) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting) && !loadingMore) onLoadMore();
    });
    observer.observe(sentinel);
    return () => observer.disconnect();
  }, [hasMore, loadingMore, onLoadMore]);

  const assigneeName = (id: string | null) => (id ? (users.data?.find((user) => user.id === id)?.name ?? '') : '');

  return (
    <>
      <table className="table contacts-table">
        <thead>
          <tr>
            <th scope="col" className="select-cell">
              <input
                ref={selectShown}
                type="checkbox"
                aria-label={t('contacts.select.shown')}
                title={t('contacts.select.shown')}
                checked={props.allShownSelected}
                disabled={props.contacts.length === 0}
                onChange={props.onToggleShown}
              />
            </th>
            <th scope="col">{t('contacts.column.name')}</th>
            <th scope="col">{t('contacts.column.channels')}</th>
            <th scope="col">{t('contacts.column.tags')}</th>
            <th scope="col">{t('contacts.column.assignee')}</th>
            <th scope="col">{t('contacts.column.lastInteraction')}</th>
          </tr>
        </thead>
        <tbody>
          {props.contacts.map((contact) => {
            const name = contactName(contact) ?? t('contacts.unnamed');
            const hidden = contact.tags.length - TAGS_SHOWN;
            return (
              <tr key={contact.id} aria-selected={props.isSelected(contact.id)}>
                <td className="select-cell">
                  <input type="checkbox" aria-label={t('contacts.select.one', { name })} checked={props.isSelected(contact.id)} onChange={() => props.onToggle(contact.id)} />
                </td>
                <td>
                  <Link className="contact-link" to={{ pathname: `/contacts/${contact.id}`, search: location.search }}>
                    <Avatar name={name} />
                    <span className="contact-link-name">{name}</span>
                  </Link>
                  {contact.blocked && (
                    <span className="blocked-cell">
                      <span className="badge badge--blocked">{t('contacts.blocked')}</span>
                      <UnblockContactButton contactId={contact.id} name={name} label={t('blocking.unblockName', { name })} />
                    </span>
                  )}
                  {contact.quarantined && (
                    <span className="blocked-cell">
                      <QuarantinedBadge />
                    </span>
                  )}
                </td>
                <td>
                  <span className="channel-types">
                    {contact.channels.map((type) => (
                      <span key={type} className="badge">
                        {channelTypeName(type, t)}
                      </span>
                    ))}
                  </span>
                </td>
                <td>
                  <ul className="tag-list" aria-label={t('contacts.tagsOf', { name })}>
                    {contact.tags.slice(0, TAGS_SHOWN).map((tag) => (
                      <li key={tag} className="tag">
                        {tag}
                      </li>
                    ))}
                    {hidden > 0 && (
                      <li className="tag tag--more" title={contact.tags.slice(TAGS_SHOWN).join(', ')}>
                        {t('contacts.moreTags', { count: hidden })}
                      </li>
                    )}
                  </ul>
                </td>
                <td>{assigneeName(contact.assigneeId)}</td>
                <td className="when-cell">
                  {contact.lastInteractionAt && (
                    <time dateTime={contact.lastInteractionAt} title={formatDateTime(contact.lastInteractionAt, language)}>
                      {formatWhen(contact.lastInteractionAt, language)}
                    </time>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <div ref={end} className="list-end">
        {hasMore && (
          <button type="button" className="button" disabled={loadingMore} onClick={onLoadMore}>
            {loadingMore ? t('contacts.loadingMore') : t('contacts.loadMore')}
          </button>
        )}
      </div>
    </>
  );
}
