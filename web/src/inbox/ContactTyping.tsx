import { useEffect, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { subscribeToEvents } from '../realtime/realtime.js';

const SHOWN_MS = 5000;

/** "Anna is typing…" while a website-chat visitor types in the open conversation. */
export function ContactTyping({ conversationId, name }: { conversationId: string; name: string | null }) {
  const { t } = useI18n();
  const [until, setUntil] = useState(0);
  const [, setNow] = useState(0);
  useEffect(
    () =>
      subscribeToEvents((event) => {
        if (event.type !== 'webchat.visitor-typing' || event.data.conversationId !== conversationId) return;
        setUntil(Date.now() + SHOWN_MS);
        setTimeout(() => setNow(Date.now()), SHOWN_MS + 50);
      }),
    [conversationId],
  );
  const typing = until > Date.now();
  return (
    <p className="contact-typing muted" role="status">
      {typing ? t('webchat.contactTyping', { name: name ?? t('webchat.someone') }) : ''}
    </p>
  );
}

let sentAt = 0;
let sentFor = '';
/** The agent types a reply on a website chat: the visitor sees it, at most every few seconds. */
export function announceTyping(conversationId: string, post: (path: string) => Promise<unknown>) {
  if (conversationId === sentFor && Date.now() - sentAt < 3000) return;
  sentAt = Date.now();
  sentFor = conversationId;
  void post(`/api/v1/conversations/${conversationId}/typing`).catch(() => undefined);
}
