import { useI18n } from '../i18n/i18n.js';
import { useRealtime } from '../realtime/realtime.js';

export function ConnectionIndicator() {
  const { t } = useI18n();
  const { state } = useRealtime();
  const label = state === 'connected' ? t('connection.connected') : t('connection.reconnecting');
  return <span role="img" className={`dot dot--${state === 'connected' ? 'online' : 'offline'}`} aria-label={label} title={label} />;
}
