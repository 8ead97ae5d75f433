import { useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useEffect, useRef } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { FormAlert } from '../ui/forms.js';
import { isFinished, type Job, useJob } from './contacts.queries.js';

/**
 * Follows a background job over contacts: a progress bar while it runs, then what it did. When
 * it ends, lists and tag counts are refetched, since the job changed them.
 */
export function JobProgress(props: { jobId: string; label: string; onFinished?: (job: Job) => void; children: (job: Job) => ReactNode }) {
  const { t, language } = useI18n();
  const queryClient = useQueryClient();
  const job = useJob(props.jobId).data;
  const reported = useRef(false);
  const { onFinished } = props;

  useEffect(() => {
    if (!job || !isFinished(job) || reported.current) return;
    reported.current = true;
    void queryClient.invalidateQueries({ queryKey: ['contacts'] });
    void queryClient.invalidateQueries({ queryKey: ['tags'] });
    onFinished?.(job);
  }, [job, onFinished, queryClient]);

  const total = job?.total ?? null;
  const count = (value: number) => value.toLocaleString(language);
  const status =
    !job || total === null
      ? t('contacts.job.waiting')
      : job.status === 'done'
        ? t('contacts.job.done')
        : t('contacts.job.progress', { done: count(job.progress), total: count(total) });

  return (
    <div className="job">
      <progress
        className="job-bar"
        aria-label={props.label}
        value={total === null ? undefined : job?.status === 'done' ? total || 1 : job?.progress}
        max={total || 1}
      />
      <p className="job-status" aria-live="polite">
        {status}
      </p>
      {job?.status === 'failed' && <FormAlert>{t('contacts.job.failed', { reason: job.error ?? '' })}</FormAlert>}
      {job?.status === 'done' && props.children(job)}
    </div>
  );
}
