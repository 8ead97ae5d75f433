import { BulkJobDialog } from '../contacts/BulkJobDialog.js';
import { useCountText } from '../contacts/contact-format.js';
import { type BulkSelection, type Job, startBulkJob } from '../contacts/contacts.queries.js';
import { useI18n } from '../i18n/i18n.js';

/** Blocks or unblocks the selected contacts as a background job, after confirming how many (SPEC §2.4, §2.6). */
export function BulkBlockDialog(props: { block: boolean; count: number; selection: BulkSelection; onFinished: () => void; onClose: () => void }) {
  const { t } = useI18n();
  const counted = useCountText();
  const { block, count } = props;
  return (
    <BulkJobDialog
      title={counted(block ? 'blocking.bulk.blockTitle' : 'blocking.bulk.unblockTitle', count)}
      confirmLabel={counted(block ? 'blocking.bulk.blockConfirm' : 'blocking.bulk.unblockConfirm', count)}
      danger={block}
      start={() => startBulkJob(block ? 'block' : 'unblock', props.selection)}
      result={(job: Job) => (
        <p role="status" className="alert alert--success">
          {counted(block ? 'blocking.bulk.blocked' : 'blocking.bulk.unblocked', (job.result as { processed: number }).processed)}
        </p>
      )}
      onFinished={props.onFinished}
      onClose={props.onClose}
    >
      <p>{t(block ? 'blocking.bulk.blockBody' : 'blocking.unblock.body')}</p>
    </BulkJobDialog>
  );
}
