/**
 * The Inbox's keyboard shortcuts (issue 19): what each key does, and when a key is typing rather
 * than a shortcut. Actions find their control by `data-shortcut`, so the component that owns a
 * control (the header's Close button, the composer's Reply mode) keeps it, and the key only presses it.
 */
export type Shortcut = { keys: string[]; action: ShortcutAction };
export type ShortcutAction = 'next' | 'previous' | 'open' | 'reply' | 'comment' | 'close' | 'snooze' | 'assign' | 'savedReplies' | 'help' | 'jump';

export const shortcuts: Shortcut[] = [
  { keys: ['j', '↓'], action: 'next' },
  { keys: ['k', '↑'], action: 'previous' },
  { keys: ['Enter'], action: 'open' },
  { keys: ['r'], action: 'reply' },
  { keys: ['c'], action: 'comment' },
  { keys: ['e'], action: 'close' },
  { keys: ['s'], action: 'snooze' },
  { keys: ['a'], action: 'assign' },
  { keys: ['/'], action: 'savedReplies' },
  { keys: ['?'], action: 'help' },
  { keys: ['Ctrl K', '⌘ K'], action: 'jump' },
];

const byKey: Record<string, ShortcutAction> = { j: 'next', k: 'previous', r: 'reply', c: 'comment', e: 'close', s: 'snooze', a: 'assign', '/': 'savedReplies', '?': 'help' };

/** A key pressed in a field, a menu or a dialog belongs to it. */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof Element)) return false;
  // Focus inside a popover means it is open (the user menu).
  if (target.closest('dialog[open], [popover]')) return true;
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

/** The action of a key pressed outside any field; undefined for keys that are not shortcuts. */
export function actionOf(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'target'>): ShortcutAction | undefined {
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'k') return 'jump';
  if (event.ctrlKey || event.metaKey || event.altKey || isTypingTarget(event.target)) return undefined;
  return byKey[event.key];
}
