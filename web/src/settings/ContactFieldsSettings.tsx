import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type DragEvent, useEffect, useRef, useState } from 'react';
import { api } from '../api.js';
import { type CustomField, useCustomFields } from '../contacts/contacts.queries.js';
import { useI18n } from '../i18n/i18n.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { RowButton } from '../ui/RowButton.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import { ContactFieldsForm } from './ContactFieldsForm.js';
import '../contacts/contacts.css';

/** `ids` with the one at `from` moved to `to`. */
function moved(ids: string[], from: number, to: number): string[] {
  const next = ids.filter((_, index) => index !== from);
  next.splice(to, 0, ids[from]!);
  return next;
}

/**
 * Settings → Contact fields: the workspace's custom fields (SPEC §2.1) in the order contacts show
 * them. The order changes by dragging a field, or with its up and down buttons.
 */
export function ContactFieldsSettings() {
  const i18n = useI18n();
  const { t } = i18n;
  const queryClient = useQueryClient();
  const fields = useCustomFields();
  const [editing, setEditing] = useState<CustomField | 'new' | null>(null);
  const [deleting, setDeleting] = useState<CustomField | null>(null);
  const [dragged, setDragged] = useState<number | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const list = useRef<HTMLOListElement>(null);
  const focusAfterMove = useRef<{ id: string; direction: 'up' | 'down' } | null>(null);

  const reorder = useMutation({
    mutationFn: (ids: string[]) => api.post<{ items: CustomField[] }>('/api/v1/custom-fields/order', { ids }),
    onMutate: (ids) => {
      const byId = new Map((fields.data ?? []).map((field) => [field.id, field]));
      queryClient.setQueryData<CustomField[]>(['custom-fields'], ids.map((id, position) => ({ ...byId.get(id)!, position })));
    },
    onSuccess: (answer) => queryClient.setQueryData(['custom-fields'], answer.items),
    onError: () => queryClient.invalidateQueries({ queryKey: ['custom-fields'] }),
  });

  // A moved row keeps the keyboard focus, on whichever of its arrows still applies.
  useEffect(() => {
    const wanted = focusAfterMove.current;
    if (!wanted || !list.current) return;
    focusAfterMove.current = null;
    const buttons = [...list.current.querySelectorAll<HTMLButtonElement>(`[data-move-of="${wanted.id}"]`)].filter((button) => !button.disabled);
    (buttons.find((button) => button.dataset.direction === wanted.direction) ?? buttons[0])?.focus();
  }, [fields.data]);

  function move(from: number, to: number) {
    const items = fields.data ?? [];
    if (to < 0 || to >= items.length || from === to) return;
    const field = items[from]!;
    focusAfterMove.current = { id: field.id, direction: to < from ? 'up' : 'down' };
    reorder.mutate(moved(items.map((each) => each.id), from, to));
    setAnnouncement(t('contactFields.movedTo', { label: field.label, position: to + 1, count: items.length }));
  }

  function onDrop(event: DragEvent, to: number) {
    event.preventDefault();
    if (dragged !== null) move(dragged, to);
    setDragged(null);
  }

  return (
    <section className="card" aria-labelledby="contact-fields-heading">
      <header className="card-header">
        <h2 id="contact-fields-heading">{t('contactFields.title')}</h2>
        <button type="button" className="button button--primary" onClick={() => setEditing('new')}>
          {t('contactFields.add')}
        </button>
      </header>
      <p className="muted">{t('contactFields.intro')}</p>
      <FormAlert>{reorder.error ? errorMessage(reorder.error, i18n) : undefined}</FormAlert>
      {fields.data?.length === 0 && <p className="muted">{t('contactFields.none')}</p>}
      <ol ref={list} className="field-list">
        {fields.data?.map((field, index) => (
          <li
            key={field.id}
            className={`field-row${dragged === index ? ' field-row--dragged' : ''}`}
            draggable
            onDragStart={(event) => {
              event.dataTransfer.effectAllowed = 'move';
              event.dataTransfer.setData('text/plain', field.key);
              setDragged(index);
            }}
            onDragOver={(event) => {
              if (dragged !== null) event.preventDefault();
            }}
            onDrop={(event) => onDrop(event, index)}
            onDragEnd={() => setDragged(null)}
          >
            <span className="drag-handle" aria-hidden="true" title={t('contactFields.drag')}>
              ⠿
            </span>
            <span className="field-row-label">
              <strong>{field.label}</strong>
              <code className="muted">{field.key}</code>
            </span>
            <span className="badge">{t(`contactFields.type.${field.type}`)}</span>
            <span className="field-row-options muted">{field.options?.join(', ')}</span>
            <span className="row-actions">
              <button
                type="button"
                className="button button--icon"
                data-move-of={field.id}
                data-direction="up"
                aria-label={t('contactFields.moveUp', { label: field.label })}
                title={t('contactFields.moveUp', { label: field.label })}
                disabled={index === 0}
                onClick={() => move(index, index - 1)}
              >
                ↑
              </button>
              <button
                type="button"
                className="button button--icon"
                data-move-of={field.id}
                data-direction="down"
                aria-label={t('contactFields.moveDown', { label: field.label })}
                title={t('contactFields.moveDown', { label: field.label })}
                disabled={index === (fields.data?.length ?? 0) - 1}
                onClick={() => move(index, index + 1)}
              >
                ↓
              </button>
              <RowButton label={t('contactFields.editOf', { label: field.label })} onClick={() => setEditing(field)}>
                {t('contactFields.edit')}
              </RowButton>
              <RowButton label={t('contactFields.deleteOf', { label: field.label })} onClick={() => setDeleting(field)} danger>
                {t('action.delete')}
              </RowButton>
            </span>
          </li>
        ))}
      </ol>
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      {editing && <ContactFieldsForm field={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
      {deleting && (
        <ConfirmDialog
          title={t('contactFields.deleteTitle', { label: deleting.label })}
          message={t('contactFields.deleteBody')}
          confirmLabel={t('contactFields.deleteConfirm')}
          onConfirm={async () => {
            await api.delete(`/api/v1/custom-fields/${deleting.id}`);
            await queryClient.invalidateQueries({ queryKey: ['custom-fields'] });
          }}
          onClose={() => setDeleting(null)}
        />
      )}
    </section>
  );
}
