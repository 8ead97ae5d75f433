import sanitizeHtml from 'sanitize-html';

/**
 * A received mail's HTML made safe to show (sanitize-html): no scripts, event handlers, forms,
 * frames, `<base>`, `<style>` blocks or `javascript:` links; inline CSS limited to what stays in
 * its box (colours, fonts, spacing, borders; never position, transforms or z-index). Remote images
 * are held back: their address moves to `data-remote-src`, which the web app turns back into `src`
 * only when the agent asks ("show images"); `cid:` images (the mail's own inline parts) stay.
 * Quoted history and signatures are marked (`sb-quoted`) for the web app to fold behind "…".
 *
 * The web app shows the result in a sandboxed frame without scripts and with a strict CSP: this
 * function is the first wall, not the only one.
 */

const QUOTE_CLASSES = ['gmail_quote', 'gmail_signature', 'moz-cite-prefix', 'moz-signature', 'protonmail_quote', 'yahoo_quoted'];
/** Outlook starts the quoted mail after one of these (`<div id="appendonsend">`, `<div id="divRplyFwdMsg">`). */
const OUTLOOK_QUOTE_IDS = ['divRplyFwdMsg', 'appendonsend', 'mail-editor-reference-message-container'];

const colour = [/^#[0-9a-f]{3,8}$/i, /^[a-z]{3,20}$/i, /^rgba?\(\s*[\d.\s,%]+\)$/i];
const length = [/^-?\d{1,4}(\.\d+)?(px|em|rem|pt|%)?$/i];
const lengths = [/^(-?\d{1,4}(\.\d+)?(px|em|rem|pt|%)?\s*){1,4}$/i, /^auto$/i];
const border = [/^[\w\s#.,%()-]{1,100}$/];

const allowedStyles: sanitizeHtml.IOptions['allowedStyles'] = {
  '*': {
    color: colour,
    'background-color': colour,
    'font-family': [/^[\w\s"',-]{1,200}$/],
    'font-size': [...length, /^(x{0,2}-?small|medium|x{0,2}-?large|smaller|larger)$/i],
    'font-weight': [/^(normal|bold|bolder|lighter|\d{3})$/i],
    'font-style': [/^(normal|italic|oblique)$/i],
    'text-align': [/^(left|right|center|justify|start|end)$/i],
    'text-decoration': [/^[a-z\s-]{1,50}$/i],
    'line-height': length,
    'vertical-align': [/^(baseline|top|middle|bottom|sub|super|text-top|text-bottom)$/i],
    'white-space': [/^(normal|nowrap|pre|pre-wrap|pre-line)$/i],
    // Spacing may not be negative: a negative margin is how content climbs out of its box.
    margin: [/^(\d{1,4}(\.\d+)?(px|em|rem|pt|%)?\s*|auto\s*){1,4}$/i],
    'margin-top': [/^\d{1,4}(\.\d+)?(px|em|rem|pt|%)?$/i],
    'margin-bottom': [/^\d{1,4}(\.\d+)?(px|em|rem|pt|%)?$/i],
    'margin-left': [/^\d{1,4}(\.\d+)?(px|em|rem|pt|%)?$/i],
    'margin-right': [/^\d{1,4}(\.\d+)?(px|em|rem|pt|%)?$/i],
    padding: lengths,
    'padding-top': length,
    'padding-bottom': length,
    'padding-left': length,
    'padding-right': length,
    border,
    'border-top': border,
    'border-bottom': border,
    'border-left': border,
    'border-right': border,
    'border-collapse': [/^(collapse|separate)$/i],
    width: length,
    'max-width': length,
    height: length,
  },
};

export type SafeHtml = { html: string; remoteImages: number };

export function sanitizeEmailHtml(input: string): SafeHtml {
  let remoteImages = 0;
  const html = sanitizeHtml(input, {
    allowedTags: [
      'a', 'abbr', 'b', 'blockquote', 'br', 'caption', 'center', 'code', 'col', 'colgroup', 'dd', 'del', 'div', 'dl', 'dt', 'em', 'font',
      'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'hr', 'i', 'img', 'ins', 'li', 'ol', 'p', 'pre', 'q', 's', 'small', 'span', 'strike', 'strong',
      'sub', 'sup', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'u', 'ul',
    ],
    // Dropped with everything inside them, not just unwrapped.
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'head', 'iframe', 'object', 'embed', 'form', 'template', 'svg', 'math'],
    allowedAttributes: {
      a: ['href', 'title', 'target', 'rel'],
      img: ['src', 'alt', 'width', 'height', 'title', 'data-remote-src'],
      td: ['colspan', 'rowspan', 'align', 'valign', 'width', 'bgcolor'],
      th: ['colspan', 'rowspan', 'align', 'valign', 'width', 'bgcolor'],
      table: ['width', 'align', 'cellpadding', 'cellspacing', 'border', 'bgcolor'],
      font: ['color', 'face', 'size'],
      '*': ['style', 'class', 'dir', 'lang', 'align'],
    },
    allowedClasses: { '*': ['sb-quoted', 'sb-quoted-start', ...QUOTE_CLASSES] },
    allowedStyles,
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['http', 'https', 'cid', 'data'] },
    allowProtocolRelative: false,
    transformTags: {
      // Links open outside the frame, telling the site nothing about where they were clicked.
      a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' } }),
      blockquote: (tagName, attribs) => ({ tagName, attribs: { ...attribs, class: `${attribs.class ?? ''} sb-quoted`.trim() } }),
      div: (tagName, attribs) =>
        OUTLOOK_QUOTE_IDS.includes(attribs.id ?? '') ? { tagName, attribs: { ...attribs, class: `${attribs.class ?? ''} sb-quoted-start`.trim() } } : { tagName, attribs },
      img: (tagName, attribs) => {
        const src = (attribs.src ?? '').trim();
        if (/^(https?:)?\/\//i.test(src)) {
          remoteImages++;
          const { src: _dropped, ...rest } = attribs;
          return { tagName, attribs: { ...rest, 'data-remote-src': src } };
        }
        const { 'data-remote-src': _forged, ...rest } = attribs;
        // Only images of the mail itself, or small embedded ones.
        return { tagName, attribs: /^(cid:|data:image\/(png|gif|jpe?g|webp);)/i.test(src) ? rest : { ...rest, src: '' } };
      },
    },
    exclusiveFilter: (frame) => frame.tag === 'img' && !frame.attribs.src && !frame.attribs['data-remote-src'],
  });
  return { html, remoteImages };
}

/**
 * Where a plain-text mail's own words end: the quoted history ("On … wrote:", `>` lines, Outlook's
 * "-----Original Message-----" or "From:" block) or the signature (`-- `) after it is folded.
 * Answers the offset in `text`, or null when there is nothing to fold.
 */
export function foldOffset(text: string): number | null {
  const lines = text.split('\n');
  let offset = 0;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.replace(/\r$/, '');
    const isQuoteHeader =
      /^(On|Am|Le|El|Il|Op)\s.{4,300}(wrote|schrieb|a écrit|escribió|ha scritto|schreef)(\s.{0,200})?:\s*$/i.test(line) ||
      /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Forwarded message)\s*-{2,}\s*$/i.test(line) ||
      (/^(From|Von|De):\s/.test(line) && index > 0 && lines[index - 1]!.trim() === '' && /^(Sent|Gesendet|Envoyé|Date|To|An|À):\s/.test(lines[index + 1] ?? ''));
    const isQuote = line.startsWith('>') && lines.slice(index).every((rest) => rest.startsWith('>') || rest.trim() === '' || /^-- $/.test(rest));
    const isSignature = line === '-- ';
    if ((isQuoteHeader || isQuote || isSignature) && offset > 0 && text.slice(0, offset).trim() !== '') return offset;
    offset += lines[index]!.length + 1;
  }
  return null;
}
