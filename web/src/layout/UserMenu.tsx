import { useId, useRef, useState } from 'react';
import { isLanguage, languageNames, languages, useI18n } from '../i18n/i18n.js';
import { NotificationSettingsDialog } from '../notifications/NotificationSettingsDialog.js';
import { ChangePasswordDialog } from '../session/ChangePasswordDialog.js';
import { useChangeLanguage, useSession, useSignOut } from '../session/session.js';
import { Avatar } from '../ui/Avatar.js';
import { SelectField } from '../ui/forms.js';

export function UserMenu() {
  const { t, language } = useI18n();
  const { user } = useSession();
  const signOut = useSignOut();
  const changeLanguage = useChangeLanguage();
  const [changingPassword, setChangingPassword] = useState(false);
  const [notifying, setNotifying] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const panelId = useId();

  return (
    <div className="user-menu">
      {/* Named by its text, so what a person sees is what a voice user says (no aria-label that differs from it). */}
      <button type="button" className="user-menu-button" popoverTarget={panelId}>
        <Avatar name={user.name} />
        <span className="user-menu-name">{user.name}</span>
        <span className="visually-hidden">{t('userMenu.label')}</span>
      </button>
      <div ref={panel} id={panelId} popover="auto" className="user-menu-panel">
        <div className="user-menu-identity">
          <strong>{user.name}</strong>
          <span>{user.email}</span>
          <span className="badge">{t(`role.${user.role}`)}</span>
        </div>
        <SelectField
          label={t('userMenu.language')}
          value={language}
          disabled={changeLanguage.isPending}
          onChange={(event) => {
            if (isLanguage(event.target.value)) changeLanguage.mutate(event.target.value);
          }}
        >
          {languages.map((option) => (
            <option key={option} value={option} lang={option}>
              {languageNames[option]}
            </option>
          ))}
        </SelectField>
        <button
          type="button"
          className="button button--block"
          onClick={() => {
            panel.current?.hidePopover();
            setNotifying(true);
          }}
        >
          {t('notifications.open')}
        </button>
        <button
          type="button"
          className="button button--block"
          onClick={() => {
            panel.current?.hidePopover();
            setChangingPassword(true);
          }}
        >
          {t('userMenu.changePassword')}
        </button>
        <button type="button" className="button button--block" disabled={signOut.isPending} onClick={() => signOut.mutate()}>
          {t('userMenu.signOut')}
        </button>
      </div>
      {changingPassword && <ChangePasswordDialog onClose={() => setChangingPassword(false)} />}
      {notifying && <NotificationSettingsDialog onClose={() => setNotifying(false)} />}
    </div>
  );
}
