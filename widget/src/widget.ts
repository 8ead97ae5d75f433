import { formatted } from './format.js';
import { keptValues } from './storage.js';
import { styles } from './styles.js';
import { pickLanguage, textsFor } from './texts.js';

/*
 * The website chat widget: one script a site pastes into its pages (`embedCode`). It draws into an
 * open shadow root, so the host page's styles and ours never meet, defines no globals, and shows
 * every customer and agent text as text (textContent), never as HTML.
 */

type Attachment = { name: string; contentType: string; size: number; url: string };
type Message = {
  id: string;
  clientMessageId: string | null;
  direction: 'in' | 'out';
  text: string;
  status: string;
  author: { name: string } | null;
  attachments: Attachment[];
  createdAt: string;
};
type Availability = { open: boolean; nextOpenAt: string | null; agentsOnline: boolean };
type Config = { color: string; position: 'right' | 'left'; greeting: string; askName: boolean; askEmail: boolean };
type Session = { token: string; visitor: { name: string | null; email: string | null }; config: Config; availability: Availability; messages: Message[] };
type Outgoing = { clientMessageId: string; text: string };
type Options = { identity?: { userId: string; signature: string; name?: string; email?: string }; language?: string };

const MAX_FILE_BYTES = 10 * 1024 * 1024;
const TYPING_EVERY_MS = 3000;
const TYPING_SHOWN_MS = 5000;

const script = (document.currentScript as HTMLScriptElement | null) ?? document.querySelector<HTMLScriptElement>('script[data-channel][src*="/widget/widget.js"]');
const channelId = script?.dataset.channel;
if (script && channelId && !document.querySelector(`[data-switchboard-chat="${CSS.escape(channelId)}"]`)) void main(script, channelId);

function newId(): string {
  return typeof crypto.randomUUID === 'function' ? crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function element<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<Record<string, string>> = {}, ...children: Array<Node | string>) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) if (value !== undefined) node.setAttribute(key, value);
  for (const child of children) node.append(child);
  return node;
}

async function main(tag: HTMLScriptElement, channel: string) {
  const base = new URL(tag.src).origin;
  const api = `${base}/widget/v1/channels/${channel}`;
  const options = ((window as unknown as { SwitchboardChat?: Options }).SwitchboardChat ?? {}) as Options;
  const t = textsFor(pickLanguage([tag.dataset.language, options.language, document.documentElement.lang, navigator.language]));
  const kept = keptValues();
  const tokenKey = `switchboard-chat:${channel}`;
  const outboxKey = `${tokenKey}:outbox`;
  const formKey = `${tokenKey}:form`;
  let token = kept.get(tokenKey);

  async function startSession(extra: Record<string, unknown> = {}): Promise<Session> {
    const response = await fetch(`${api}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      credentials: 'omit',
      body: JSON.stringify({ token: token ?? undefined, identity: options.identity, ...extra }),
    });
    if (!response.ok) throw new Error(`website chat refused: ${response.status}`);
    const session = (await response.json()) as Session;
    token = session.token;
    kept.set(tokenKey, token);
    return session;
  }

  let session: Session;
  try {
    session = await startSession();
  } catch (error) {
    // Another origin, a refused identity, a paused channel: no widget, and nothing on the page changes.
    console.warn('Switchboard chat:', error);
    return;
  }
  const { config } = session;
  let availability = session.availability;
  let visitorEmail = session.visitor.email;
  const messages = new Map<string, Message>();
  for (const message of session.messages) messages.set(message.id, message);
  const pending = new Map<string, { text: string; state: 'sending' | 'queued' | 'failed' }>();
  let outbox: Outgoing[] = [];
  try {
    outbox = JSON.parse(kept.get(outboxKey) ?? '[]') as Outgoing[];
  } catch {
    outbox = [];
  }
  for (const item of outbox) pending.set(item.clientMessageId, { text: item.text, state: 'queued' });
  let seenAt: string | null = null;
  let notice: string | null = null;
  let emailSaved = false;
  let agentTyping: { name: string | null; until: number } | null = null;

  // The frame: a host element with an open shadow root (screen readers and tests find the controls inside).
  const host = element('div', { 'data-switchboard-chat': channel });
  const root = host.attachShadow({ mode: 'open' });
  if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(styles);
    root.adoptedStyleSheets = [sheet];
  } else {
    root.append(element('style', {}, styles));
  }

  const launcher = element('button', { type: 'button', class: `launcher ${config.position}`, 'aria-label': t('open'), 'aria-expanded': 'false' });
  launcher.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H8l-4 4V6a2 2 0 0 1 2-2z"/></svg>';
  launcher.style.background = config.color;

  const avatar = element('div', { class: 'avatar', 'aria-hidden': 'true' });
  const title = element('h2', { id: 'switchboard-chat-title' }, t('title'));
  const close = element('button', { type: 'button', 'aria-label': t('close') }, '×');
  const header = element('header', {}, avatar, title, close);
  header.style.background = config.color;
  const noticeBox = element('div', { class: 'notice', role: 'status' });
  const log = element('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-labelledby': 'switchboard-chat-title' });
  const typing = element('div', { class: 'typing', 'aria-live': 'polite' });

  const nameInput = element('input', { type: 'text', 'aria-label': t('name'), placeholder: t('name'), autocomplete: 'name', maxlength: '200' });
  const emailInput = element('input', { type: 'email', 'aria-label': t('email'), placeholder: t('email'), autocomplete: 'email', maxlength: '320' });
  const startButton = element('button', { type: 'submit', class: 'primary' }, t('start'));
  startButton.style.background = config.color;
  const form = element('form', { class: 'form' }, element('p', {}, t('formIntro')), ...(config.askName ? [nameInput] : []), ...(config.askEmail ? [emailInput] : []), startButton);
  if (config.askEmail) emailInput.required = true;

  const fileInput = element('input', { type: 'file', hidden: '', tabindex: '-1' });
  const attach = element('button', { type: 'button', class: 'icon', 'aria-label': t('attach') }, '📎');
  const textbox = element('textarea', { rows: '1', 'aria-label': t('message'), placeholder: t('message'), maxlength: '5000' });
  const sendButton = element('button', { type: 'button', class: 'primary', 'aria-label': t('send') }, '➤');
  sendButton.style.background = config.color;
  const composer = element('div', { class: 'composer' }, fileInput, attach, textbox, sendButton);

  const panel = element('section', { class: `panel ${config.position}`, role: 'dialog', 'aria-labelledby': 'switchboard-chat-title', hidden: '' }, header, noticeBox, log, typing, form, composer);
  root.append(launcher, panel);
  document.body.append(host);

  const formDone = () => !(config.askName || config.askEmail) || kept.get(formKey) === '1' || messages.size > 0 || Boolean(options.identity);
  const isOpen = () => !panel.hidden;

  function render() {
    const sorted = [...messages.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const lastAgent = [...sorted].reverse().find((message) => message.direction === 'out' && message.author);
    title.textContent = lastAgent?.author?.name ?? t('title');
    avatar.textContent = (lastAgent?.author?.name ?? '')
      .split(/\s+/)
      .map((word) => word.charAt(0))
      .join('')
      .slice(0, 2)
      .toUpperCase();
    avatar.hidden = !lastAgent;

    const nodes: Node[] = [];
    if (config.greeting) nodes.push(element('div', { class: 'greeting' }, config.greeting));
    const lastIn = [...sorted].reverse().find((message) => message.direction === 'in');
    for (const message of sorted) {
      const bubble = element('div', { class: `message ${message.direction}` });
      if (message.direction === 'in') bubble.style.background = config.color;
      if (message.direction === 'out' && message.author) bubble.append(element('div', { class: 'author' }, message.author.name));
      // Agents write markdown-ish replies; a visitor's own text is shown exactly as typed.
      bubble.append(...(message.direction === 'out' ? formatted(message.text) : [document.createTextNode(message.text)]));
      for (const file of message.attachments) {
        // Only this server's signed links: a file is never fetched from elsewhere.
        if (!file.url.startsWith(`${base}/`)) continue;
        const link = element('a', { href: file.url, target: '_blank', rel: 'noopener noreferrer' });
        link.textContent = `📎 ${file.name}`;
        bubble.append(element('div', {}, link));
      }
      if (message === lastIn && seenAt && seenAt >= message.createdAt) bubble.append(element('div', { class: 'meta' }, t('seen')));
      nodes.push(bubble);
    }
    for (const [, item] of pending) {
      const bubble = element('div', { class: 'message in' }, item.text);
      bubble.style.background = config.color;
      bubble.append(element('div', { class: 'meta' }, t(item.state === 'sending' ? 'sending' : item.state === 'queued' ? 'queued' : 'failed')));
      nodes.push(bubble);
    }
    const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
    log.replaceChildren(...nodes);
    if (atBottom) log.scrollTop = log.scrollHeight;

    const typingNow = agentTyping && agentTyping.until > Date.now();
    typing.hidden = !typingNow;
    typing.textContent = typingNow ? t('typing', { name: agentTyping?.name ?? t('someone') }) : '';

    renderNotice();
    form.hidden = formDone();
    composer.hidden = !formDone();
  }

  function renderNotice() {
    const parts: Node[] = [];
    if (notice) parts.push(element('div', {}, notice));
    const away = !availability.open || !availability.agentsOnline;
    if (away) {
      const when = availability.nextOpenAt
        ? new Intl.DateTimeFormat(document.documentElement.lang || navigator.language, { weekday: 'long', hour: '2-digit', minute: '2-digit' }).format(new Date(availability.nextOpenAt))
        : null;
      parts.push(element('div', {}, !availability.open && when ? t('offlineAt', { when }) : t('offline')));
      if (emailSaved && visitorEmail) parts.push(element('div', {}, t('emailSaved', { email: visitorEmail })));
      else if (!visitorEmail) {
        const input = element('input', { type: 'email', required: '', 'aria-label': t('email'), placeholder: t('email') });
        const button = element('button', { type: 'submit', class: 'primary' }, t('saveEmail'));
        button.style.background = config.color;
        const emailForm = element('form', {}, input, button);
        emailForm.addEventListener('submit', (event) => {
          event.preventDefault();
          void leaveEmail(input.value.trim());
        });
        parts.push(element('div', {}, t('leaveEmail')), emailForm);
      }
    }
    // Kept while the visitor types in it: a re-render would take the focus away.
    if (noticeBox.contains(root.activeElement)) return;
    noticeBox.replaceChildren(...parts);
    noticeBox.hidden = parts.length === 0;
  }

  const authorized = (headers: Record<string, string> = {}) => ({ ...headers, authorization: `Bearer ${token}` });

  async function leaveEmail(email: string) {
    const response = await fetch(`${api}/contact`, { method: 'POST', headers: authorized({ 'content-type': 'application/json' }), credentials: 'omit', body: JSON.stringify({ email }) });
    if (!response.ok) return;
    const answer = (await response.json()) as { token: string; message?: Message };
    token = answer.token;
    kept.set(tokenKey, token);
    visitorEmail = email;
    emailSaved = true;
    if (answer.message) messages.set(answer.message.id, answer.message);
    render();
  }

  function upsert(message: Message) {
    messages.set(message.id, message);
    if (message.clientMessageId) pending.delete(message.clientMessageId);
    if (message.direction === 'out') agentTyping = null;
  }

  function saveOutbox() {
    kept.set(outboxKey, JSON.stringify(outbox));
  }

  // Messages typed while the connection is down wait here (kept across reloads) and go once, in order: the server stores a client id once.
  let flushing = false;
  async function flushOutbox() {
    if (flushing) return;
    flushing = true;
    try {
      while (outbox.length > 0) {
        const item = outbox[0]!;
        let response: Response;
        try {
          response = await fetch(`${api}/messages`, { method: 'POST', headers: authorized({ 'content-type': 'application/json' }), credentials: 'omit', body: JSON.stringify(item) });
        } catch {
          pending.set(item.clientMessageId, { text: item.text, state: 'queued' });
          break;
        }
        if (response.status === 429) {
          const body = (await response.json().catch(() => ({}))) as { error?: { retryAfterSeconds?: number } };
          const seconds = body.error?.retryAfterSeconds ?? 5;
          notice = t('slowDown', { seconds: String(seconds) });
          pending.set(item.clientMessageId, { text: item.text, state: 'queued' });
          render();
          await sleep(seconds * 1000);
          notice = null;
          continue;
        }
        outbox.shift();
        saveOutbox();
        if (!response.ok) pending.set(item.clientMessageId, { text: item.text, state: 'failed' });
        else upsert(((await response.json()) as { message: Message }).message);
        render();
      }
    } finally {
      flushing = false;
      render();
    }
  }

  function submit() {
    const text = textbox.value.trim();
    if (!text) return;
    textbox.value = '';
    const item = { clientMessageId: newId(), text };
    outbox.push(item);
    saveOutbox();
    pending.set(item.clientMessageId, { text, state: 'sending' });
    render();
    void flushOutbox();
  }

  async function upload(file: File) {
    if (file.size > MAX_FILE_BYTES) {
      notice = t('tooLarge');
      render();
      return;
    }
    const clientMessageId = newId();
    pending.set(clientMessageId, { text: `📎 ${file.name}`, state: 'sending' });
    render();
    try {
      const response = await fetch(`${api}/uploads?name=${encodeURIComponent(file.name)}&clientMessageId=${clientMessageId}`, {
        method: 'POST',
        headers: authorized({ 'content-type': file.type || 'application/octet-stream' }),
        credentials: 'omit',
        body: file,
      });
      if (!response.ok) throw new Error(String(response.status));
      upsert(((await response.json()) as { message: Message }).message);
    } catch {
      pending.set(clientMessageId, { text: `📎 ${file.name}`, state: 'failed' });
    }
    render();
  }

  let typingSentAt = 0;
  function typingNow() {
    if (Date.now() - typingSentAt < TYPING_EVERY_MS || messages.size === 0) return;
    typingSentAt = Date.now();
    void fetch(`${api}/typing`, { method: 'POST', headers: authorized(), credentials: 'omit' }).catch(() => undefined);
  }

  let seenSentFor = '';
  function markSeen() {
    const newest = [...messages.values()].filter((message) => message.direction === 'out').sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
    if (!isOpen() || !newest || newest.id === seenSentFor || document.visibilityState !== 'visible') return;
    seenSentFor = newest.id;
    void fetch(`${api}/seen`, { method: 'POST', headers: authorized(), credentials: 'omit' }).catch(() => undefined);
  }

  async function resync() {
    try {
      const response = await fetch(`${api}/messages`, { headers: authorized(), credentials: 'omit' });
      if (!response.ok) return;
      for (const message of ((await response.json()) as { items: Message[] }).items) upsert(message);
      render();
      markSeen();
    } catch {
      // The socket's next reconnect tries again.
    }
  }

  // Live: replies, typing and "seen" arrive over the visitor's socket; a dropped one reconnects with backoff and catches up.
  let attempts = 0;
  function connect() {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/widget/v1/channels/${channel}/ws?token=${encodeURIComponent(token ?? '')}`);
    socket.onopen = () => {
      attempts = 0;
      void flushOutbox();
    };
    socket.onmessage = (event) => {
      const frames = [JSON.parse(String(event.data)) as { type: string; data: any }].flat();
      for (const frame of frames) {
        if (frame.type === 'hello') {
          availability = frame.data.availability as Availability;
          void resync();
        } else if (frame.type === 'message') {
          upsert(frame.data as Message);
          markSeen();
        } else if (frame.type === 'typing') {
          agentTyping = { name: frame.data.name as string | null, until: Date.now() + TYPING_SHOWN_MS };
          setTimeout(render, TYPING_SHOWN_MS + 50);
        } else if (frame.type === 'seen') {
          seenAt = frame.data.at as string;
        }
      }
      render();
    };
    socket.onclose = (event) => {
      if (event.code === 4401) return;
      setTimeout(connect, Math.min(30_000, 1000 * 2 ** attempts++));
    };
  }

  launcher.addEventListener('click', () => {
    panel.hidden = !panel.hidden;
    launcher.setAttribute('aria-expanded', String(isOpen()));
    launcher.setAttribute('aria-label', isOpen() ? t('close') : t('open'));
    render();
    if (isOpen()) {
      (formDone() ? textbox : config.askName ? nameInput : emailInput).focus();
      markSeen();
    }
  });
  close.addEventListener('click', () => {
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-label', t('open'));
    launcher.focus();
  });
  textbox.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  textbox.addEventListener('input', typingNow);
  sendButton.addEventListener('click', submit);
  attach.addEventListener('click', () => fileInput.click());
  fileInput.addEventListener('change', () => {
    const file = fileInput.files?.[0];
    fileInput.value = '';
    if (file) void upload(file);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void startSession({ name: config.askName ? nameInput.value.trim() || undefined : undefined, email: config.askEmail ? emailInput.value.trim() || undefined : undefined }).then(
      (next) => {
        visitorEmail = next.visitor.email;
        kept.set(formKey, '1');
        render();
        textbox.focus();
      },
      () => undefined,
    );
  });
  window.addEventListener('online', () => void flushOutbox());
  document.addEventListener('visibilitychange', markSeen);
  setInterval(() => {
    if (outbox.length > 0) void flushOutbox();
  }, 10_000);

  render();
  connect();
  if (outbox.length > 0) void flushOutbox();
}
