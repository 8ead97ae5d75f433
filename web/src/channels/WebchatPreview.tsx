import { useI18n } from '../i18n/i18n.js';

/**
 * The website chat as a visitor will see it, redrawn as the form changes: colour, position,
 * greeting and the pre-chat form. A picture of the widget (widget/src), not the widget itself:
 * it shows settings before they are saved.
 */
export function WebchatPreview({ settings }: { settings: Record<string, unknown> }) {
  const { t } = useI18n();
  const color = typeof settings.color === 'string' && /^#[0-9a-fA-F]{6}$/.test(settings.color) ? settings.color : '#2563eb';
  const left = settings.position === 'left';
  const greeting = typeof settings.greeting === 'string' ? settings.greeting : '';
  const askName = settings.askName === true;
  const askEmail = settings.askEmail === true;
  return (
    <section className="webchat-preview-section" aria-labelledby="webchat-preview-title">
      <h3 id="webchat-preview-title">{t('webchat.preview.title')}</h3>
      <div className={`webchat-preview ${left ? 'webchat-preview--left' : ''}`} role="img" aria-label={t('webchat.preview.label')}>
        <div className="webchat-preview-panel">
          <div className="webchat-preview-header" style={{ background: color }}>
            {t('webchat.preview.heading')}
          </div>
          <div className="webchat-preview-log">
            {greeting && <p className="webchat-preview-greeting">{greeting}</p>}
            {askName || askEmail ? (
              <div className="webchat-preview-form">
                {askName && <span className="webchat-preview-input">{t('webchat.preview.name')}</span>}
                {askEmail && <span className="webchat-preview-input">{t('webchat.preview.email')}</span>}
                <span className="webchat-preview-button" style={{ background: color }}>
                  {t('webchat.preview.start')}
                </span>
              </div>
            ) : (
              <>
                <p className="webchat-preview-bubble webchat-preview-bubble--in" style={{ background: color }}>
                  {t('webchat.preview.visitor')}
                </p>
                <p className="webchat-preview-bubble webchat-preview-bubble--out">{t('webchat.preview.agent')}</p>
              </>
            )}
          </div>
          {!(askName || askEmail) && <div className="webchat-preview-composer">{t('webchat.preview.message')}</div>}
        </div>
        <span className="webchat-preview-launcher" style={{ background: color }} />
      </div>
    </section>
  );
}
