import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { channelTypeName, formatWhen } from '../contacts/contact-format.js';
import type { MessageKey } from '../i18n/en.js';
import { isMessageKey, useI18n } from '../i18n/i18n.js';
import { Dialog } from '../ui/Dialog.js';
import { errorMessage, formErrors } from '../ui/errors.js';
import { CheckboxField, FormActions, FormAlert, FormSuccess, SelectField, TextField } from '../ui/forms.js';
import { type Channel, type ChannelType, type SettingsField, type TestResult, useChannels, useChannelTypes, useSaveChannel, useTestChannel } from './channels.queries.js';
import { WebchatPreview } from './WebchatPreview.js';

/**
 * Connects a channel, or edits one. The form is drawn from the type's field description (the
 * server's channel modules), so a new type needs texts, not code; secrets are never shown and an
 * empty secret field keeps the stored one. Once connected: the webhook URL and verify token to
 * paste into the provider's console, and a connection test.
 */
export function ChannelDialog({ channel, onClose }: { channel?: Channel; onClose: () => void }) {
  const { t } = useI18n();
  const types = useChannelTypes();
  const [connectedId, setConnectedId] = useState<string>();
  const title = channel ? t('channels.editTitle', { name: channel.name }) : t('channels.connectTitle');

  return (
    <Dialog title={title} onClose={onClose}>
      {connectedId ? (
        <Connected id={connectedId} onClose={onClose} />
      ) : (
        types.data && <ChannelForm types={types.data} channel={channel} onSaved={(saved) => (channel ? onClose() : setConnectedId(saved.id))} onCancel={onClose} />
      )}
      {channel && !connectedId && <ChannelDetails id={channel.id} />}
    </Dialog>
  );
}

function ChannelForm({ types, channel, onSaved, onCancel }: { types: ChannelType[]; channel?: Channel; onSaved: (channel: Channel) => void; onCancel: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [typeName, setTypeName] = useState(channel?.type ?? types[0]?.type ?? '');
  const type = types.find((each) => each.type === typeName);
  const save = useSaveChannel(channel?.id);
  const errors = formErrors(save.error, i18n, ['name', ...(type?.form.map((field) => field.key) ?? [])]);
  // What the form holds now, for a type with a live preview (the website chat).
  const [draft, setDraft] = useState<Record<string, unknown>>(() => ({ ...Object.fromEntries(type?.form.map((field) => [field.key, field.default]) ?? []), ...channel?.settings }));
  const readDraft = (form: HTMLFormElement) => {
    if (!type) return;
    const data = new FormData(form);
    setDraft(Object.fromEntries(type.form.map((field) => [field.key, settingValue(field, data) ?? field.default])));
  };

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!type) return;
    const form = new FormData(event.currentTarget);
    const settings: Record<string, unknown> = {};
    for (const field of type.form) {
      const value = settingValue(field, form);
      // Left empty: a secret is kept, a generated value is made, an optional one takes its default.
      if (value !== undefined) settings[field.key] = value;
    }
    const name = String(form.get('name') ?? '').trim() || channelTypeName(type.type, t);
    save.mutate(channel ? { name, settings } : { type: type.type, name, settings }, { onSuccess: onSaved });
  }

  return (
    <form onSubmit={submit} onChange={(event) => readDraft(event.currentTarget)} noValidate className="channel-form">
      {!channel && (
        <SelectField label={t('channels.type')} value={typeName} onChange={(event) => setTypeName(event.target.value)}>
          {types.map((each) => (
            <option key={each.type} value={each.type}>
              {channelTypeName(each.type, t)}
            </option>
          ))}
        </SelectField>
      )}
      <TextField label={t('channels.name')} name="name" defaultValue={channel?.name} hint={t('channels.nameHint')} error={errors.of('name')} autoComplete="off" />
      {type?.form.map((field) => <SettingInput key={`${type.type}-${field.key}`} type={type.type} field={field} channel={channel} error={errors.of(field.key)} />)}
      {type?.type === 'webchat' && <WebchatPreview settings={draft} />}
      <FormAlert>{errors.general}</FormAlert>
      <FormActions onCancel={onCancel} submitLabel={channel ? t('action.save') : t('channels.connectSubmit')} pending={save.isPending} />
    </form>
  );
}

function settingValue(field: SettingsField, form: FormData): unknown {
  if (field.kind === 'boolean') return form.get(field.key) === 'on';
  const text = String(form.get(field.key) ?? '').trim();
  if (text === '') return undefined;
  if (field.kind === 'number') return Number(text);
  if (field.kind === 'list') return text.split(/[\n,]/).map((item) => item.trim()).filter(Boolean);
  return text;
}

function SettingInput({ type, field, channel, error }: { type: string; field: SettingsField; channel?: Channel; error?: string }) {
  const { t } = useI18n();
  const id = useId();
  // A type's own words first (`channels.field.wechat.appSecret`): two providers may share a key, not its explanation.
  const own = (key: string) => (isMessageKey(`channels.field.${type}.${key}`) ? `channels.field.${type}.${key}` : `channels.field.${key}`);
  const labelKey = own(field.key);
  const hintKey = isMessageKey(`channels.field.${type}.${field.key}.hint`) ? `channels.field.${type}.${field.key}.hint` : `channels.field.${field.key}.hint`;
  const label = isMessageKey(labelKey) ? t(labelKey) : field.key;
  const stored = channel?.settings?.[field.key];
  const secretSet = field.kind === 'secret' && channel?.secretsSet?.includes(field.key);
  const hint = secretSet
    ? t('channels.secretSet')
    : field.kind === 'generated' && !channel
      ? t('channels.generatedHint')
      : isMessageKey(hintKey)
        ? t(hintKey)
        : undefined;
  if (field.kind === 'boolean') {
    return <CheckboxField label={label} name={field.key} defaultChecked={Boolean(stored ?? field.default)} hint={hint} error={error} />;
  }
  if (field.kind === 'choice') {
    return (
      <SelectField label={label} name={field.key} defaultValue={String(stored ?? field.default ?? '')} hint={hint} error={error}>
        {(field.options ?? []).map((option) => {
          const optionKey = `channels.option.${option}`;
          return (
            <option key={option} value={option}>
              {isMessageKey(optionKey) ? t(optionKey) : option}
            </option>
          );
        })}
      </SelectField>
    );
  }
  if (field.kind === 'list') {
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <textarea id={id} name={field.key} rows={3} defaultValue={Array.isArray(stored) ? stored.join('\n') : ''} aria-invalid={error ? true : undefined} />
        {hint && <p className="field-hint">{hint}</p>}
        {error && <p className="field-error">{error}</p>}
      </div>
    );
  }
  const inputType = { secret: 'password', url: 'url', number: 'number', color: 'color' }[field.kind as string] ?? 'text';
  return (
    <TextField
      label={label}
      name={field.key}
      type={inputType}
      defaultValue={field.kind === 'secret' ? undefined : String(stored ?? field.default ?? '')}
      required={field.required && !secretSet && field.kind !== 'generated'}
      autoComplete={field.kind === 'secret' ? 'new-password' : 'off'}
      spellCheck={false}
      hint={hint}
      error={error}
    />
  );
}

/** Right after connecting: what to paste into the provider's console, and whether the credentials work. */
function Connected({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useI18n();
  const channel = useChannels().data?.find((each) => each.id === id);
  const type = useChannelTypes().data?.find((each) => each.type === channel?.type);
  return (
    <>
      {channel && <FormSuccess>{t(type?.inbound === 'smtp' ? 'channels.connectedMail' : 'channels.connected', { name: channel.name })}</FormSuccess>}
      <ChannelDetails id={id} testAtOnce />
      <div className="dialog-actions">
        <button type="button" className="button button--primary" onClick={onClose}>
          {t('action.done')}
        </button>
      </div>
    </>
  );
}

function ChannelDetails({ id, testAtOnce = false }: { id: string; testAtOnce?: boolean }) {
  const i18n = useI18n();
  const { t, language } = i18n;
  const channel = useChannels().data?.find((each) => each.id === id);
  const type = useChannelTypes().data?.find((each) => each.type === channel?.type);
  const test = useTestChannel();
  const started = useRef(false);
  const testable = channel !== undefined && type?.testConnection === true;
  useEffect(() => {
    if (!testAtOnce || !testable || started.current) return;
    started.current = true;
    test.mutate(id);
  }, [testAtOnce, testable, id, test.mutate]);
  if (!channel || !type) return null;
  const verifyToken = typeof channel.settings?.verifyToken === 'string' ? channel.settings.verifyToken : undefined;
  const result: TestResult | null | undefined = test.data ?? channel.lastTest;

  return (
    <div className="channel-details">
      {channel.status === 'paused' && <p className="alert alert--warning">{t('channels.pausedNote')}</p>}
      {type.inbound === 'smtp' && (
        <section aria-labelledby={`mail-${id}`} className="channel-webhook">
          <h3 id={`mail-${id}`}>{t('channels.smtp.title')}</h3>
          <p className="muted">{t('channels.smtp.intro', { address: String(channel.settings?.address ?? '') })}</p>
          <ul className="muted">
            <li>{t('channels.smtp.mx')}</li>
            <li>{t('channels.smtp.forward', { address: String(channel.settings?.address ?? '') })}</li>
          </ul>
        </section>
      )}
      {channel.embedCode && (
        <section aria-labelledby={`embed-${id}`} className="channel-webhook">
          <h3 id={`embed-${id}`}>{t('webchat.embed.title')}</h3>
          <p className="muted">{t('webchat.embed.intro')}</p>
          <CopyField label={t('webchat.embed.code')} value={channel.embedCode} />
        </section>
      )}
      {channel.webhookUrl && type.inbound !== 'smtp' && !channel.embedCode && (
        <section aria-labelledby={`webhook-${id}`} className="channel-webhook">
          <h3 id={`webhook-${id}`}>{t('channels.webhook.title')}</h3>
          <p className="muted">{t(isMessageKey(`channels.webhook.intro.${type.type}`) ? (`channels.webhook.intro.${type.type}` as MessageKey) : 'channels.webhook.intro')}</p>
          <CopyField label={t('channels.webhook.url')} value={channel.webhookUrl} />
          {verifyToken && <CopyField label={t('channels.webhook.verifyToken')} value={verifyToken} />}
          {type.webhook.handshake && (
            <p className="muted">
              {channel.webhookVerifiedAt ? t('channels.webhook.verifiedAt', { when: formatWhen(channel.webhookVerifiedAt, language) }) : t('channels.webhook.notVerified')}
            </p>
          )}
        </section>
      )}
      {type.testConnection && (
        <div className="channel-test">
          <button type="button" className="button" disabled={test.isPending} onClick={() => test.mutate(channel.id)}>
            {test.isPending ? t('channels.testing') : t('channels.test')}
          </button>
          {test.error && <FormAlert>{errorMessage(test.error, i18n)}</FormAlert>}
          {!test.isPending && result && (
            <div className="channel-test-result">
              {result.ok ? <FormSuccess>{t('channels.test.ok', { detail: result.detail })}</FormSuccess> : <FormAlert>{t('channels.test.failed', { error: result.error })}</FormAlert>}
              <p className="muted">{t('channels.test.when', { when: formatWhen(result.at, language) })}</p>
            </div>
          )}
        </div>
      )}
    </div>
  );
}

function CopyField({ label, value }: { label: string; value: string }) {
  const { t } = useI18n();
  const id = useId();
  const [copied, setCopied] = useState(false);
  return (
    <div className="field copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-field-row">
        <input id={id} readOnly value={value} onFocus={(event) => event.currentTarget.select()} spellCheck={false} />
        <button
          type="button"
          className="button button--small"
          aria-label={t('channels.copyOf', { what: label })}
          onClick={() =>
            navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? t('channels.copied') : t('channels.copy')}
        </button>
      </div>
    </div>
  );
}
