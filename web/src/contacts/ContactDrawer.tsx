import { useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { api, ApiError } from '../api.js';
import { BlockContactDialog } from '../blocking/BlockContactDialog.js';
import { QuarantinedBadge } from '../blocking/QuarantinedBadge.js';
import { useI18n } from '../i18n/i18n.js';
import { may } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { Avatar } from '../ui/Avatar.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { errorMessage, formErrors } from '../ui/errors.js';
import { FormAlert, TextField } from '../ui/forms.js';
import { ContactChannels } from './ContactChannels.js';
import { ContactDetails } from './ContactDetails.js';
import { type Contact, contactName, useContact, useUpdateContact } from './contacts.queries.js';
import { MergeSuggestionsSlot } from './MergeSuggestionsSlot.js';
import { MoreMenu } from './MoreMenu.js';
import { useShortcutItems } from '../workflows/ShortcutMenu.js';
import './contacts.css';

/** `overlay`: slides over the Contacts list; `panel`: a column of its own, beside the Inbox's message window. */
export type ContactDrawerMode = 'overlay' | 'panel';

type Tab = 'details' | 'channels';

/**
 * A contact's details (SPEC §2.1, §2.2), editable in place. What the signed-in user's role may not
 * do (remove a channel, delete the contact) is not offered.
 */
export function ContactDrawer(props: { contactId: string; onClose?: () => void; mode: ContactDrawerMode }) {
  // Another contact starts afresh: no half-done edit or open tab carries over.
  return <DrawerContent key={props.contactId} {...props} />;
}

function DrawerContent({ contactId, onClose, mode }: { contactId: string; onClose?: () => void; mode: ContactDrawerMode }) {
  const i18n = useI18n();
  const { t } = i18n;
  const contact = useContact(contactId);
  const [tab, setTab] = useState<Tab>('details');
  const tabsId = useId();

  useEffect(() => {
    if (mode !== 'overlay' || !onClose) return;
    const close = onClose;
    // Escape inside a field or a dialog is theirs (cancel an edit, close the dialog).
    function onKeyDown(event: KeyboardEvent) {
      if (event.key !== 'Escape' || event.defaultPrevented || (event.target as Element | null)?.closest?.('dialog, input, select, textarea')) return;
      close();
    }
    document.addEventListener('keydown', onKeyDown);
    return () => document.removeEventListener('keydown', onKeyDown);
  }, [mode, onClose]);

  const gone = contact.error instanceof ApiError && contact.error.status === 404;
  const name = contact.data ? (contactName(contact.data) ?? t('contacts.unnamed')) : '';

  return (
    <aside className={`contact-drawer contact-drawer--${mode}`} aria-label={t('contacts.drawer.label')} aria-busy={contact.isPending}>
      {onClose && (
        <button type="button" className="button button--icon drawer-close" aria-label={t('contacts.drawer.close')} title={t('contacts.drawer.close')} onClick={onClose}>
          ×
        </button>
      )}
      {contact.error && <FormAlert>{gone ? t('contacts.drawer.gone') : errorMessage(contact.error, i18n)}</FormAlert>}
      {contact.data && (
        <>
          <DrawerHeader contact={contact.data} name={name} onDeleted={onClose} />
          <MergeSuggestionsSlot contactId={contactId} />
          {contact.data.blocked && <p className="alert blocked-notice">{t('contacts.drawer.blockedNotice')}</p>}
          <div role="tablist" className="tabs drawer-tabs" aria-label={t('contacts.drawer.sections')}>
            {(['details', 'channels'] as const).map((each) => (
              <button
                key={each}
                type="button"
                role="tab"
                id={`${tabsId}-${each}`}
                aria-controls={`${tabsId}-${each}-panel`}
                aria-selected={tab === each}
                className={`tab${tab === each ? ' active' : ''}`}
                onClick={() => setTab(each)}
              >
                {t(`contacts.drawer.tab.${each}`)}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`${tabsId}-${tab}-panel`} aria-labelledby={`${tabsId}-${tab}`} className="drawer-body">
            {tab === 'details' ? <ContactDetails contact={contact.data} /> : <ContactChannels contact={contact.data} />}
          </div>
        </>
      )}
    </aside>
  );
}

function DrawerHeader({ contact, name, onDeleted }: { contact: Contact; name: string; onDeleted?: () => void }) {
  const { t } = useI18n();
  const { user, workspace } = useSession();
  const queryClient = useQueryClient();
  const [dialog, setDialog] = useState<'delete' | 'block'>();
  // Agents may delete the contacts assigned to them, where the workspace allows it (SPEC §1).
  const canDelete =
    may(user.role, 'contacts.delete') || (workspace.settings.agentsMayDeleteAssignedContacts && contact.assigneeId === user.id);
  // Agents block from the conversation instead (SPEC §1).
  const canBlock = may(user.role, 'contacts.module');
  const shortcuts = useShortcutItems(contact.id);
  const actions = [
    ...shortcuts.items,
    ...(canBlock ? [{ label: t(contact.blocked ? 'blocking.unblockContact' : 'blocking.blockContact'), onSelect: () => setDialog('block') }] : []),
    ...(canDelete ? [{ label: t('contacts.drawer.delete'), danger: true, onSelect: () => setDialog('delete') }] : []),
  ];

  return (
    <header className="drawer-header">
      <Avatar name={name} />
      <div className="drawer-identity">
        <NameEditor contact={contact} name={name} />
        {contact.blocked && <span className="badge badge--blocked">{t('contacts.blocked')}</span>}
        {contact.quarantined && <QuarantinedBadge />}
      </div>
      {actions.length > 0 && <MoreMenu label={t('contacts.moreActions')} items={actions} />}
      {shortcuts.notice}
      {dialog === 'block' && <BlockContactDialog contactId={contact.id} name={name} block={!contact.blocked} onClose={() => setDialog(undefined)} />}
      {dialog === 'delete' && (
        <ConfirmDialog
          title={t('contacts.drawer.deleteTitle', { name })}
          message={t('contacts.delete.body')}
          confirmLabel={t('contacts.drawer.delete')}
          onConfirm={async () => {
            await api.delete(`/api/v1/contacts/${contact.id}`);
            queryClient.removeQueries({ queryKey: ['contacts', contact.id] });
            await queryClient.invalidateQueries({ queryKey: ['contacts'] });
            onDeleted?.();
          }}
          onClose={() => setDialog(undefined)}
        />
      )}
    </header>
  );
}

/** The name as a heading; "Edit name" turns it into first and last name fields. */
function NameEditor({ contact, name }: { contact: Contact; name: string }) {
  const i18n = useI18n();
  const { t } = i18n;
  const update = useUpdateContact(contact.id);
  const [editing, setEditing] = useState(false);
  const errors = formErrors(update.error, i18n, ['firstName', 'lastName']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (key: string) => String(form.get(key)).trim() || null;
    update.mutate({ firstName: text('firstName'), lastName: text('lastName') }, { onSuccess: () => setEditing(false) });
  }

  if (!editing) {
    return (
      <h2 className="drawer-name">
        <button
          type="button"
          className="name-button"
          title={t('contacts.drawer.editName')}
          onClick={() => {
            update.reset();
            setEditing(true);
          }}
        >
          <span>{name}</span>
          <span className="name-button-hint" aria-hidden="true">
            ✎
          </span>
          <span className="visually-hidden">{t('contacts.drawer.editName')}</span>
        </button>
      </h2>
    );
  }

  return (
    <form
      className="name-form"
      onSubmit={submit}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.preventDefault();
          setEditing(false);
        }
      }}
      noValidate
    >
      <TextField label={t('contacts.field.firstName')} name="firstName" defaultValue={contact.firstName ?? ''} autoFocus error={errors.of('firstName')} />
      <TextField label={t('contacts.field.lastName')} name="lastName" defaultValue={contact.lastName ?? ''} error={errors.of('lastName')} />
      <FormAlert>{errors.general}</FormAlert>
      <div className="name-form-actions">
        <button type="submit" className="button button--primary button--small" disabled={update.isPending}>
          {t('action.save')}
        </button>
        <button type="button" className="button button--small" onClick={() => setEditing(false)}>
          {t('action.cancel')}
        </button>
      </div>
    </form>
  );
}
