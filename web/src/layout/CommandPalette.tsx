import { useQuery } from '@tanstack/react-query';
import { type KeyboardEvent, useEffect, useId, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { seesEveryConversation } from '../../../src/conversations/conversation-visibility.rules.js';
import { api } from '../api.js';
import { type Contact, contactName } from '../contacts/contacts.queries.js';
import { useDebouncedValue } from '../contacts/useDebouncedValue.js';
import { useI18n } from '../i18n/i18n.js';
import type { Conversation } from '../inbox/inbox.queries.js';
import { actionOf } from '../inbox/shortcuts.js';
import { may } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { Dialog } from '../ui/Dialog.js';

type Result = { key: string; label: string; detail: string; to: string };

/** Ctrl+K or ⌘+K anywhere: find a conversation (by name, phone, email or text) or a contact, and go to it. */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  useEffect(() => {
    function onKeyDown(event: globalThis.KeyboardEvent) {
      if (actionOf(event) !== 'jump') return;
      event.preventDefault();
      setOpen(true);
    }
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, []);
  return open ? <Palette onClose={() => setOpen(false)} /> : null;
}

function Palette({ onClose }: { onClose: () => void }) {
  const { t } = useI18n();
  const { user, workspace, teamIds } = useSession();
  const navigate = useNavigate();
  const id = useId();
  const [text, setText] = useState('');
  const [active, setActive] = useState(0);
  const q = useDebouncedValue(text.trim(), 200);
  const seesAll = seesEveryConversation({ role: user.role, agentsSeeAll: workspace.settings.agentsSeeAll });
  const withContacts = may(user.role, 'contacts.module');

  const results = useQuery({
    queryKey: ['palette', q],
    enabled: q !== '',
    queryFn: async (): Promise<Result[]> => {
      const search = new URLSearchParams({ q, limit: '8' });
      const [conversations, contacts] = await Promise.all([
        api.get<{ items: Conversation[] }>(`/api/v1/conversations?${search}`),
        withContacts ? api.get<{ items: Contact[] }>(`/api/v1/contacts?${new URLSearchParams({ q, limit: '5' })}`) : { items: [] },
      ]);
      const inboxOf = (conversation: Conversation) =>
        seesAll ? 'all' : conversation.assigneeId === user.id ? 'mine' : conversation.assigneeId === null ? 'unassigned' : conversation.teamId && teamIds.includes(conversation.teamId) ? `team:${conversation.teamId}` : 'mine';
      return [
        ...conversations.items.map((conversation) => ({
          key: `conversation-${conversation.id}`,
          label: conversation.contact.name ?? t('inbox.unknownContact'),
          detail: `${t('palette.conversation')} · ${t(`inbox.status.${conversation.status}`)}`,
          to: `/inbox/${inboxOf(conversation)}/${conversation.id}?status=${conversation.status}`,
        })),
        ...contacts.items.map((contact) => ({
          key: `contact-${contact.id}`,
          label: contactName(contact) ?? t('contacts.unnamed'),
          detail: t('palette.contact'),
          to: `/contacts/${contact.id}`,
        })),
      ];
    },
    placeholderData: (previous) => previous,
  });
  const items = q ? (results.data ?? []) : [];
  const current = Math.min(active, items.length - 1);

  function go(result: Result | undefined) {
    if (!result) return;
    onClose();
    navigate(result.to);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((current + step + items.length) % Math.max(items.length, 1));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      go(items[current]);
    }
  }

  return (
    <Dialog title={t('palette.title')} onClose={onClose}>
      <div className="field palette">
        <label htmlFor={`${id}-input`}>{t(withContacts ? 'palette.search' : 'palette.searchConversations')}</label>
        <input
          id={`${id}-input`}
          role="combobox"
          autoFocus
          autoComplete="off"
          aria-autocomplete="list"
          aria-expanded={items.length > 0}
          aria-controls={`${id}-results`}
          aria-activedescendant={items.length > 0 ? `${id}-${items[current]!.key}` : undefined}
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            setActive(0);
          }}
          onKeyDown={onKeyDown}
        />
        <ul id={`${id}-results`} role="listbox" className="palette-results" aria-label={t('palette.results')}>
          {items.map((result, index) => (
            <li
              key={result.key}
              id={`${id}-${result.key}`}
              role="option"
              aria-selected={index === current}
              className="palette-result"
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => go(result)}
            >
              <span>{result.label}</span>
              <span className="muted">{result.detail}</span>
            </li>
          ))}
        </ul>
        {q !== '' && results.isSuccess && items.length === 0 && <p className="muted">{t('palette.none')}</p>}
      </div>
    </Dialog>
  );
}
