import { useI18n } from '../i18n/i18n.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { useSetBlocked } from './blocking.queries.js';
import { showToast } from './toasts.js';

/**
 * Asks before blocking a contact (or unblocking a blocked one), does it, and reports success
 * (SPEC §2.6). A refusal stays in the dialog.
 */
export function BlockContactDialog(props: { contactId: string; name: string; block: boolean; onDone?: () => void; onClose: () => void }) {
  const { t } = useI18n();
  const setBlocked = useSetBlocked(props.contactId);
  const { name } = props;
  return (
    <ConfirmDialog
      title={t(props.block ? 'blocking.block.title' : 'blocking.unblock.title', { name })}
      message={t(props.block ? 'blocking.block.body' : 'blocking.unblock.body')}
      confirmLabel={t(props.block ? 'blocking.block.confirm' : 'blocking.unblock.confirm')}
      onConfirm={async () => {
        await setBlocked.mutateAsync(props.block);
        showToast(t(props.block ? 'blocking.block.done' : 'blocking.unblock.done', { name }));
        props.onDone?.();
      }}
      onClose={props.onClose}
    />
  );
}
