import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api } from '../api.js';
import { useCountText } from '../contacts/contact-format.js';
import { type Tag, useTags } from '../contacts/contacts.queries.js';
import { useDebouncedValue } from '../contacts/useDebouncedValue.js';
import { useI18n } from '../i18n/i18n.js';
import { ConfirmDialog } from '../ui/ConfirmDialog.js';
import { formErrors } from '../ui/errors.js';
import { TextField } from '../ui/forms.js';

const TAGS_SHOWN = 200;

/**
 * Settings → Tags: the workspace's tags with how many contacts carry each. Only here is a tag
 * deleted from the workspace; taking it off a contact never does that (SPEC §2.1).
 */
export function TagsSettings() {
  const { t } = useI18n();
  const [search, setSearch] = useState('');
  const tags = useTags(useDebouncedValue(search.trim(), 250), TAGS_SHOWN);

  return (
    <section className="card" aria-labelledby="tags-heading">
      <header className="card-header">
        <h2 id="tags-heading">{t('tagsSettings.title')}</h2>
      </header>
      <p className="muted">{t('tagsSettings.intro')}</p>
      <TextField label={t('tagsSettings.search')} type="search" value={search} onChange={(event) => setSearch(event.target.value)} />
      {tags.data?.length === 0 && <p className="muted">{t('tagsSettings.none')}</p>}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('tagsSettings.name')}</th>
            <th scope="col">{t('tagsSettings.contacts')}</th>
            <th scope="col">
              <span className="visually-hidden">{t('tagsSettings.actions')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tags.data?.map((tag) => (
            <TagRow key={tag.id} tag={tag} />
          ))}
        </tbody>
      </table>
      {tags.data?.length === TAGS_SHOWN && <p className="muted">{t('tagsSettings.narrow', { count: TAGS_SHOWN })}</p>}
    </section>
  );
}

function TagRow({ tag }: { tag: Tag }) {
  const i18n = useI18n();
  const { t } = i18n;
  const counted = useCountText();
  const queryClient = useQueryClient();
  const [renaming, setRenaming] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: ['tags'] }), queryClient.invalidateQueries({ queryKey: ['contacts'] })]);
  const rename = useMutation({
    mutationFn: (name: string) => api.patch<Tag>(`/api/v1/tags/${tag.id}`, { name }),
    onSuccess: async () => {
      await refresh();
      setRenaming(false);
    },
  });
  const errors = formErrors(rename.error, i18n, ['name']);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    rename.mutate(String(new FormData(event.currentTarget).get('name')));
  }

  return (
    <tr>
      <td>
        {renaming ? (
          <form className="inline-form" onSubmit={submit} noValidate>
            <TextField label={t('tagsSettings.name')} name="name" defaultValue={tag.name} required autoFocus error={errors.of('name') ?? errors.general} />
            <button type="submit" className="button button--primary" disabled={rename.isPending}>
              {t('action.save')}
            </button>
            <button type="button" className="button" onClick={() => setRenaming(false)}>
              {t('action.cancel')}
            </button>
          </form>
        ) : (
          <span className="tag">{tag.name}</span>
        )}
      </td>
      <td>{counted('tagsSettings.count', tag.count)}</td>
      <td className="row-actions">
        {!renaming && (
          <button
            type="button"
            className="button button--small"
            aria-label={t('tagsSettings.renameOf', { name: tag.name })}
            onClick={() => {
              rename.reset();
              setRenaming(true);
            }}
          >
            {t('tagsSettings.rename')}
          </button>
        )}
        <button type="button" className="button button--small button--danger-text" aria-label={t('tagsSettings.deleteOf', { name: tag.name })} onClick={() => setDeleting(true)}>
          {t('action.delete')}
        </button>
        {deleting && (
          <ConfirmDialog
            title={t('tagsSettings.deleteTitle', { name: tag.name })}
            message={counted('tagsSettings.deleteBody', tag.count)}
            confirmLabel={t('tagsSettings.deleteConfirm')}
            onConfirm={async () => {
              await api.delete(`/api/v1/tags/${tag.id}`);
              await refresh();
            }}
            onClose={() => setDeleting(false)}
          />
        )}
      </td>
    </tr>
  );
}
