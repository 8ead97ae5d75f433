import { type ClipboardEvent, type DragEvent, type KeyboardEvent, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { SegmentedMessage } from 'sms-segments-calculator';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { errorMessage } from '../ui/errors.js';
import { type User, useUsers } from '../workspace/workspace.queries.js';
import { formatBytes, useUploads } from './attachments.js';
import { code, type Edit, findTrigger, link, list, replace, type TextRange, wrap } from './composer-editing.js';
import { BulletListIcon, LinkIcon, NumberedListIcon, PaperclipIcon } from './icons.js';
import { type Conversation, type SavedReply, useSavedReplySearch, useSendMessage } from './inbox.queries.js';
import { announceTyping } from './ContactTyping.js';
import { useReplyWindow } from './ReplyWindow.js';

type Mode = 'reply' | 'comment';

type Suggestion = { key: string; label: string; detail?: string; insert: string };

const fold = (value: string) => value.normalize('NFD').replace(/\p{Diacritic}/gu, '').toLowerCase();

function userSuggestions(users: User[], query: string): Suggestion[] {
  return users
    .filter((user) => fold(user.name).includes(fold(query)))
    .slice(0, 8)
    .map((user) => ({ key: user.id, label: user.name, detail: user.email, insert: `@${user.name} ` }));
}

const replySuggestions = (replies: SavedReply[]): Suggestion[] =>
  replies.map((reply) => ({ key: reply.id, label: `/${reply.shortcut}`, detail: reply.text, insert: reply.text }));

/**
 * Reply to the contact or comment for colleagues (SPEC §3.3): markdown-ish formatting, `@` to
 * mention in comments, `/` for saved replies, attachments up to 10 MB each. Enter sends.
 */
export function Composer({ conversation }: { conversation: Conversation }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const users = useUsers();
  const send = useSendMessage(conversation.id);
  const sendTemplate = useSendMessage(conversation.id);
  const replyWindow = useReplyWindow(conversation, (channelId, template) =>
    sendTemplate.mutateAsync({ type: 'reply', text: '', attachmentIds: [], mentions: [], channelId, template }),
  );
  const [chosenMode, setMode] = useState<Mode>('reply');
  // Nothing reaches a blocked contact (SPEC §2.6); colleagues may still comment, say on why it was blocked.
  const mode: Mode = conversation.blocked ? 'comment' : chosenMode;
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number>();
  const [highlight, setHighlight] = useState(0);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const nextSelection = useRef<TextRange>(undefined);
  const listId = useId();

  const found = findTrigger(text, caret, mode === 'comment');
  const trigger = found && found.range.start !== dismissedAt ? found : undefined;
  const savedReplies = useSavedReplySearch(trigger?.char === '/' ? trigger.query : undefined);
  const suggestions = !trigger
    ? []
    : trigger.char === '@'
      ? userSuggestions(users.data ?? [], trigger.query)
      : replySuggestions(savedReplies.data ?? []);
  const active = suggestions[Math.min(highlight, suggestions.length - 1)];

  // Put the caret where an edit left it, once React has rendered the new text.
  useLayoutEffect(() => {
    const selection = nextSelection.current;
    if (!selection || !textarea.current) return;
    nextSelection.current = undefined;
    textarea.current.focus();
    textarea.current.setSelectionRange(selection.start, selection.end);
  }, [text]);

  function apply({ text: next, selection }: Edit) {
    nextSelection.current = selection;
    setText(next);
    setCaret(selection.end);
  }

  function selection(): TextRange {
    return { start: textarea.current!.selectionStart, end: textarea.current!.selectionEnd };
  }

  function pick(suggestion: Suggestion) {
    if (!trigger) return;
    apply(replace(text, trigger.range, suggestion.insert));
    setHighlight(0);
  }

  const uploads = useUploads();
  const hasContent = text.trim() !== '' || (mode === 'reply' && uploads.attachmentIds.length > 0);
  const canSend = hasContent && !uploads.busy && !send.isPending && (mode === 'comment' || replyWindow.freeText);

  function submit() {
    if (!canSend) return;
    const mentions = mode === 'comment' ? (users.data ?? []).filter((user) => text.includes(`@${user.name}`)).map((user) => user.id) : [];
    send.mutate(
      { type: mode, text, attachmentIds: uploads.attachmentIds, mentions, ...(mode === 'reply' ? replyWindow.sendOptions : {}) },
      {
        onSuccess: () => {
          setText('');
          uploads.clear();
        },
      },
    );
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.nativeEvent.isComposing) return;
    if (trigger && suggestions.length > 0) {
      const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1 };
      if (event.key in moves) {
        event.preventDefault();
        setHighlight((current) => (current + moves[event.key]! + suggestions.length) % suggestions.length);
        return;
      }
      if ((event.key === 'Enter' || event.key === 'Tab') && active) {
        event.preventDefault();
        pick(active);
        return;
      }
    }
    // "/" that finds no saved reply is a search, not a message: Enter sends nothing (Escape writes it as text).
    if (trigger?.char === '/' && suggestions.length === 0 && event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      return;
    }
    if (trigger && event.key === 'Escape') {
      event.preventDefault();
      setDismissedAt(trigger.range.start);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit();
    } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'b') {
      event.preventDefault();
      apply(wrap(text, selection(), '**'));
    } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'i') {
      event.preventDefault();
      apply(wrap(text, selection(), '_'));
    }
  }

  const formats = [
    { label: t('inbox.format.bold'), mark: <strong>B</strong>, edit: () => wrap(text, selection(), '**') },
    { label: t('inbox.format.italic'), mark: <em>I</em>, edit: () => wrap(text, selection(), '_') },
    { label: t('inbox.format.code'), mark: <code>{'</>'}</code>, edit: () => code(text, selection()) },
    { label: t('inbox.format.bulletList'), mark: <BulletListIcon />, edit: () => list(text, selection(), false) },
    { label: t('inbox.format.numberedList'), mark: <NumberedListIcon />, edit: () => list(text, selection(), true) },
    { label: t('inbox.format.link'), mark: <LinkIcon />, edit: () => link(text, selection(), t('inbox.format.linkText')) },
  ];

  return (
    <div
      className={`composer composer--${mode}`}
      onDragOver={(event) => event.preventDefault()}
      onDrop={(event: DragEvent) => {
        event.preventDefault();
        uploads.add([...event.dataTransfer.files]);
      }}
    >
      <div className="composer-bar">
        <div className="composer-modes" role="group" aria-label={t('inbox.composer.mode')}>
          {(['reply', 'comment'] as const).map((each) => (
            <button
              key={each}
              type="button"
              className="composer-mode"
              data-shortcut={each === 'reply' ? 'r' : 'c'}
              aria-pressed={mode === each}
              disabled={each === 'reply' && conversation.blocked}
              onClick={() => setMode(each)}
            >
              {t(each === 'reply' ? 'inbox.composer.reply' : 'inbox.composer.comment')}
            </button>
          ))}
        </div>
        <div className="composer-tools" role="toolbar" aria-label={t('inbox.format.toolbar')}>
          {formats.map((format) => (
            <button key={format.label} type="button" className="composer-tool" aria-label={format.label} title={format.label} onMouseDown={(event) => event.preventDefault()} onClick={() => apply(format.edit())}>
              <span aria-hidden="true">{format.mark}</span>
            </button>
          ))}
          <button type="button" className="composer-tool" aria-label={t('inbox.attach')} title={t('inbox.attach')} onClick={() => fileInput.current?.click()}>
            <PaperclipIcon />
          </button>
          <input
            ref={fileInput}
            type="file"
            multiple
            hidden
            onChange={(event) => {
              uploads.add([...(event.target.files ?? [])]);
              event.target.value = '';
            }}
          />
        </div>
      </div>

      {trigger && (suggestions.length > 0 || trigger.char === '/') && (
        <ul id={listId} role="listbox" className="suggestions" aria-label={t(trigger.char === '@' ? 'inbox.mention.title' : 'inbox.savedReplies.title')}>
          {suggestions.map((suggestion) => (
            <li
              key={suggestion.key}
              id={`${listId}-${suggestion.key}`}
              role="option"
              aria-selected={suggestion === active}
              className="suggestion"
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => pick(suggestion)}
            >
              <span className="suggestion-label">{suggestion.label}</span>
              {suggestion.detail && <span className="suggestion-detail">{suggestion.detail}</span>}
            </li>
          ))}
          {suggestions.length === 0 && savedReplies.isSuccess && (
            <li className="suggestion suggestion--empty" role="presentation">
              {t('inbox.savedReplies.none')}
            </li>
          )}
        </ul>
      )}

      {mode === 'reply' && replyWindow.panel}

      <textarea
        ref={textarea}
        className="composer-input"
        rows={3}
        value={text}
        disabled={mode === 'reply' && !replyWindow.freeText}
        aria-label={t(mode === 'reply' ? 'inbox.composer.replyLabel' : 'inbox.composer.commentLabel')}
        placeholder={t(mode === 'reply' ? 'inbox.composer.replyPlaceholder' : 'inbox.composer.commentPlaceholder')}
        aria-controls={trigger ? listId : undefined}
        aria-activedescendant={trigger && active ? `${listId}-${active.key}` : undefined}
        onChange={(event) => {
          setText(event.target.value);
          setCaret(event.target.selectionEnd);
          setHighlight(0);
          if (mode === 'reply' && conversation.channel?.type === 'webchat') announceTyping(conversation.id, (path) => api.post(path));
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionEnd)}
        onKeyDown={onKeyDown}
        onPaste={(event: ClipboardEvent) => {
          if (event.clipboardData.files.length === 0) return;
          event.preventDefault();
          uploads.add([...event.clipboardData.files]);
        }}
      />

      {mode === 'reply' && replyWindow.channelType === 'sms' && text !== '' && <SmsSegments text={text} />}

      {uploads.list.length > 0 && (
        <ul className="uploads">
          {uploads.list.map((upload) => (
            <li key={upload.key} className={`upload${upload.error ? ' upload--failed' : ''}`}>
              <span className="upload-name">{upload.file.name}</span>
              <span className="muted">{formatBytes(upload.file.size, language)}</span>
              {!upload.attachment && !upload.error && (
                <progress max={1} value={upload.progress} aria-label={t('inbox.upload.progress', { name: upload.file.name })} />
              )}
              {upload.error && <span className="upload-error">{upload.error}</span>}
              <button type="button" className="chip-remove" aria-label={t('inbox.upload.remove', { name: upload.file.name })} onClick={() => uploads.remove(upload)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {uploads.refused.map((file, index) => (
        <p key={index} role="alert" className="alert alert--error">
          {t('inbox.upload.tooLarge', { name: file.name, size: formatBytes(file.size, language) })}
        </p>
      ))}
      {send.error && (
        <p role="alert" className="alert alert--error">
          {errorMessage(send.error, i18n)}
        </p>
      )}

      <div className="composer-footer">
        <p className="composer-hint muted">
          {conversation.status === 'closed' && mode === 'reply' ? t('inbox.composer.reopens') : t(mode === 'reply' ? 'inbox.composer.hint' : 'inbox.composer.commentHint')}
        </p>
        <button type="button" className="button button--primary" disabled={!canSend} onClick={submit}>
          {t(mode === 'reply' ? 'inbox.composer.send' : 'inbox.composer.addComment')}
        </button>
      </div>
    </div>
  );
}

/** What a text costs by SMS: carriers bill per segment (160 GSM-7 characters, 70 with any other character, less when split). */
function SmsSegments({ text }: { text: string }) {
  const { t } = useI18n();
  const message = useMemo(() => new SegmentedMessage(text, 'auto'), [text]);
  return (
    <p className="composer-segments muted" aria-live="polite">
      {t('window.smsSegments', { characters: message.numberOfCharacters, count: message.segmentsCount })}
    </p>
  );
}
