import { useSyncExternalStore } from 'react';
import { showToast } from '../blocking/toasts.js';
import { useI18n } from '../i18n/i18n.js';
import { errorMessage } from '../ui/errors.js';
import { useUndoMerge } from './merging.queries.js';
import './merging.css';

/** Long enough to read it and change one's mind; the history keeps the undo for later. */
const SHOWN_FOR_MS = 30_000;

type Notice = { mergeId: string };

let current: Notice | null = null;
let timer: ReturnType<typeof setTimeout> | undefined;
const listeners = new Set<() => void>();

function set(next: Notice | null) {
  current = next;
  clearTimeout(timer);
  if (next) timer = setTimeout(() => set(null), SHOWN_FOR_MS);
  for (const listener of listeners) listener();
}

/**
 * "Merge successful", with Undo (SPEC §2.5). It outlives the dialog and the drawer that merged:
 * the merged-away contact's drawer closes under it.
 */
export function showMergeNotice(mergeId: string) {
  set({ mergeId });
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Where the notice appears; rendered once by the app's layout. */
export function MergeNoticeHost() {
  const notice = useSyncExternalStore(subscribe, () => current);
  return <div className="merge-notice-host">{notice && <MergeNotice key={notice.mergeId} mergeId={notice.mergeId} />}</div>;
}

function MergeNotice({ mergeId }: { mergeId: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const undo = useUndoMerge();
  return (
    <div className="merge-notice" role="status" aria-live="polite">
      <span>{t('merging.notice.merged')}</span>
      {undo.error && <span className="merge-notice-error">{errorMessage(undo.error, i18n)}</span>}
      <button
        type="button"
        className="button button--small"
        disabled={undo.isPending}
        onClick={() =>
          undo.mutate(mergeId, {
            onSuccess: () => {
              set(null);
              showToast(t('merging.notice.undone'));
            },
          })
        }
      >
        {t('merging.notice.undo')}
      </button>
      <button type="button" className="button button--icon merge-notice-close" aria-label={t('merging.notice.dismiss')} onClick={() => set(null)}>
        ×
      </button>
    </div>
  );
}
