import { useQuery } from '@tanstack/react-query';
import { api } from '../api.js';
import { useI18n } from '../i18n/i18n.js';
import { Avatar } from '../ui/Avatar.js';
import { errorMessage } from '../ui/errors.js';

type Contact = {
  id: string;
  firstName: string | null;
  lastName: string | null;
  displayName: string | null;
  email: string | null;
  phone: string | null;
  country: string | null;
  language: string | null;
  tags: string[];
  blocked: boolean;
  createdAt: string;
};

/** Right column: who the contact is, read-only, until the Contacts module's drawer takes this place. */
export function ContactPanel({ contactId }: { contactId: string }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const contact = useQuery({ queryKey: ['contacts', 'detail', contactId], queryFn: () => api.get<Contact>(`/api/v1/contacts/${contactId}`) });

  if (contact.error) {
    return (
      <aside className="contact-panel" aria-label={t('inbox.contact.title')}>
        <p role="alert" className="alert alert--error">
          {errorMessage(contact.error, i18n)}
        </p>
      </aside>
    );
  }
  const data = contact.data;
  if (!data) return <aside className="contact-panel" aria-busy="true" aria-label={t('inbox.contact.title')} />;

  const name = [data.firstName, data.lastName].filter(Boolean).join(' ') || data.displayName || t('inbox.unknownContact');
  const regionName = (code: string) => new Intl.DisplayNames([language], { type: 'region' }).of(code) ?? code;
  const languageName = (code: string) => new Intl.DisplayNames([language], { type: 'language' }).of(code) ?? code;
  const rows: Array<[string, string | null]> = [
    [t('inbox.contact.email'), data.email],
    [t('inbox.contact.phone'), data.phone],
    [t('inbox.contact.country'), data.country && regionName(data.country)],
    [t('inbox.contact.language'), data.language && languageName(data.language)],
    [t('inbox.contact.since'), new Date(data.createdAt).toLocaleDateString(language, { dateStyle: 'medium' })],
  ];

  return (
    <aside className="contact-panel" aria-label={t('inbox.contact.title')}>
      <header className="contact-panel-header">
        <Avatar name={name} />
        <h2>{name}</h2>
        {data.blocked && <span className="badge badge--blocked">{t('inbox.blocked')}</span>}
      </header>
      <dl className="contact-fields">
        {rows.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value ?? <span className="muted">—</span>}</dd>
          </div>
        ))}
      </dl>
      {data.tags.length > 0 && (
        <ul className="chips" aria-label={t('inbox.contact.tags')}>
          {data.tags.map((tag) => (
            <li key={tag} className="chip contact-tag">
              {tag}
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
