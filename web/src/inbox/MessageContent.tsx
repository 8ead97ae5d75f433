import { isMessageKey, type Translate, useI18n } from '../i18n/i18n.js';
import type { Message } from './inbox.queries.js';

/**
 * What an inbound message is when it is more than text, in the reader's language: a photo (its
 * file follows once fetched from the provider), a location with a link to a map, a shared
 * contact, or a kind Switchboard cannot show. Customer text is never rendered as HTML here.
 */
export function MessageContentLabel({ message }: { message: Message }) {
  const { t } = useI18n();
  const content = message.content;
  if (!content) return null;
  if (content.kind === 'location') {
    const map = `https://www.openstreetmap.org/?mlat=${content.latitude}&mlon=${content.longitude}#map=16/${content.latitude}/${content.longitude}`;
    return (
      <p className="message-content">
        <span aria-hidden="true">📍 </span>
        {t('inbox.content.location')} ·{' '}
        <a href={map} target="_blank" rel="noopener noreferrer">
          {t('inbox.content.openMap')}
        </a>
      </p>
    );
  }
  if (content.kind === 'contacts') return <p className="message-content">{t('inbox.content.contacts')}</p>;
  // A mail shows itself (EmailMessage).
  if (content.kind === 'email') return null;
  if (content.kind === 'unsupported') return <p className="message-content message-content--unsupported">{t('inbox.content.unsupported', { type: content.providerType })}</p>;
  const waiting = message.attachments.length === 0;
  return (
    <p className="message-content">
      {t(`inbox.content.${content.kind}`)}
      {content.fileName ? ` · ${content.fileName}` : ''}
      {waiting && <span className="muted"> · {t('inbox.content.fileComing')}</span>}
    </p>
  );
}

/** Why a reply failed: a known provider code in the reader's words, else the provider's own. */
export function failureReason(message: Pick<Message, 'error' | 'errorCode'>, t: Translate): string {
  const key = message.errorCode ? `delivery.error.${message.errorCode}` : '';
  return isMessageKey(key) ? t(key) : (message.error ?? '');
}
