import { type ReactNode, useEffect, useId, useState } from 'react';
import { type Template, useTemplates } from '../channels/channels.queries.js';
import { FilledTemplate, TemplateParameters } from '../channels/TemplatePreview.js';
import { channelTypeName } from '../contacts/contact-format.js';
import { isMessageKey, type Translate, useI18n } from '../i18n/i18n.js';
import { errorMessage } from '../ui/errors.js';
import type { Conversation } from './inbox.queries.js';
import { type ChannelWindow, takesText, useChannelWindows } from './reply-window.queries.js';
import { fullTime } from './time.js';
import '../channels/channels.css';

export type TemplateSend = { name: string; language: string; parameters: string[] };

/**
 * The composer's messaging window (SPEC §4.1), for the conversation's contact: which channel a
 * reply goes to, whether the window is open and for how long, and what is still allowed when it
 * is not (a template, HUMAN_AGENT, nothing until the contact writes). The composer mounts `panel`,
 * sends text with `sendOptions`, and takes free text only while `freeText` says so.
 */
export function useReplyWindow(conversation: Pick<Conversation, 'id' | 'lastInboundAt'>, sendTemplate: (channelId: string, template: TemplateSend) => Promise<unknown>) {
  const windows = useChannelWindows(`/api/v1/conversations/${conversation.id}/window`, conversation.lastInboundAt);
  const [channelId, setChannelId] = useState<string>();
  const chosen = windows.data?.find((window) => window.channelId === channelId) ?? windows.data?.[0];
  const [templating, setTemplating] = useState(false);
  const text = !chosen || takesText(chosen);
  const picking = chosen !== undefined && chosen.templates && chosen.status === 'active' && (templating || !text);
  return {
    freeText: text && !picking,
    sendOptions: chosen ? { channelId: chosen.channelId } : {},
    /** The type of the channel a reply goes to (the composer counts SMS segments). */
    channelType: chosen?.type,
    panel: windows.data && windows.data.length > 0 && (
      <ChannelWindowPanel
        windows={windows.data}
        chosen={chosen!}
        onChoose={(id) => {
          setChannelId(id);
          setTemplating(false);
        }}
        picking={picking}
        onPicking={setTemplating}
        sendTemplate={(template) => sendTemplate(chosen!.channelId, template)}
      />
    ),
  };
}

/** The window's state in words, a channel picker when the contact has several, and the template picker when templates may go. */
export function ChannelWindowPanel(props: {
  windows: ChannelWindow[];
  chosen: ChannelWindow;
  onChoose: (channelId: string) => void;
  picking: boolean;
  onPicking: (picking: boolean) => void;
  sendTemplate: (template: TemplateSend) => Promise<unknown>;
}) {
  const { t } = useI18n();
  const { windows, chosen, picking } = props;
  const pickerId = useId();
  const text = takesText(chosen);
  return (
    <div className={`reply-window reply-window--${chosen.status === 'paused' ? 'paused' : chosen.reason}`}>
      {windows.length > 1 && (
        <div className="reply-window-channel">
          <label htmlFor={pickerId}>{t('window.replyVia')}</label>
          <select id={pickerId} value={chosen.channelId} onChange={(event) => props.onChoose(event.target.value)}>
            {windows.map((window) => (
              <option key={window.channelId} value={window.channelId}>
                {window.name} ({channelTypeName(window.type, t)})
              </option>
            ))}
          </select>
        </div>
      )}
      <WindowState window={chosen} />
      {chosen.status === 'active' && chosen.templates && text && (
        <button type="button" className="button button--small" aria-pressed={picking} onClick={() => props.onPicking(!picking)}>
          {picking ? t('window.writeText') : t('window.useTemplate')}
        </button>
      )}
      {picking && <TemplatePicker channelId={chosen.channelId} send={props.sendTemplate} onSent={() => props.onPicking(false)} />}
    </div>
  );
}

/** "5 h 12 min": what is left of an open window, re-read every half minute. */
function useTimeLeft(until: string | null, language: string): string {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!until) return;
    const timer = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, [until]);
  if (!until) return '';
  const minutes = Math.max(0, Math.ceil((Date.parse(until) - now) / 60_000));
  const unit = (value: number, name: 'hour' | 'minute') => new Intl.NumberFormat(language, { style: 'unit', unit: name, unitDisplay: 'short' }).format(value);
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${unit(hours, 'hour')} ${unit(minutes % 60, 'minute')}` : unit(minutes, 'minute');
}

function describe(window: ChannelWindow, t: Translate, language: string, left: string): string {
  const channel = window.name;
  if (window.status === 'paused') return t('window.paused', { channel });
  switch (window.reason) {
    case 'no_window':
      return t('window.noWindow', { channel });
    case 'open':
      return t('window.open', { channel, left });
    case 'human_agent':
      return t('window.humanAgent', { channel, until: fullTime(window.closesAt!, language) });
    case 'templates_only':
      return t(window.firstMessage ? 'window.firstMessage' : 'window.templatesOnly', { channel });
    case 'message_limit':
      return t('window.messageLimit', { channel });
    case 'chatbot_initiated':
      return t('window.chatbotInitiated', { channel });
    case 'quota_exceeded': {
      const count = new Intl.NumberFormat(language);
      return t('window.quotaExceeded', { channel, used: count.format(window.quota?.used ?? 0), limit: count.format(window.quota?.limit ?? 0) });
    }
    case 'contact_must_write': {
      if (!window.lastInboundAt) return t('window.contactMustWriteNever', { channel });
      // How long the window lasted is the type's own (Messenger: 7 days; WeChat: 48 hours).
      const own = `window.contactMustWrite.${window.type}`;
      return t(isMessageKey(own) ? own : 'window.contactMustWrite', { channel, since: fullTime(window.lastInboundAt, language) });
    }
    case 'opted_out':
      return t('window.optedOut', { channel });
  }
}

/** "1,234 of 10,000 free messages used this month", in the reader's number format. */
function quotaLine(quota: NonNullable<ChannelWindow['quota']>, t: Translate, language: string): string {
  const count = new Intl.NumberFormat(language);
  return t(quota.paid ? 'window.quotaPaid' : 'window.quotaUsed', { used: count.format(quota.used), limit: count.format(quota.limit) });
}

function WindowState({ window }: { window: ChannelWindow }) {
  const { t, language } = useI18n();
  const left = useTimeLeft(window.reason === 'open' ? window.closesAt : null, language);
  return (
    <p className="reply-window-state" role="status">
      {describe(window, t, language, left)}
      {window.remaining !== null && window.reason === 'open' && window.status === 'active' && <> {t('window.remaining', { count: window.remaining })}</>}
      {window.quota && window.reason === 'chatbot_initiated' && window.status === 'active' && <> {quotaLine(window.quota, t, language)}</>}
    </p>
  );
}

/** A template's body and its extra fields (an email's subject), in the order the server numbers their placeholders. */
const templateText = (template: Template) => [template.body, ...Object.values(template.fields ?? {})].join('\n');
/** Named placeholders (`{{first_name}}`, email) or numbered ones (`{{1}}`, WhatsApp). */
const styleOf = (template: Template) => (template.placeholders.some((placeholder) => !/^\d+$/.test(placeholder)) ? 'named' : 'numbered');

/** Choose one of the channel's templates, fill its placeholders, see what the contact will read, send it. */
function TemplatePicker({ channelId, send, onSent }: { channelId: string; send: (template: TemplateSend) => Promise<unknown>; onSent: () => void }) {
  const i18n = useI18n();
  const { t } = i18n;
  const id = useId();
  const templates = useTemplates(channelId);
  const [templateId, setTemplateId] = useState('');
  const [values, setValues] = useState<string[]>([]);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  const template: Template | undefined = templates.data?.find((each) => each.id === templateId);
  const complete = template !== undefined && template.placeholders.every((_, index) => (values[index] ?? '').trim() !== '');

  async function submit() {
    if (!template || !complete) return;
    setPending(true);
    setError(undefined);
    try {
      await send({ name: template.name, language: template.language, parameters: template.placeholders.map((_, index) => values[index]!.trim()) });
      setTemplateId('');
      setValues([]);
      onSent();
    } catch (failure) {
      setError(failure);
    } finally {
      setPending(false);
    }
  }

  let content: ReactNode;
  if (templates.data?.length === 0) content = <p className="muted">{t('window.noTemplates')}</p>;
  else
    content = (
      <>
        <div className="field">
          <label htmlFor={id}>{t('window.template')}</label>
          <select
            id={id}
            value={templateId}
            onChange={(event) => {
              setTemplateId(event.target.value);
              setValues([]);
            }}
          >
            <option value="">{t('window.chooseTemplate')}</option>
            {templates.data?.map((each) => (
              <option key={each.id} value={each.id}>
                {each.name} ({each.language})
              </option>
            ))}
          </select>
        </div>
        {template && (
          <>
            <TemplateParameters body={templateText(template)} style={styleOf(template)} values={values} onChange={setValues} />
            <FilledTemplate body={templateText(template)} style={styleOf(template)} values={values} label={t('window.preview')} />
            <div>
              <button type="button" className="button button--primary" disabled={!complete || pending} onClick={() => void submit()}>
                {t('window.sendTemplate')}
              </button>
            </div>
          </>
        )}
      </>
    );
  return (
    <div className="template-picker">
      {content}
      {error !== undefined && (
        <p role="alert" className="alert alert--error">
          {errorMessage(error, i18n)}
        </p>
      )}
    </div>
  );
}
