import { useState } from 'react';
import { Link } from 'react-router-dom';
import { useCountText } from '../contacts/contact-format.js';
import { useI18n } from '../i18n/i18n.js';
import { may } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { MergeDialog } from './MergeDialog.js';
import { summaryName, useDuplicateGroups } from './merging.queries.js';
import './merging.css';

/**
 * The Dashboard's duplicate contacts (SPEC §2.5): every group of contacts sharing a phone number
 * or an email, largest first, with its count. For the roles of the Contacts module.
 */
export function DuplicateGroups() {
  const { user } = useSession();
  if (!may(user.role, 'contacts.module')) return null;
  return <Groups />;
}

function Groups() {
  const i18n = useI18n();
  const { t } = i18n;
  const counted = useCountText();
  const groups = useDuplicateGroups(true);
  const [merging, setMerging] = useState<[string, string]>();
  const items = groups.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="card dashboard-card dashboard-card--wide duplicate-groups" aria-labelledby="duplicate-groups">
      <h2 id="duplicate-groups">{t('merging.groups.title')}</h2>
      <FormAlert>{groups.error ? errorMessage(groups.error, i18n) : undefined}</FormAlert>
      {groups.isSuccess && items.length === 0 && <p className="muted">{t('merging.groups.empty')}</p>}
      <ul className="duplicate-group-list">
        {items.map((group) => {
          const reason = group.reasons[0]!;
          return (
            <li key={`${reason.field}:${reason.value}`} className="duplicate-group" aria-label={reason.value}>
              <span className="duplicate-group-value">
                {t(`contacts.field.${reason.field}`)}: {reason.value}
              </span>
              <span className="badge">{counted('merging.groups.count', group.size)}</span>
              <ul className="duplicate-group-members">
                {group.contacts.map((contact) => (
                  <li key={contact.id}>
                    <Link to={`/contacts/${contact.id}`}>{summaryName(contact) ?? t('contacts.unnamed')}</Link>
                  </li>
                ))}
              </ul>
              {group.contactIds.length === 2 && (
                <button type="button" className="button button--small" aria-label={t('merging.groups.reviewOf', { value: reason.value })} onClick={() => setMerging([group.contactIds[0]!, group.contactIds[1]!])}>
                  {t('merging.groups.review')}
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {groups.hasNextPage && (
        <button type="button" className="button" disabled={groups.isFetchingNextPage} onClick={() => void groups.fetchNextPage()}>
          {t('merging.groups.loadMore')}
        </button>
      )}
      {merging && <MergeDialog contactId={merging[0]} otherId={merging[1]} onClose={() => setMerging(undefined)} />}
    </section>
  );
}
