import { Link } from 'react-router-dom';
import { showToast } from '../blocking/toasts.js';
import { formatDateTime } from '../contacts/contact-format.js';
import { useCustomFields } from '../contacts/contacts.queries.js';
import { useI18n } from '../i18n/i18n.js';
import { EmptyState } from '../ui/EmptyState.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { useUsers } from '../workspace/workspace.queries.js';
import { type MergeItem, useMergeHistory, useUndoMerge } from './merging.queries.js';
import './merging.css';

/**
 * The merge history of the Contacts module (SPEC §2.5, owners and managers): who merged which
 * contacts when, what was chosen, and Undo, or what stops it.
 */
export function MergeHistoryPage() {
  const i18n = useI18n();
  const { t } = i18n;
  const history = useMergeHistory();
  const items = history.data?.pages.flatMap((page) => page.items) ?? [];
  return (
    <section className="page merge-history-page">
      <header className="contacts-header">
        <h1>{t('merging.history.title')}</h1>
        <Link to="/contacts" className="button">
          {t('merging.history.back')}
        </Link>
      </header>
      <p className="muted">{t('merging.history.intro')}</p>
      <FormAlert>{history.error ? errorMessage(history.error, i18n) : undefined}</FormAlert>
      {history.isSuccess && items.length === 0 ? (
        <EmptyState title={t('merging.history.empty.title')}>
          <p>{t('merging.history.empty.body')}</p>
        </EmptyState>
      ) : (
        <div className="card">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">{t('merging.history.when')}</th>
                <th scope="col">{t('merging.history.who')}</th>
                <th scope="col">{t('merging.history.contacts')}</th>
                <th scope="col">{t('merging.history.chosen')}</th>
                <th scope="col">{t('merging.history.status')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <HistoryRow key={item.id} item={item} />
              ))}
            </tbody>
          </table>
          {history.hasNextPage && (
            <button type="button" className="button" disabled={history.isFetchingNextPage} onClick={() => void history.fetchNextPage()}>
              {t('merging.history.loadMore')}
            </button>
          )}
        </div>
      )}
    </section>
  );
}

function HistoryRow({ item }: { item: MergeItem }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const users = useUsers();
  const fields = useCustomFields();
  const undo = useUndoMerge();
  const userName = (id: string | null) => users.data?.find((user) => user.id === id)?.name ?? t('merging.history.unknownUser');
  const primaryName = item.primary.name ?? t('merging.history.deletedContact');
  const secondaryName = item.secondary.name ?? t('merging.history.deletedContact');
  const fieldLabel = (field: string) => {
    if (field.startsWith('customFields.')) {
      const key = field.slice('customFields.'.length);
      return fields.data?.find((f) => f.key === key)?.label ?? key;
    }
    return t(field === 'assigneeId' ? 'contacts.field.assignee' : (`contacts.field.${field}` as 'contacts.field.email'));
  };
  const chosen = Object.entries(item.fields);

  return (
    <tr>
      <td>{formatDateTime(item.mergedAt, language)}</td>
      <td>{userName(item.mergedBy)}</td>
      <td>
        {item.primary.exists ? <Link to={`/contacts/${item.primary.id}`}>{t('merging.history.kept', { name: primaryName })}</Link> : t('merging.history.kept', { name: primaryName })}
        <br />
        <span className="muted">{t('merging.history.mergedAway', { name: secondaryName })}</span>
      </td>
      <td>
        {chosen.length === 0
          ? <span className="muted">{t('merging.history.nothingChosen')}</span>
          : chosen.map(([field, side]) => (
              <div key={field}>
                {fieldLabel(field)}: {t(side === 'primary' ? 'merging.history.fromPrimary' : 'merging.history.fromSecondary')}
              </div>
            ))}
      </td>
      <td>
        {item.undoneAt ? (
          <span className="muted">{t('merging.history.undoneAt', { when: formatDateTime(item.undoneAt, language) })} · {userName(item.undoneBy)}</span>
        ) : item.undoBlocker ? (
          <button type="button" className="button button--small" disabled aria-describedby={`${item.id}-blocker`}>
            {t('merging.history.undo')}
          </button>
        ) : (
          <button
            type="button"
            className="button button--small"
            aria-label={t('merging.history.undoOf', { name: secondaryName })}
            disabled={undo.isPending}
            onClick={() => undo.mutate(item.id, { onSuccess: () => showToast(t('merging.notice.undone')) })}
          >
            {t('merging.history.undo')}
          </button>
        )}
        {!item.undoneAt && item.undoBlocker && (
          <p id={`${item.id}-blocker`} className="muted merge-blocker">
            {t(`merging.blocker.${item.undoBlocker}`)}
          </p>
        )}
        <FormAlert>{undo.error ? errorMessage(undo.error, i18n) : undefined}</FormAlert>
      </td>
    </tr>
  );
}
