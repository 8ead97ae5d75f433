import { useMutation } from '@tanstack/react-query';
import { useI18n } from '../i18n/i18n.js';
import { Dialog } from './Dialog.js';
import { errorMessage } from './errors.js';
import { FormAlert } from './forms.js';

/** Asks before a destructive action, runs it, and stays open to show why it was refused. */
export function ConfirmDialog(props: {
  title: string;
  message: string;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
  onClose: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const action = useMutation({ mutationFn: props.onConfirm, onSuccess: props.onClose });
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      <p>{props.message}</p>
      <FormAlert>{action.error ? errorMessage(action.error, i18n) : undefined}</FormAlert>
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onClose}>
          {t('action.cancel')}
        </button>
        <button type="button" className="button button--danger" disabled={action.isPending} onClick={() => action.mutate()}>
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}
