import { useEffect, useMemo, useRef, useState } from 'react';
import type { EmailContent } from '../../../src/channels/channel-registry.js';
import { useI18n } from '../i18n/i18n.js';
import { FormattedText } from './FormattedText.js';
import type { Attachment, Message } from './inbox.queries.js';

/** What the server stores with a received mail (one type for both sides). */
export type { EmailContent };

/** What marks quoted history and signatures in the sanitised HTML (the server marks them; clients' own classes kept). */
const QUOTED = '.sb-quoted, .gmail_quote, .moz-cite-prefix, .gmail_signature, .moz-signature, .yahoo_quoted, .protonmail_quote';

/**
 * The mail's HTML for the frame, built in an inert document (DOMParser runs nothing, loads
 * nothing): quoted history removed unless unfolded, held-back images given their address only
 * once the agent asks, the mail's own images (`cid:`) as data URLs.
 */
function frameBody(html: string, options: { showImages: boolean; showQuoted: boolean; inline: Map<string, string> }): { body: string; folded: boolean } {
  const doc = new DOMParser().parseFromString(`<!doctype html><body>${html}`, 'text/html');
  let folded = false;
  if (!options.showQuoted) {
    for (const start of doc.querySelectorAll('.sb-quoted-start')) {
      // Outlook: everything from its reply header on is the quoted mail.
      let node: Element | null = start;
      while (node) {
        const next: Element | null = node.nextElementSibling;
        node.remove();
        folded = true;
        node = next;
      }
    }
    for (const quoted of doc.querySelectorAll(QUOTED)) {
      quoted.remove();
      folded = true;
    }
  }
  for (const image of doc.querySelectorAll('img')) {
    const remote = image.getAttribute('data-remote-src');
    const src = image.getAttribute('src') ?? '';
    if (remote && options.showImages && /^https?:\/\//i.test(remote)) image.setAttribute('src', remote);
    else if (src.toLowerCase().startsWith('cid:')) {
      const data = options.inline.get(src.slice(4));
      if (data) image.setAttribute('src', data);
      else image.removeAttribute('src');
    } else if (!src.startsWith('data:image/')) image.removeAttribute('src');
    image.removeAttribute('data-remote-src');
  }
  return { body: doc.body.innerHTML, folded };
}

/**
 * A policy of the frame's own, inside whatever the app's allows: no script, no connection, images
 * from the mail itself, and remote ones only after "show images".
 */
const framePolicy = (showImages: boolean) => `default-src 'none'; img-src data:${showImages ? ' https: http:' : ''}; style-src 'unsafe-inline'; font-src data:`;

const escapeAttribute = (value: string) => value.replace(/&/g, '&amp;').replace(/"/g, '&quot;');

/** The mail's own images, read with the agent's session and handed to the frame as data URLs. */
function useInlineImages(content: EmailContent, attachments: Attachment[]): Map<string, string> {
  const [images, setImages] = useState(new Map<string, string>());
  const key = content.inline.map((each) => each.contentId).join(' ') + attachments.map((each) => each.id).join(' ');
  useEffect(() => {
    let cancelled = false;
    void (async () => {
      const found = new Map<string, string>();
      for (const { contentId, fileName } of content.inline) {
        const file = attachments.find((each) => each.fileName === fileName && each.contentType.startsWith('image/') && each.contentType !== 'image/svg+xml');
        if (!file) continue;
        const response = await fetch(file.url, { credentials: 'same-origin' });
        if (!response.ok) continue;
        const blob = await response.blob();
        const url = await new Promise<string>((resolve) => {
          const reader = new FileReader();
          reader.onload = () => resolve(String(reader.result));
          reader.readAsDataURL(blob);
        });
        if (url.startsWith('data:image/')) found.set(contentId, url);
      }
      if (!cancelled) setImages(found);
    })();
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);
  return images;
}

/**
 * A received mail: its subject, an auto-reply marked as such, and its body: the sanitised HTML in a
 * sandboxed frame that runs no script (the sandbox has no `allow-scripts`; the frame's policy
 * allows none), or the text, with quoted history and signature folded behind "…".
 */
export function EmailMessage({ message, content }: { message: Message; content: EmailContent }) {
  const { t } = useI18n();
  const [showImages, setShowImages] = useState(false);
  const [showQuoted, setShowQuoted] = useState(false);
  const inline = useInlineImages(content, message.attachments);
  const frame = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(120);
  const built = useMemo(
    () => (content.html ? frameBody(content.html, { showImages, showQuoted, inline }) : undefined),
    [content.html, showImages, showQuoted, inline],
  );
  const srcDoc = built
    ? `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${escapeAttribute(framePolicy(showImages))}"><base target="_blank"></head><body>${built.body}</body></html>`
    : undefined;
  const textFolded = !content.html && content.foldAt !== null && content.foldAt > 0 && content.foldAt < message.text.length;
  const text = textFolded && !showQuoted ? message.text.slice(0, content.foldAt!).trimEnd() : message.text;

  return (
    <div className="email-message">
      {content.subject && <p className="email-subject">{content.subject}</p>}
      {content.autoReply && <p className="message-label email-autoreply">{t('inbox.email.autoReply')}</p>}
      {srcDoc ? (
        <iframe
          ref={frame}
          className="email-frame"
          title={t('inbox.email.frameTitle', { subject: content.subject || '…' })}
          // No allow-scripts: nothing in the mail runs. Same origin only so the height can be measured; links open in a new tab.
          sandbox="allow-same-origin allow-popups allow-popups-to-escape-sandbox"
          referrerPolicy="no-referrer"
          srcDoc={srcDoc}
          style={{ height }}
          onLoad={() => {
            const body = frame.current?.contentDocument?.body;
            if (body) setHeight(Math.min(Math.max(body.scrollHeight + 24, 60), 2000));
          }}
        />
      ) : (
        message.text && <FormattedText text={text} />
      )}
      <div className="email-actions">
        {(built?.folded || textFolded) && (
          <button type="button" className="button button--small" aria-expanded={showQuoted} onClick={() => setShowQuoted((value) => !value)} title={t(showQuoted ? 'inbox.email.hideQuoted' : 'inbox.email.showQuoted')}>
            <span aria-hidden="true">…</span>
            <span className="visually-hidden">{t(showQuoted ? 'inbox.email.hideQuoted' : 'inbox.email.showQuoted')}</span>
          </button>
        )}
        {content.html && content.remoteImages > 0 && !showImages && (
          <button type="button" className="button button--small" onClick={() => setShowImages(true)}>
            {t('inbox.email.showImages', { count: content.remoteImages })}
          </button>
        )}
      </div>
    </div>
  );
}
