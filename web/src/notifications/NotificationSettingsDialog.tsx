import { useState } from 'react';
import { useI18n } from '../i18n/i18n.js';
import { Dialog } from '../ui/Dialog.js';
import { errorMessage } from '../ui/errors.js';
import { FormAlert } from '../ui/forms.js';
import type { NotificationSettings } from './notification-rules.js';
import { useNotificationSettings, useUpdateNotificationSettings } from './notifications.queries.js';
import { chime } from './Notifier.js';

type Choice = Exclude<keyof NotificationSettings, 'desktop' | 'sound'>;
const events: Choice[] = ['newConversation', 'newMessage', 'mention'];

/** The user's own notifications: desktop (with the browser's permission), a sound, and for which events. Each change saves at once. */
export function NotificationSettingsDialog({ onClose }: { onClose: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const settings = useNotificationSettings();
  const update = useUpdateNotificationSettings();
  const supported = 'Notification' in window;
  const [permission, setPermission] = useState(supported ? Notification.permission : 'denied');
  const current = settings.data;

  async function setDesktop(on: boolean) {
    if (on && supported && Notification.permission !== 'granted') {
      const answer = await Notification.requestPermission();
      setPermission(answer);
      if (answer !== 'granted') return;
    }
    update.mutate({ desktop: on });
  }

  return (
    <Dialog title={t('notifications.title')} onClose={onClose}>
      {current && (
        <div className="form notification-settings">
          <label className="choice">
            <input type="checkbox" checked={current.desktop && permission === 'granted'} disabled={!supported} onChange={(event) => void setDesktop(event.target.checked)} />
            {t('notifications.desktop')}
          </label>
          {!supported && <p className="field-hint">{t('notifications.unsupported')}</p>}
          {supported && permission === 'denied' && <p className="field-hint">{t('notifications.denied')}</p>}
          <label className="choice">
            <input
              type="checkbox"
              checked={current.sound}
              onChange={(event) => {
                if (event.target.checked) chime();
                update.mutate({ sound: event.target.checked });
              }}
            />
            {t('notifications.sound')}
          </label>
          <fieldset className="field">
            <legend>{t('notifications.events')}</legend>
            {events.map((each) => (
              <label key={each} className="choice">
                <input type="checkbox" checked={current[each]} onChange={(event) => update.mutate({ [each]: event.target.checked })} />
                {t(`notifications.event.${each}`)}
              </label>
            ))}
          </fieldset>
          <p className="field-hint">{t('notifications.whileOpen')}</p>
        </div>
      )}
      <FormAlert>{settings.error ?? update.error ? errorMessage(settings.error ?? update.error, i18n) : undefined}</FormAlert>
      <div className="dialog-actions">
        <button type="button" className="button button--primary" onClick={onClose}>
          {t('action.done')}
        </button>
      </div>
    </Dialog>
  );
}
