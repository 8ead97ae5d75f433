import { useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { TextField } from '../ui/forms.js';
import { BulkJobDialog } from './BulkJobDialog.js';
import { useCountText } from './contact-format.js';
import { startBulkJob, useContactCount } from './contacts.queries.js';

/** The danger zone: every contact of the workspace, blocked ones included, once the count is typed. */
export function DeleteAllDialog({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const counted = useCountText();
  const unblocked = useContactCount({});
  const blocked = useContactCount({ blocked: 'true' });
  const [typed, setTyped] = useState('');
  const total = unblocked.data === undefined || blocked.data === undefined ? undefined : unblocked.data + blocked.data;

  return (
    <BulkJobDialog
      title={t('contacts.deleteAll.title')}
      confirmLabel={t('contacts.deleteAll.confirm')}
      danger
      canStart={total !== undefined && total > 0 && typed.trim() === String(total)}
      start={() => startBulkJob('delete', { all: true })}
      result={(job) => <p role="status" className="alert alert--success">{counted('contacts.delete.done', (job.result as { processed: number }).processed)}</p>}
      onClose={onClose}
    >
      {total === undefined ? (
        <p aria-busy="true">{t('contacts.deleteAll.counting')}</p>
      ) : (
        <>
          <p>{counted('contacts.deleteAll.body', total)}</p>
          <TextField label={t('contacts.deleteAll.typeCount', { count: total })} inputMode="numeric" autoComplete="off" value={typed} onChange={(event) => setTyped(event.target.value)} />
        </>
      )}
    </BulkJobDialog>
  );
}
