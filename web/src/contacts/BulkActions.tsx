import { useState } from 'react';
import { BulkBlockDialog } from '../blocking/BulkBlockDialog.js';
import { useI18n } from '../i18n/i18n.js';
import { useCountText } from './contact-format.js';
import { BulkJobDialog } from './BulkJobDialog.js';
import { type BulkSelection, type Job, startBulkJob } from './contacts.queries.js';
import { SelectedContacts } from './SelectedContacts.js';
import { TagPicker } from './TagPicker.js';

type Action = 'tag' | 'untag' | 'export' | 'delete' | 'block' | 'unblock';

type BulkResult = { processed: number };
type ExportResult = { rows: number; fileName: string; downloadUrl: string };

/**
 * The actions over the selected contacts (SPEC §2.4); each runs as a background job. Shown over
 * blocked contacts, they offer Unblock instead of Block.
 */
export function BulkActions(props: {
  count: number;
  selection: BulkSelection;
  /** The contacts chosen one by one, perhaps over several searches (absent for "all matching"). */
  chosen?: ReadonlyMap<string, string>;
  onDeselect: (id: string) => void;
  blocked: boolean;
  onClear: () => void;
}) {
  const { count, selection, onClear } = props;
  const { t } = useI18n();
  const counted = useCountText();
  const [action, setAction] = useState<Action | null>(null);
  // Deleting, blocking or unblocking takes the contacts out of the list shown.
  const [leftList, setLeftList] = useState(false);
  const close = () => setAction(null);

  return (
    <div className="bulk-bar" role="region" aria-label={t('contacts.bulk.label')}>
      <strong>{counted('contacts.bulk.selected', count)}</strong>
      {props.chosen && <SelectedContacts chosen={props.chosen} onDeselect={props.onDeselect} />}
      <button type="button" className="button button--small" onClick={() => setAction('tag')}>
        {t('contacts.bulk.tag')}
      </button>
      <button type="button" className="button button--small" onClick={() => setAction('untag')}>
        {t('contacts.bulk.untag')}
      </button>
      <button type="button" className="button button--small" onClick={() => setAction('export')}>
        {t('contacts.bulk.export')}
      </button>
      {props.blocked ? (
        <button type="button" className="button button--small" onClick={() => setAction('unblock')}>
          {t('blocking.unblock')}
        </button>
      ) : (
        <button type="button" className="button button--small button--danger-text" onClick={() => setAction('block')}>
          {t('blocking.block')}
        </button>
      )}
      <button type="button" className="button button--small button--danger-text" onClick={() => setAction('delete')}>
        {t('action.delete')}
      </button>
      <button type="button" className="button button--small bulk-clear" onClick={onClear}>
        {t('contacts.select.clear')}
      </button>
      {(action === 'tag' || action === 'untag') && <TagsDialog action={action} count={count} selection={selection} onClose={close} />}
      {(action === 'block' || action === 'unblock') && (
        <BulkBlockDialog
          block={action === 'block'}
          count={count}
          selection={selection}
          onFinished={() => setLeftList(true)}
          onClose={() => {
            close();
            if (leftList) onClear();
          }}
        />
      )}
      {action === 'export' && (
        <BulkJobDialog
          title={counted('contacts.export.title', count)}
          confirmLabel={t('contacts.export.start')}
          start={() => startBulkJob('export', selection)}
          result={(job) => <ExportDone job={job} />}
          onClose={close}
        >
          <p>{t('contacts.export.body')}</p>
        </BulkJobDialog>
      )}
      {action === 'delete' && (
        <BulkJobDialog
          title={counted('contacts.delete.title', count)}
          confirmLabel={counted('contacts.delete.confirm', count)}
          danger
          start={() => startBulkJob('delete', selection)}
          result={(job) => (
            <p role="status" className="alert alert--success">
              {counted('contacts.delete.done', (job.result as BulkResult).processed)}
            </p>
          )}
          onFinished={() => setLeftList(true)}
          // The deleted contacts leave the selection once the dialog closes (clearing it sooner would unmount the dialog).
          onClose={() => {
            close();
            if (leftList) onClear();
          }}
        >
          <p>{t('contacts.delete.body')}</p>
        </BulkJobDialog>
      )}
    </div>
  );
}

function TagsDialog({ action, count, selection, onClose }: { action: 'tag' | 'untag'; count: number; selection: BulkSelection; onClose: () => void }) {
  const { t } = useI18n();
  const counted = useCountText();
  const [tags, setTags] = useState<string[]>([]);
  return (
    <BulkJobDialog
      title={counted(action === 'tag' ? 'contacts.bulkTags.addTitle' : 'contacts.bulkTags.removeTitle', count)}
      confirmLabel={t(action === 'tag' ? 'contacts.bulkTags.add' : 'contacts.bulkTags.remove')}
      canStart={tags.length > 0}
      start={() => startBulkJob(action, selection, tags)}
      result={(job) => (
        <p role="status" className="alert alert--success">
          {counted(action === 'tag' ? 'contacts.bulkTags.added' : 'contacts.bulkTags.removed', (job.result as BulkResult).processed, {
            tags: tags.join(', '),
          })}
        </p>
      )}
      onClose={onClose}
    >
      <TagPicker
        label={t('contacts.bulkTags.tags')}
        allowCreate={action === 'tag'}
        exclude={tags}
        onPick={(name) => setTags([...tags, name])}
      />
      {tags.length > 0 && (
        <ul className="chips" aria-label={t('contacts.bulkTags.chosen')}>
          {tags.map((tag) => (
            <li key={tag} className="chip tag-chip">
              {tag}
              <button
                type="button"
                className="chip-remove"
                aria-label={t('contacts.tags.removeOne', { name: tag })}
                onClick={() => setTags(tags.filter((other) => other !== tag))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </BulkJobDialog>
  );
}

function ExportDone({ job }: { job: Job }) {
  const { t } = useI18n();
  const counted = useCountText();
  const result = job.result as ExportResult;
  return (
    <p role="status" className="alert alert--success export-done">
      {counted('contacts.export.done', result.rows)}{' '}
      <a href={result.downloadUrl} download={result.fileName}>
        {t('contacts.export.download', { file: result.fileName })}
      </a>
    </p>
  );
}
