import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { Dialog } from '../ui/Dialog.js';
import { actionOf, type ShortcutAction, shortcuts } from './shortcuts.js';

const rows = () => [...document.querySelectorAll<HTMLAnchorElement>('.conversation-rows .conversation-row')];

/** Moves focus through the conversation list; from outside it, starts at the open conversation. */
function moveInList(step: 1 | -1) {
  const all = rows();
  if (all.length === 0) return;
  const focused = all.indexOf(document.activeElement as HTMLAnchorElement);
  const from = focused >= 0 ? focused : all.findIndex((row) => row.getAttribute('aria-current') === 'true');
  const next = from < 0 ? (step === 1 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, from + step));
  all[next]!.focus();
}

const control = (key: string) => document.querySelector<HTMLElement>(`[data-shortcut="${key}"]:not(:disabled)`);

export const focusComposer = () => document.querySelector<HTMLTextAreaElement>('.composer-input')?.focus();

/**
 * The Inbox's keys (shortcuts.ts): j/k and the arrows through the list, Enter opens (a link's
 * own Enter), r and c write a reply or a comment, e closes, s snoozes, a assigns, / searches the
 * saved replies, ? lists them all. Escape in the composer (or the assignee) goes back to the list.
 */
export function InboxShortcuts() {
  const [help, setHelp] = useState(false);

  useEffect(() => {
    function onKeyDown(event: KeyboardEvent) {
      if (event.defaultPrevented) return;
      const onRow = event.target instanceof Element && event.target.matches('.conversation-row');
      if (onRow && (event.key === 'ArrowDown' || event.key === 'ArrowUp')) {
        event.preventDefault();
        moveInList(event.key === 'ArrowDown' ? 1 : -1);
        return;
      }
      if (event.key === 'Escape' && event.target instanceof HTMLElement && event.target.matches('.composer-input, select[data-shortcut]')) {
        const row = rows().find((each) => each.getAttribute('aria-current') === 'true') ?? rows()[0];
        // Out of the composer either way, so the next key is a shortcut again.
        if (row) row.focus();
        else event.target.blur();
        return;
      }
      const action = actionOf(event);
      if (!action || action === 'jump') return;
      if (perform(action, () => setHelp(true))) event.preventDefault();
    }
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);

  return help ? <ShortcutsHelp onClose={() => setHelp(false)} /> : null;
}

/** Runs the action; answers whether the key was used (so it types nothing). */
function perform(action: ShortcutAction, showHelp: () => void): boolean {
  switch (action) {
    case 'next':
    case 'previous':
      moveInList(action === 'next' ? 1 : -1);
      return true;
    case 'reply':
    case 'comment': {
      const mode = control(action === 'reply' ? 'r' : 'c');
      if (!mode) return false;
      mode.click();
      focusComposer();
      return true;
    }
    case 'savedReplies':
      // Not prevented: the "/" lands in the composer, which then offers the saved replies.
      control('r')?.click();
      focusComposer();
      return false;
    case 'close':
    case 'snooze':
    case 'assign': {
      const target = control({ close: 'e', snooze: 's', assign: 'a' }[action]);
      if (!target) return false;
      if (target instanceof HTMLSelectElement) target.focus();
      else target.click();
      return true;
    }
    case 'help':
      showHelp();
      return true;
    default:
      return false;
  }
}

export function ShortcutsHelp({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  return (
    <Dialog title={t('shortcuts.title')} onClose={onClose}>
      <dl className="shortcut-list">
        {shortcuts.map((shortcut) => (
          <div key={shortcut.action} className="shortcut">
            <dt>
              {shortcut.keys.map((key, index) => (
                <span key={key}>
                  {index > 0 && ` ${t('shortcuts.or')} `}
                  <kbd>{key}</kbd>
                </span>
              ))}
            </dt>
            <dd>{t(`shortcuts.${shortcut.action}`)}</dd>
          </div>
        ))}
      </dl>
      <p className="muted">{t('shortcuts.typing')}</p>
      <div className="dialog-actions">
        <button type="button" className="button button--primary" onClick={onClose}>
          {t('action.close')}
        </button>
      </div>
    </Dialog>
  );
}
