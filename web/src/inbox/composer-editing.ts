/**
 * The composer's text edits as pure functions of the text and its selection: each answers the new
 * text and where the selection goes, so the component only applies them.
 */
export type TextRange = { start: number; end: number };
export type Edit = { text: string; selection: TextRange };

export function wrap(text: string, { start, end }: TextRange, before: string, after = before): Edit {
  return {
    text: text.slice(0, start) + before + text.slice(start, end) + after + text.slice(end),
    selection: { start: start + before.length, end: end + before.length },
  };
}

/** Inline code for a part of a line, a fenced block for several lines. */
export function code(text: string, selection: TextRange): Edit {
  return text.slice(selection.start, selection.end).includes('\n') ? wrap(text, selection, '```\n', '\n```') : wrap(text, selection, '`');
}

/** Makes every line the selection touches an item of a bulleted or numbered list. */
export function list(text: string, { start, end }: TextRange, numbered: boolean): Edit {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const nextBreak = text.indexOf('\n', end);
  const lineEnd = nextBreak === -1 ? text.length : nextBreak;
  const lines = text.slice(lineStart, lineEnd).split('\n');
  const block = lines.map((line, index) => `${numbered ? `${index + 1}.` : '-'} ${line}`).join('\n');
  const caret = lineStart + block.length;
  return { text: text.slice(0, lineStart) + block + text.slice(lineEnd), selection: { start: caret, end: caret } };
}

/** `[selection](https://)`, with the address selected for typing over. */
export function link(text: string, { start, end }: TextRange, placeholder: string): Edit {
  const opening = `${text.slice(0, start)}[${text.slice(start, end) || placeholder}](`;
  const url = 'https://';
  return { text: `${opening}${url})${text.slice(end)}`, selection: { start: opening.length, end: opening.length + url.length } };
}

export function replace(text: string, { start, end }: TextRange, insert: string): Edit {
  const caret = start + insert.length;
  return { text: text.slice(0, start) + insert + text.slice(end), selection: { start: caret, end: caret } };
}

/** The word being typed at the caret when it starts with `@` (in comments) or `/`. */
export type Trigger = { char: '@' | '/'; query: string; range: TextRange };

export function findTrigger(text: string, caret: number, mentions: boolean): Trigger | undefined {
  const match = /(?:^|\s)([@/])([^\s@/]*)$/.exec(text.slice(0, caret));
  if (!match) return undefined;
  const char = match[1] as '@' | '/';
  if (char === '@' && !mentions) return undefined;
  const query = match[2]!;
  return { char, query, range: { start: caret - query.length - 1, end: caret } };
}
