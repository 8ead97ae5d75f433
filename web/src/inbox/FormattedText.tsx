import type { ReactNode } from 'react';

/**
 * Markdown-ish message text as React elements, never as HTML: **bold**, *italic* or _italic_,
 * `code`, ``` code blocks ```, "- " and "1. " lists, [links](https://…) and bare URLs.
 * Everything else, `<img onerror=…>` included, is shown as the characters it is.
 */
export function FormattedText({ text }: { text: string }) {
  return <div className="formatted">{blocks(text)}</div>;
}

const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** The URL when a browser may follow it from customer text; javascript:, data: and the like never. */
function safeUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBERED = /^\s*\d+[.)]\s+(.*)$/;
const FENCE = /^\s*```/;

function blocks(text: string): ReactNode[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const out: ReactNode[] = [];
  let index = 0;
  while (index < lines.length) {
    const line = lines[index]!;
    const key = out.length;
    if (FENCE.test(line)) {
      const code: string[] = [];
      index++;
      while (index < lines.length && !FENCE.test(lines[index]!)) code.push(lines[index++]!);
      index++;
      out.push(
        <pre key={key}>
          <code>{code.join('\n')}</code>
        </pre>,
      );
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      const pattern = BULLET.test(line) ? BULLET : NUMBERED;
      const items: string[] = [];
      while (index < lines.length && pattern.test(lines[index]!)) items.push(pattern.exec(lines[index++]!)![1]!);
      const children = items.map((item, itemIndex) => <li key={itemIndex}>{inline(item)}</li>);
      out.push(pattern === BULLET ? <ul key={key}>{children}</ul> : <ol key={key}>{children}</ol>);
    } else if (line.trim() === '') {
      index++;
    } else {
      const paragraph: string[] = [];
      while (index < lines.length && lines[index]!.trim() !== '' && !FENCE.test(lines[index]!) && !BULLET.test(lines[index]!) && !NUMBERED.test(lines[index]!)) {
        paragraph.push(lines[index++]!);
      }
      out.push(<p key={key}>{paragraph.flatMap((each, lineIndex) => (lineIndex === 0 ? inline(each) : [<br key={`br${lineIndex}`} />, ...inline(each)]))}</p>);
    }
  }
  return out;
}

/** One alternative per kind of span; markers count only at word edges, so snake_case and 2*3*4 stay as typed. */
const SPAN = new RegExp(
  [
    '`(?<code>[^`\\n]+)`',
    '\\*\\*(?<bold>\\S(?:.*?\\S)?)\\*\\*',
    '(?<![\\w*])\\*(?<italic>[^*\\s](?:[^*]*[^*\\s])?)\\*(?![\\w*])',
    '(?<!\\w)_(?<underscored>[^_\\s](?:[^_]*[^_\\s])?)_(?!\\w)',
    '\\[(?<label>[^\\]\\n]+)\\]\\((?<href>[^)\\s]+)\\)',
    '(?<url>(?:https?://|mailto:)[^\\s<>]*[^\\s<>.,:;"\'!?)\\]])',
  ].join('|'),
  'g',
);

/** The text without its formatting marks, for one-line previews. */
export function plainText(text: string): string {
  return text.replace(SPAN, (whole, ...rest) => {
    const groups = rest.at(-1) as Record<string, string | undefined>;
    const inner = groups.bold ?? groups.italic ?? groups.underscored ?? groups.label;
    return inner !== undefined ? plainText(inner) : (groups.code ?? whole);
  });
}

function inline(text: string): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(SPAN)) {
    const { code, bold, italic, underscored, label, href, url } = match.groups!;
    if (match.index > last) out.push(text.slice(last, match.index));
    const key = out.length;
    if (code !== undefined) out.push(<code key={key}>{code}</code>);
    else if (bold !== undefined) out.push(<strong key={key}>{inline(bold)}</strong>);
    else if (italic !== undefined || underscored !== undefined) out.push(<em key={key}>{inline((italic ?? underscored)!)}</em>);
    else if (label !== undefined) out.push(link(key, href!, inline(label), match[0]));
    else out.push(link(key, url!, url!, url!));
    last = match.index + match[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

function link(key: number, target: string, children: ReactNode, asTyped: string): ReactNode {
  const href = safeUrl(target);
  if (!href) return asTyped;
  return (
    <a key={key} href={href} target="_blank" rel="noopener noreferrer">
      {children}
    </a>
  );
}
