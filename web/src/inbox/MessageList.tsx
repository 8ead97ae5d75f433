import { useI18n } from '../i18n/i18n.js';
import type { MessageKey } from '../i18n/en.js';
import { errorMessage } from '../ui/errors.js';
import { useUsers } from '../workspace/workspace.queries.js';
import { formatBytes } from './attachments.js';
import { EmailMessage } from './EmailMessage.js';
import { FormattedText } from './FormattedText.js';
import { failureReason, MessageContentLabel } from './MessageContent.js';
import { type Attachment, type Message, type MessageStatus, useMessages, useRetryMessage } from './inbox.queries.js';
import { SlowSending } from './SlowSending.js';
import { fullTime, messageTime } from './time.js';

/**
 * Messages oldest to newest. The scroller is `column-reverse`, so it opens at the newest message
 * and stays there as messages arrive, and earlier pages load above without moving the view.
 */
export function MessageList({ conversationId, includeHidden }: { conversationId: string; includeHidden: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const messages = useMessages(conversationId, includeHidden);
  const items = (messages.data?.pages.flatMap((page) => page.items) ?? []).reverse();

  return (
    <div className="message-scroller">
      <ol className="messages" aria-label={t('inbox.messages')} aria-busy={messages.isPending}>
        {messages.hasNextPage && (
          <li className="messages-earlier">
            <button type="button" className="button button--small" disabled={messages.isFetchingNextPage} onClick={() => void messages.fetchNextPage()}>
              {t('inbox.messages.loadEarlier')}
            </button>
          </li>
        )}
        {messages.error && (
          <li role="alert" className="alert alert--error">
            {errorMessage(messages.error, i18n)}
          </li>
        )}
        {items.map((message) => (
          <MessageItem key={message.id} message={message} />
        ))}
      </ol>
    </div>
  );
}

function MessageItem({ message }: { message: Message }) {
  const { t, language } = useI18n();
  const users = useUsers();
  const author = users.data?.find((user) => user.id === message.authorId)?.name;
  const kind = message.type === 'comment' ? 'comment' : message.direction === 'in' ? 'inbound' : 'outbound';

  return (
    <li className={`message message--${kind}${message.hidden ? ' message--hidden' : ''}`}>
      <div className="message-bubble">
        {kind === 'comment' && <p className="message-label">{t('inbox.message.comment')}</p>}
        {message.hidden && <p className="message-label message-label--hidden">{t('blocking.hiddenMessage')}</p>}
        <MessageContentLabel message={message} />
        {message.content?.kind === 'email' ? <EmailMessage message={message} content={message.content} /> : message.text && <FormattedText text={message.text} />}
        {message.attachments.length > 0 && (
          <ul className="message-attachments">
            {message.attachments.map((attachment) => (
              <AttachmentLink key={attachment.id} attachment={attachment} />
            ))}
          </ul>
        )}
      </div>
      <p className="message-meta">
        {author && <span>{author}</span>}
        <time dateTime={message.createdAt} title={fullTime(message.createdAt, language)}>
          {messageTime(message.createdAt, language)}
        </time>
        {kind === 'outbound' && message.status !== 'failed' && <DeliveryStatus status={message.status} />}
        {kind === 'outbound' && message.status === 'pending' && <SlowSending since={message.createdAt} />}
      </p>
      {message.status === 'failed' && (
        <p className="message-failure">
          <span className="failure-mark" aria-hidden="true">
            !
          </span>
          <span>{t('inbox.delivery.failedBecause', { reason: failureReason(message, t) })}</span>
          {kind === 'outbound' && <RetryButton message={message} />}
        </p>
      )}
    </li>
  );
}

/** A failed reply is sent again on request; a refusal (blocked contact, closed window…) says why. */
function RetryButton({ message }: { message: Message }) {
  const i18n = useI18n();
  const retry = useRetryMessage(message.conversationId);
  return (
    <>
      <button type="button" className="button button--small message-retry" disabled={retry.isPending} onClick={() => retry.mutate(message.id)}>
        {i18n.t('inbox.delivery.retry')}
      </button>
      {retry.error && (
        <span role="alert" className="message-retry-error">
          {errorMessage(retry.error, i18n)}
        </span>
      )}
    </>
  );
}

const statusLabels: Partial<Record<MessageStatus, MessageKey>> = {
  pending: 'inbox.delivery.pending',
  sent: 'inbox.delivery.sent',
  delivered: 'inbox.delivery.delivered',
  read: 'inbox.delivery.read',
};

const statusMarks: Partial<Record<MessageStatus, string>> = { pending: '◷', sent: '✓', delivered: '✓✓', read: '✓✓' };

function DeliveryStatus({ status }: { status: MessageStatus }) {
  const { t } = useI18n();
  const label = statusLabels[status];
  if (!label) return null;
  return (
    <span className={`delivery delivery--${status}`}>
      <span className="delivery-mark" aria-hidden="true">
        {statusMarks[status]}
      </span>
      {t(label)}
    </span>
  );
}

function AttachmentLink({ attachment }: { attachment: Attachment }) {
  const { language } = useI18n();
  const isImage = attachment.contentType.startsWith('image/') && attachment.contentType !== 'image/svg+xml';
  return (
    <li>
      <a href={attachment.url} target="_blank" rel="noopener noreferrer" className="attachment-link">
        {isImage ? <img src={attachment.url} alt={attachment.fileName} className="attachment-image" loading="lazy" /> : <span className="attachment-icon" aria-hidden="true" />}
        <span>{attachment.fileName}</span>
        <span className="muted">{formatBytes(attachment.size, language)}</span>
      </a>
    </li>
  );
}
