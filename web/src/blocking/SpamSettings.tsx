import { type FormEvent, useState } from 'react';
import { channelTypeName } from '../contacts/contact-format.js';
import { useChannels } from '../contacts/contacts.queries.js';
import { useI18n } from '../i18n/i18n.js';
import { errorMessage, formErrors } from '../ui/errors.js';
import { FormAlert, FormSuccess, TextField } from '../ui/forms.js';
import { type ChannelSpamSettings, type SpamAction, spamActions, type SpamSettings as Settings, useSaveSpamSettings, useSpamSettings } from './spam.queries.js';
import './blocking.css';

/** A channel the settings do not name takes no action; 100 is the server's default threshold. */
const NO_ACTION: ChannelSpamSettings = { action: 'none', threshold: 100 };

/** `https://Bit.ly/x` → `bit.ly`: a domain is what the blocklist matches links against. The server has the last word. */
const domainOf = (input: string) =>
  input
    .trim()
    .toLowerCase()
    .replace(/^[a-z]+:\/\//, '')
    .replace(/[/?#].*$/, '');

const looksLikeDomain = (value: string) => /^[^\s.]+(\.[^\s.]+)+$/u.test(value);

/** Settings → Spam: which links are suspect, when a burst or repeated text counts, and what each channel does above its threshold. */
export function SpamSettings() {
  const i18n = useI18n();
  const settings = useSpamSettings();
  if (settings.error) return <FormAlert>{errorMessage(settings.error, i18n)}</FormAlert>;
  if (!settings.data) return <div className="card" aria-busy="true" />;
  return <SpamSettingsForm saved={settings.data} />;
}

function SpamSettingsForm({ saved }: { saved: Settings }) {
  const i18n = useI18n();
  const { t } = i18n;
  const channels = useChannels();
  const save = useSaveSpamSettings();
  const [settings, setSettings] = useState(saved);
  const [domain, setDomain] = useState('');
  const [domainRefused, setDomainRefused] = useState(false);
  const errors = formErrors(save.error, i18n, ['burstPerMinute', 'repeatedTextContacts']);

  function change(next: Partial<Settings>) {
    save.reset();
    setSettings({ ...settings, ...next });
  }

  function changeChannel(id: string, next: Partial<ChannelSpamSettings>) {
    change({ channels: { ...settings.channels, [id]: { ...(settings.channels[id] ?? NO_ACTION), ...next } } });
  }

  function addDomain() {
    const added = domainOf(domain);
    if (!looksLikeDomain(added)) {
      setDomainRefused(true);
      return;
    }
    if (!settings.blockedDomains.includes(added)) change({ blockedDomains: [...settings.blockedDomains, added] });
    setDomain('');
  }

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    save.mutate(settings);
  }

  return (
    <form className="card form spam-settings" onSubmit={submit} noValidate>
      <p className="muted">{t('spam.settings.intro')}</p>

      <fieldset className="field">
        <legend>{t('spam.settings.blockedDomains')}</legend>
        <p className="field-hint">{t('spam.settings.blockedDomains.hint')}</p>
        {settings.blockedDomains.length > 0 ? (
          <ul className="chips" aria-label={t('spam.settings.blockedDomains')}>
            {settings.blockedDomains.map((each) => (
              <li key={each} className="chip">
                {each}
                <button
                  type="button"
                  className="chip-remove"
                  aria-label={t('spam.settings.removeDomain', { domain: each })}
                  onClick={() => change({ blockedDomains: settings.blockedDomains.filter((other) => other !== each) })}
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : (
          <p className="muted">{t('spam.settings.noDomains')}</p>
        )}
        <div className="inline-form">
          <TextField
            label={t('spam.settings.addDomain')}
            value={domain}
            placeholder="example.com"
            error={domainRefused ? t('spam.settings.invalidDomain') : undefined}
            onChange={(event) => {
              setDomain(event.target.value);
              setDomainRefused(false);
            }}
            onKeyDown={(event) => {
              if (event.key !== 'Enter') return;
              event.preventDefault();
              addDomain();
            }}
          />
          <button type="button" className="button" disabled={!domain.trim()} onClick={addDomain}>
            {t('spam.settings.add')}
          </button>
        </div>
      </fieldset>

      <TextField
        label={t('spam.settings.burstPerMinute')}
        hint={t('spam.settings.burstPerMinute.hint')}
        type="number"
        inputMode="numeric"
        min={2}
        max={1000}
        step={1}
        className="input--short"
        value={settings.burstPerMinute}
        error={errors.of('burstPerMinute')}
        onChange={(event) => change({ burstPerMinute: event.target.valueAsNumber })}
      />
      <TextField
        label={t('spam.settings.repeatedTextContacts')}
        hint={t('spam.settings.repeatedTextContacts.hint')}
        type="number"
        inputMode="numeric"
        min={2}
        max={1000}
        step={1}
        className="input--short"
        value={settings.repeatedTextContacts}
        error={errors.of('repeatedTextContacts')}
        onChange={(event) => change({ repeatedTextContacts: event.target.valueAsNumber })}
      />

      <fieldset className="field">
        <legend>{t('spam.settings.channels')}</legend>
        <p className="field-hint">{t('spam.settings.channels.hint')}</p>
        {channels.data?.length === 0 && <p className="muted">{t('spam.settings.noChannels')}</p>}
        {channels.data && channels.data.length > 0 && (
          <table className="table spam-channels">
            <thead>
              <tr>
                <th scope="col">{t('spam.settings.channel')}</th>
                <th scope="col">{t('spam.settings.action')}</th>
                <th scope="col">{t('spam.settings.threshold')}</th>
              </tr>
            </thead>
            <tbody>
              {channels.data.map((channel) => {
                const current = settings.channels[channel.id] ?? NO_ACTION;
                return (
                  <tr key={channel.id}>
                    <th scope="row">
                      {channel.name} <span className="muted">· {channelTypeName(channel.type, t)}</span>
                    </th>
                    <td>
                      <select
                        aria-label={t('spam.settings.actionOf', { channel: channel.name })}
                        value={current.action}
                        onChange={(event) => changeChannel(channel.id, { action: event.target.value as SpamAction })}
                      >
                        {spamActions.map((action) => (
                          <option key={action} value={action}>
                            {t(`spam.settings.action.${action}`)}
                          </option>
                        ))}
                      </select>
                    </td>
                    <td>
                      <input
                        type="number"
                        inputMode="numeric"
                        min={1}
                        max={10_000}
                        step={1}
                        className="input--short"
                        aria-label={t('spam.settings.thresholdOf', { channel: channel.name })}
                        disabled={current.action === 'none'}
                        value={current.threshold}
                        onChange={(event) => changeChannel(channel.id, { threshold: event.target.valueAsNumber })}
                      />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </fieldset>

      <FormAlert>{errors.general}</FormAlert>
      <FormSuccess>{save.isSuccess ? t('spam.settings.saved') : undefined}</FormSuccess>
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={save.isPending}>
          {t('action.save')}
        </button>
      </div>
    </form>
  );
}
