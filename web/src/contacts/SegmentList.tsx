import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { Dialog } from '../ui/Dialog.js';
import { formErrors } from '../ui/errors.js';
import { FormAlert, TextField, FormActions } from '../ui/forms.js';
import { type ContactFilter, cleanFilter, filterFromSaved, isFiltered, sameFilter } from './contact-filter.js';
import { type Segment, useSegments } from './contacts.queries.js';

/**
 * All contacts, the built-in Blocked contacts segment, then the saved segments (SPEC §2.3).
 * Opening a segment puts its filter in force; a segment is shown as open while the filter in
 * force is exactly its own.
 */
export function SegmentList({ filter, onOpen }: { filter: ContactFilter; onOpen: (filter: ContactFilter) => void }) {
  const { t } = useI18n();
  const segments = useSegments();
  const builtIn = segments.data?.filter((segment) => segment.builtIn) ?? [];
  const saved = segments.data?.filter((segment) => !segment.builtIn) ?? [];

  return (
    <nav className="segments" aria-label={t('contacts.segments.title')}>
      <ul className="segment-list">
        <li>
          <button type="button" className="segment-link" aria-current={!isFiltered(filter) || undefined} onClick={() => onOpen({})}>
            {t('contacts.segments.all')}
          </button>
        </li>
        {builtIn.map((segment) => (
          <li key={segment.id}>
            <button
              type="button"
              className="segment-link"
              aria-current={sameFilter(filter, filterFromSaved(segment.filter)) || undefined}
              onClick={() => onOpen(filterFromSaved(segment.filter))}
            >
              {segment.id === 'blocked' ? t('contacts.segments.blocked') : segment.name}
            </button>
          </li>
        ))}
      </ul>
      <h2 className="segments-heading">{t('contacts.segments.saved')}</h2>
      {segments.isSuccess && saved.length === 0 && <p className="muted segments-none">{t('contacts.segments.none')}</p>}
      <ul className="segment-list">
        {saved.map((segment) => (
          <SavedSegment key={segment.id} segment={segment} open={sameFilter(filter, filterFromSaved(segment.filter))} onOpen={onOpen} />
        ))}
      </ul>
    </nav>
  );
}

function SavedSegment({ segment, open, onOpen }: { segment: Segment; open: boolean; onOpen: (filter: ContactFilter) => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queryClient = useQueryClient();
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const rename = useMutation({
    mutationFn: (name: string) => api.patch<Segment>(`/api/v1/segments/${segment.id}`, { name }),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['segments'] }),
  });
  const errors = formErrors(rename.error, i18n, ['name']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    rename.mutate(String(new FormData(event.currentTarget).get('name')), { onSuccess: () => setRenaming(false) });
  }

  if (renaming) {
    return (
      <li>
        <form className="segment-rename" onSubmit={submit} noValidate>
          <TextField label={t('contacts.segments.name')} name="name" defaultValue={segment.name} required autoFocus error={errors.of('name') ?? errors.general} />
          <div className="segment-rename-actions">
            <button type="submit" className="button button--primary button--small" disabled={rename.isPending}>
              {t('action.save')}
            </button>
            <button type="button" className="button button--small" onClick={() => setRenaming(false)}>
              {t('action.cancel')}
            </button>
          </div>
        </form>
      </li>
    );
  }

  return (
    <li className="segment-item">
      <button type="button" className="segment-link" aria-current={open || undefined} onClick={() => onOpen(filterFromSaved(segment.filter))}>
        {segment.name}
      </button>
      <button
        type="button"
        className="button button--icon segment-action"
        aria-label={t('contacts.segments.renameOf', { name: segment.name })}
        title={t('contacts.segments.renameOf', { name: segment.name })}
        onClick={() => {
          rename.reset();
          setRenaming(true);
        }}
      >
        ✎
      </button>
      <button
        type="button"
        className="button button--icon segment-action"
        aria-label={t('contacts.segments.deleteOf', { name: segment.name })}
        title={t('contacts.segments.deleteOf', { name: segment.name })}
        onClick={() => setDeleting(true)}
      >
        ×
      </button>
      {deleting && (
        <ConfirmDialog
          title={t('contacts.segments.deleteTitle', { name: segment.name })}
          message={t('contacts.segments.deleteBody')}
          confirmLabel={t('contacts.segments.deleteConfirm')}
          onConfirm={async () => {
            await api.delete(`/api/v1/segments/${segment.id}`);
            await queryClient.invalidateQueries({ queryKey: ['segments'] });
          }}
          onClose={() => setDeleting(false)}
        />
      )}
    </li>
  );
}

/** Names the filter in force and saves it as a segment. */
export function SaveSegmentDialog({ filter, onClose }: { filter: ContactFilter; onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: (name: string) => api.post<Segment>('/api/v1/segments', { name, filter: cleanFilter(filter) }),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['segments'] });
      onClose();
    },
  });
  const errors = formErrors(save.error, i18n, ['name']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate(String(new FormData(event.currentTarget).get('name')));
  }

  return (
    <Dialog title={t('contacts.segments.saveTitle')} onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <TextField label={t('contacts.segments.name')} name="name" required error={errors.of('name')} />
        <FormAlert>{errors.general}</FormAlert>
        <FormActions onCancel={onClose} submitLabel={t('contacts.segments.save')} pending={save.isPending} />
      </form>
    </Dialog>
  );
}
