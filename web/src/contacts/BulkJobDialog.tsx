import { useMutation } from '@tanstack/react-query';
import type { FormEvent, ReactNode } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { Dialog } from '../ui/Dialog.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import type { Job } from './contacts.queries.js';
import { JobProgress } from './JobProgress.js';

/**
 * A bulk action in two steps: the dialog asks (its children are the question and any inputs),
 * then starts the background job and follows it to its result.
 */
export function BulkJobDialog(props: {
  title: string;
  confirmLabel: string;
  danger?: boolean;
  canStart?: boolean;
  start: () => Promise<Job>;
  result: (job: Job) => ReactNode;
  onFinished?: (job: Job) => void;
  onClose: () => void;
  children: ReactNode;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const start = useMutation({ mutationFn: props.start });
  const job = start.data;

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    start.mutate();
  }

  return (
    <Dialog title={props.title} onClose={props.onClose}>
      {job ? (
        <>
          <JobProgress jobId={job.id} label={props.title} onFinished={props.onFinished}>
            {props.result}
          </JobProgress>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={props.onClose}>
              {t('action.close')}
            </button>
          </div>
        </>
      ) : (
        <form onSubmit={submit} noValidate>
          {props.children}
          <FormAlert>{start.error ? errorMessage(start.error, i18n) : undefined}</FormAlert>
          <div className="dialog-actions">
            <button type="button" className="button" onClick={props.onClose}>
              {t('action.cancel')}
            </button>
            <button type="submit" className={`button ${props.danger ? 'button--danger' : 'button--primary'}`} disabled={props.canStart === false || start.isPending}>
              {props.confirmLabel}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
