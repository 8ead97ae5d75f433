import { useId, useState } from 'react';
import { useI18n } from '../i18n/i18n.js';

/** "Show selected": the contacts chosen so far, over every search, each with a way to leave the selection. */
export function SelectedContacts({ chosen, onDeselect }: { chosen: ReadonlyMap<string, string>; onDeselect: (id: string) => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const listId = useId();
  return (
    <div className="selected-contacts">
      <button type="button" className="button button--small" aria-expanded={open} aria-controls={listId} onClick={() => setOpen(!open)}>
        {t(open ? 'contacts.select.hideSelected' : 'contacts.select.showSelected')}
      </button>
      {open && (
        <ul id={listId} className="chips selected-contacts-list" aria-label={t('contacts.select.selectedList')}>
          {[...chosen].map(([id, name]) => (
            <li key={id} className="chip">
              {name}
              <button type="button" className="chip-remove" aria-label={t('contacts.select.deselect', { name })} title={t('contacts.select.deselect', { name })} onClick={() => onDeselect(id)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
