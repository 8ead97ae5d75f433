import { type ClipboardEvent, type DragEvent, type KeyboardEvent, useId, useLayoutEffect, useRef, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { errorMessage } from '../ui/errors.js';
import { type User, useUsers } from '../workspace/workspace.queries.js';
import { MAX_ATTACHMENT_BYTES, formatBytes, uploadAttachment } from './attachments.js';
import { BulletListIcon, LinkIcon, NumberedListIcon, PaperclipIcon } from './icons.js';
import { type Attachment, type Conversation, type SavedReply, useSavedReplySearch, useSendMessage } from './inbox.queries.js';

type Mode = 'reply' | 'comment';

type Upload = { key: number; file: File; progress: number; attachment?: Attachment; error?: string; controller: AbortController };

/** The word being typed at the caret when it starts with `@` (comments) or `/`. */
type Trigger = { char: '@' | '/'; query: string; start: number; end: number };

type Suggestion = { key: string; label: string; detail?: string; insert: string };

function findTrigger(text: string, caret: number, mode: Mode): Trigger | undefined {
  const match = /(?:^|\s)([@/])([^\s@/]*)$/.exec(text.slice(0, caret));
  if (!match) return undefined;
  const char = match[1] as '@' | '/';
  if (char === '@' && mode !== 'comment') return undefined;
  const query = match[2]!;
  return { char, query, start: caret - query.length - 1, end: caret };
}

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
  const [mode, setMode] = useState<Mode>('reply');
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [dismissedAt, setDismissedAt] = useState<number>();
  const [highlight, setHighlight] = useState(0);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [refused, setRefused] = useState<File[]>([]);
  const textarea = useRef<HTMLTextAreaElement>(null);
  const fileInput = useRef<HTMLInputElement>(null);
  const nextSelection = useRef<[number, number]>(undefined);
  const uploadCount = useRef(0);
  const listId = useId();

  const found = findTrigger(text, caret, mode);
  const trigger = found && found.start !== dismissedAt ? found : undefined;
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
    textarea.current.setSelectionRange(...selection);
  }, [text]);

  function edit(next: string, selectionStart: number, selectionEnd = selectionStart) {
    nextSelection.current = [selectionStart, selectionEnd];
    setText(next);
    setCaret(selectionEnd);
  }

  function selection() {
    const element = textarea.current!;
    return { start: element.selectionStart, end: element.selectionEnd, selected: text.slice(element.selectionStart, element.selectionEnd) };
  }

  function wrap(before: string, after = before) {
    const { start, end, selected } = selection();
    edit(text.slice(0, start) + before + selected + after + text.slice(end), start + before.length, end + before.length);
  }

  function code() {
    if (selection().selected.includes('\n')) wrap('```\n', '\n```');
    else wrap('`');
  }

  function list(numbered: boolean) {
    const { start, end } = selection();
    const lineStart = text.lastIndexOf('\n', start - 1) + 1;
    const lineEnd = text.indexOf('\n', end) === -1 ? text.length : text.indexOf('\n', end);
    const lines = text.slice(lineStart, lineEnd).split('\n');
    const block = lines.map((line, index) => `${numbered ? `${index + 1}.` : '-'} ${line}`).join('\n');
    edit(text.slice(0, lineStart) + block + text.slice(lineEnd), lineStart + block.length);
  }

  function link() {
    const { start, end, selected } = selection();
    const opening = `${text.slice(0, start)}[${selected || t('inbox.format.linkText')}](`;
    const url = 'https://';
    edit(`${opening}${url})${text.slice(end)}`, opening.length, opening.length + url.length);
  }

  function pick(suggestion: Suggestion) {
    if (!trigger) return;
    const before = text.slice(0, trigger.start) + suggestion.insert;
    edit(before + text.slice(trigger.end), before.length);
    setHighlight(0);
  }

  function addFiles(files: File[]) {
    setRefused(files.filter((file) => file.size > MAX_ATTACHMENT_BYTES));
    for (const file of files.filter((each) => each.size <= MAX_ATTACHMENT_BYTES)) {
      const key = ++uploadCount.current;
      const controller = new AbortController();
      const update = (patch: Partial<Upload>) => setUploads((current) => current.map((each) => (each.key === key ? { ...each, ...patch } : each)));
      setUploads((current) => [...current, { key, file, progress: 0, controller }]);
      uploadAttachment(file, (progress) => update({ progress }), controller.signal).then(
        (attachment) => update({ attachment, progress: 1 }),
        (error: unknown) => {
          if (!(error instanceof DOMException && error.name === 'AbortError')) update({ error: errorMessage(error, i18n) });
        },
      );
    }
  }

  function removeUpload(upload: Upload) {
    upload.controller.abort();
    setUploads((current) => current.filter((each) => each.key !== upload.key));
  }

  const uploading = uploads.some((upload) => !upload.attachment && !upload.error);
  const attachmentIds = uploads.flatMap((upload) => (upload.attachment ? [upload.attachment.id] : []));
  const hasContent = text.trim() !== '' || (mode === 'reply' && attachmentIds.length > 0);
  const canSend = hasContent && !uploading && !send.isPending;

  function submit() {
    if (!canSend) return;
    const mentions = mode === 'comment' ? (users.data ?? []).filter((user) => text.includes(`@${user.name}`)).map((user) => user.id) : [];
    send.mutate(
      { type: mode, text, attachmentIds, mentions },
      {
        onSuccess: () => {
          setText('');
          setUploads([]);
          setRefused([]);
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
    if (trigger && event.key === 'Escape') {
      event.preventDefault();
      setDismissedAt(trigger.start);
      return;
    }
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      submit();
    } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'b') {
      event.preventDefault();
      wrap('**');
    } else if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'i') {
      event.preventDefault();
      wrap('_');
    }
  }

  if (conversation.blocked) {
    return <p className="composer composer--disabled muted">{t('inbox.composer.blocked')}</p>;
  }

  const formats = [
    { label: t('inbox.format.bold'), mark: <strong>B</strong>, run: () => wrap('**') },
    { label: t('inbox.format.italic'), mark: <em>I</em>, run: () => wrap('_') },
    { label: t('inbox.format.code'), mark: <code>{'</>'}</code>, run: code },
    { label: t('inbox.format.bulletList'), mark: <BulletListIcon />, run: () => list(false) },
    { label: t('inbox.format.numberedList'), mark: <NumberedListIcon />, run: () => list(true) },
    { label: t('inbox.format.link'), mark: <LinkIcon />, run: link },
  ];

  return (
    <div
      className={`composer composer--${mode}`}
      onDragOver={(event) => event.preventDefault()}
      onDrop={(event: DragEvent) => {
        event.preventDefault();
        addFiles([...event.dataTransfer.files]);
      }}
    >
      <div className="composer-bar">
        <div className="composer-modes" role="group" aria-label={t('inbox.composer.mode')}>
          {(['reply', 'comment'] as const).map((each) => (
            <button key={each} type="button" className="composer-mode" aria-pressed={mode === each} onClick={() => setMode(each)}>
              {t(each === 'reply' ? 'inbox.composer.reply' : 'inbox.composer.comment')}
            </button>
          ))}
        </div>
        <div className="composer-tools" role="toolbar" aria-label={t('inbox.format.toolbar')}>
          {formats.map((format) => (
            <button key={format.label} type="button" className="composer-tool" aria-label={format.label} title={format.label} onMouseDown={(event) => event.preventDefault()} onClick={format.run}>
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
              addFiles([...(event.target.files ?? [])]);
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

      <textarea
        ref={textarea}
        className="composer-input"
        rows={3}
        value={text}
        aria-label={t(mode === 'reply' ? 'inbox.composer.replyLabel' : 'inbox.composer.commentLabel')}
        placeholder={t(mode === 'reply' ? 'inbox.composer.replyPlaceholder' : 'inbox.composer.commentPlaceholder')}
        aria-controls={trigger ? listId : undefined}
        aria-activedescendant={trigger && active ? `${listId}-${active.key}` : undefined}
        onChange={(event) => {
          setText(event.target.value);
          setCaret(event.target.selectionEnd);
          setHighlight(0);
        }}
        onSelect={(event) => setCaret(event.currentTarget.selectionEnd)}
        onKeyDown={onKeyDown}
        onPaste={(event: ClipboardEvent) => {
          if (event.clipboardData.files.length === 0) return;
          event.preventDefault();
          addFiles([...event.clipboardData.files]);
        }}
      />

      {uploads.length > 0 && (
        <ul className="uploads">
          {uploads.map((upload) => (
            <li key={upload.key} className={`upload${upload.error ? ' upload--failed' : ''}`}>
              <span className="upload-name">{upload.file.name}</span>
              <span className="muted">{formatBytes(upload.file.size, language)}</span>
              {!upload.attachment && !upload.error && (
                <progress max={1} value={upload.progress} aria-label={t('inbox.upload.progress', { name: upload.file.name })} />
              )}
              {upload.error && <span className="upload-error">{upload.error}</span>}
              <button type="button" className="chip-remove" aria-label={t('inbox.upload.remove', { name: upload.file.name })} onClick={() => removeUpload(upload)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      {refused.map((file, index) => (
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
