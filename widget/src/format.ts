/**
 * An agent's markdown-ish reply as DOM nodes, as the inbox shows it (web/src/inbox/FormattedText.tsx):
 * **bold**, *italic* or _italic_, `code`, [links](https://…) and bare URLs; line breaks kept by the
 * bubble's `white-space`. Built from text nodes and elements only: nothing is parsed as HTML.
 */
const SAFE_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);

/** Built at run time: a browser without look-behind (Safari before 16.4) gets links only, not a broken widget. */
function spanPattern(): RegExp | undefined {
  try {
    return new RegExp(
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
  } catch {
    return undefined;
  }
}
const SPAN = spanPattern();
const URL_ONLY = /(?<url>https?:\/\/[^\s<>]*[^\s<>.,:;"'!?)\]])/g;

function safeUrl(value: string): string | undefined {
  try {
    const url = new URL(value);
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

function link(target: string, children: Node[], asTyped: string): Node {
  const href = safeUrl(target);
  if (!href) return document.createTextNode(asTyped);
  const anchor = document.createElement('a');
  anchor.href = href;
  anchor.target = '_blank';
  anchor.rel = 'noopener noreferrer nofollow';
  anchor.append(...children);
  return anchor;
}

function wrapped(tag: 'strong' | 'em' | 'code', children: Node[]): Node {
  const node = document.createElement(tag);
  node.append(...children);
  return node;
}

export function formatted(text: string): Node[] {
  const pattern = new RegExp((SPAN ?? URL_ONLY).source, 'g');
  const out: Node[] = [];
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const { code, bold, italic, underscored, label, href, url } = match.groups ?? {};
    const index = match.index ?? 0;
    if (index > last) out.push(document.createTextNode(text.slice(last, index)));
    if (code !== undefined) out.push(wrapped('code', [document.createTextNode(code)]));
    else if (bold !== undefined) out.push(wrapped('strong', formatted(bold)));
    else if (italic !== undefined || underscored !== undefined) out.push(wrapped('em', formatted((italic ?? underscored)!)));
    else if (label !== undefined) out.push(link(href!, formatted(label), match[0]));
    else out.push(link(url!, [document.createTextNode(url!)], url!));
    last = index + match[0].length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}
