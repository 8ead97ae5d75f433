import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startIntegration } from '../api/inbox-fixtures.js';
import { linkIn, startMailSink } from '../helpers/mail.js';
import { accessibilityProblems, callApi, hasChromium, postToApiChannel, SCENE_PASSWORD, setUpInboxScene, signedIn, startWebApp, type WebApp } from '../helpers/browser.js';

const SECRET = 'inbox-keyboard-browser-secret';
const LIVE = { timeout: 3000 };
const SNOOZE_TITLE = 'Snooze until';

/** Where the keyboard is: the focused element's role and accessible name, as a screen reader would say. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    return { tag: element?.tagName.toLowerCase(), label: element?.getAttribute('aria-label') ?? element?.textContent?.trim().slice(0, 40) };
  });

describe.skipIf(!hasChromium)('a day in the inbox', () => {
  let web: WebApp;
  let integration: Awaited<ReturnType<typeof startIntegration>>;
  let mail: Awaited<ReturnType<typeof startMailSink>>;
  let channelId: string;

  beforeAll(async () => {
    mail = await startMailSink();
    web = await startWebApp({ SMTP_URL: mail.url });
    integration = await startIntegration();
    const scene = await setUpInboxScene(web.baseUrl, { url: integration.url, secret: SECRET });
    channelId = scene.channelId;
    await callApi(web.baseUrl, 'PATCH', '/api/v1/settings', scene.ownerToken, { missedAfterSeconds: 3600 });
  });

  afterAll(async () => {
    await integration?.close();
    await web?.close();
    await mail?.close();
  });

  it('takes a conversation from its arrival to its close without the mouse', { timeout: 45_000 }, async () => {
    const { context, page } = await signedIn(web, 'aiko@acme.test', SCENE_PASSWORD, { viewport: { width: 1440, height: 900 } });
    await page.goto('/inbox/unassigned');
    await page.getByRole('img', { name: 'Live updates: connected' }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);

    // Arrival: the list, the inbox's counts and the tab's title say so, live.
    await postToApiChannel(web.baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'emma-7', name: 'Emma Keys' }, message: { id: 'k-1', text: 'My order never came' } });
    const row = page.getByRole('link', { name: /Emma Keys/ });
    await row.getByText('My order never came').waitFor(LIVE);
    await row.getByText('Shop').waitFor();
    const nav = page.getByRole('navigation', { name: 'Inboxes' });
    await nav.getByRole('link', { name: 'Unassigned (1 unread, 1 open)' }).waitFor(LIVE);
    await expect.poll(() => page.title()).toBe('(1) Inbox · Switchboard');

    // j to the conversation, Enter opens it, and the cursor is in the reply box.
    await page.keyboard.press('j');
    expect((await focused(page)).label).toContain('Emma Keys');
    await page.keyboard.press('Enter');
    const window = page.getByRole('region', { name: 'Emma Keys' });
    await window.getByText('My order never came').waitFor();
    await expect.poll(async () => (await focused(page)).label).toBe('Reply to the contact');
    expect(await accessibilityProblems(page)).toEqual([]);

    // A reply assigns the unassigned conversation to the agent.
    await page.keyboard.type('Sorry about that, I am checking with the courier.');
    await page.keyboard.press('Enter');
    await window.getByRole('listitem').filter({ hasText: 'I am checking with the courier.' }).getByText('Sent').waitFor(LIVE);
    await expect.poll(() => window.getByRole('combobox', { name: 'Assignee' }).inputValue()).not.toBe('');
    expect(integration.received.at(-1)?.json.message.text).toBe('Sorry about that, I am checking with the courier.');

    // Esc leaves the composer; typed letters are shortcuts again: ? lists them, c writes a comment.
    await page.keyboard.press('Escape');
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText('Close the conversation').waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    await page.keyboard.press('c');
    await expect.poll(async () => (await focused(page)).label).toBe('Internal comment');
    await page.keyboard.type('Courier ticket 4711');
    await page.keyboard.press('Enter');
    await window.getByRole('listitem').filter({ hasText: 'Courier ticket 4711' }).waitFor(LIVE);
    expect(integration.received.map((delivery) => delivery.json.message.text)).not.toContain('Courier ticket 4711');

    // s asks until when to snooze, a goes to the assignee, / offers the saved replies in the composer.
    await page.keyboard.press('Escape');
    await page.keyboard.press('s');
    await page.getByRole('dialog', { name: SNOOZE_TITLE }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await page.keyboard.press('/');
    await page.getByRole('listbox', { name: 'Saved replies' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Reply to the contact' }).inputValue()).toBe('/');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Escape');
    await page.keyboard.press('a');
    await expect.poll(async () => (await focused(page)).tag).toBe('select');
    expect(await page.getByRole('combobox', { name: /^Assignee/ }).evaluate((element) => element === document.activeElement)).toBe(true);
    await page.keyboard.press('Escape');

    // e closes it.
    await page.keyboard.press('Escape');
    await page.keyboard.press('e');
    await window.getByText('Closed', { exact: true }).waitFor(LIVE);
    expect((await callApi(web.baseUrl, 'GET', '/api/v1/conversations?inbox=all&status=closed', await tokenOf('olivia@acme.test'))).items).toHaveLength(1);

    // Ctrl+K jumps back to it from anywhere.
    await page.goto('/inbox/mine');
    await page.getByRole('heading', { name: /Mine/ }).waitFor();
    await page.keyboard.press('Control+k');
    const palette = page.getByRole('dialog', { name: 'Jump to' });
    await palette.getByRole('combobox').waitFor();
    await page.keyboard.type('Emma');
    await palette.getByRole('option', { name: /Emma Keys/ }).waitFor(LIVE);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: 'Emma Keys' }).getByText('Courier ticket 4711').waitFor();
    await context.close();
  });

  it('types shortcut letters into fields instead of acting on them', async () => {
    const { context, page } = await signedIn(web, 'aiko@acme.test', SCENE_PASSWORD);
    await page.goto('/inbox/mine?status=closed');
    await page.getByRole('searchbox', { name: 'Search conversations' }).focus();
    await page.keyboard.type('jkecsa?');
    expect(await page.getByRole('searchbox', { name: 'Search conversations' }).inputValue()).toBe('jkecsa?');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await context.close();
  });

  it('shows rows on their way while the list loads, says plainly when it cannot load, and loads it again on Retry', async () => {
    const { context, page } = await signedIn(web, 'aiko@acme.test', SCENE_PASSWORD);
    let failing = true;
    let asked = 0;
    let answerFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (answerFirst = resolve));
    await page.route(/\/api\/v1\/conversations\?/, async (route) => {
      asked += 1;
      if (asked === 1) await firstHeld;
      if (failing) await route.fulfill({ status: 500, contentType: 'application/json', body: '{"error":{"code":"internal_error","message":"Internal Server Error"}}' });
      else await route.continue();
    });
    await page.goto('/inbox/unassigned?status=closed');
    const list = page.getByRole('region', { name: 'Conversations' });
    await list.locator('.conversation-row--skeleton').first().waitFor();
    expect(await list.getAttribute('aria-busy')).toBe('true');
    answerFirst();
    const alert = list.getByRole('alert');
    await alert.getByText('The conversations could not be loaded: the server did not answer as it should.').waitFor();
    // Asked once and tried once more, not for seconds of retries; the server's own words stay out of it.
    expect(asked).toBe(2);
    expect(await alert.getByText('Internal Server Error').count()).toBe(0);
    failing = false;
    await alert.getByRole('button', { name: 'Retry' }).click();
    await page.getByText('No conversations here.').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await context.close();
  });

  it('says so when a reply stays “Sending” for more than a few seconds', async () => {
    const { context, page } = await signedIn(web, 'max@acme.test', SCENE_PASSWORD);
    await page.clock.install();
    await postToApiChannel(web.baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'slow-1', name: 'Sol Slow' }, message: { id: 's-1', text: 'Anyone there?' } });
    integration.answerWith(503, 'busy');
    try {
      await page.goto('/inbox/unassigned');
      await page.getByRole('link', { name: /Sol Slow/ }).click();
      await page.getByRole('textbox', { name: 'Reply to the contact' }).fill('Yes, one moment.');
      await page.keyboard.press('Enter');
      const reply = page.getByRole('listitem').filter({ hasText: 'Yes, one moment.' });
      await reply.getByText('Sending').waitFor(LIVE);
      expect(await reply.getByText('Still sending').count()).toBe(0);
      await page.clock.fastForward(6000);
      await reply.getByRole('status').filter({ hasText: 'Still sending: the channel has not taken it yet.' }).waitFor();
    } finally {
      integration.answerWith(200, '{"ok":true}');
    }
    await context.close();
  });

  it('keeps the conversation’s actions on one row, inside the window, in German and French at 1440 px', async () => {
    await postToApiChannel(web.baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'long-1', name: 'Maximilian Müller-Lüdenscheidt' }, message: { id: 'l-1', text: 'Hallo' } });
    for (const language of ['de', 'fr']) {
      const { context, page } = await signedIn(web, 'max@acme.test', SCENE_PASSWORD, { viewport: { width: 1440, height: 900 } });
      await page.request.patch('/api/v1/me', { data: { language } });
      await page.goto('/inbox/unassigned');
      await page.getByRole('link', { name: /Maximilian Müller-Lüdenscheidt/ }).click();
      const header = page.locator('.conversation-header');
      await header.locator('.conversation-actions button').first().waitFor();
      const window = (await page.locator('.message-window').boundingBox())!;
      const buttons = await header.locator('.conversation-actions button').evaluateAll((elements) =>
        elements.map((element) => {
          const box = element.getBoundingClientRect();
          return { middle: Math.round((box.top + box.bottom) / 2), right: box.right };
        }),
      );
      expect(buttons.length).toBe(4);
      expect(new Set(buttons.map((button) => button.middle)).size, language).toBe(1);
      expect(Math.max(...buttons.map((button) => button.right)), language).toBeLessThanOrEqual(window.x + window.width);
      expect(await accessibilityProblems(page)).toEqual([]);
      await page.request.patch('/api/v1/me', { data: { language: null } });
      await context.close();
    }
  });

  it('notifies an agent who asked for it, on the desktop and with a sound, of new conversations, messages and mentions', { timeout: 30_000 }, async () => {
    const { context, page } = await signedIn(web, 'aiko@acme.test', SCENE_PASSWORD, { permissions: ['notifications'] });
    // Observed, not replaced: the browser's own Notification and AudioContext still run; each call is noted.
    await page.addInitScript(() => {
      const seen = { notices: [] as Array<{ title: string; body?: string }>, tones: 0 };
      Object.assign(window, { seen });
      const RealNotification = window.Notification;
      window.Notification = class extends RealNotification {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          seen.notices.push({ title, body: options?.body });
        }
      } as typeof Notification;
      const RealAudioContext = window.AudioContext;
      window.AudioContext = class extends RealAudioContext {
        override createOscillator() {
          seen.tones += 1;
          return super.createOscillator();
        }
      };
    });
    const seen = () => page.evaluate(() => (window as unknown as { seen: { notices: Array<{ title: string; body?: string }>; tones: number } }).seen);
    const owner = await tokenOf('olivia@acme.test');
    const users = (await callApi(web.baseUrl, 'GET', '/api/v1/users', owner)).items as Array<{ id: string; email: string }>;
    const aiko = users.find((user) => user.email === 'aiko@acme.test')!.id;

    await page.goto('/inbox/mine');
    await page.getByRole('button', { name: /Aiko Tanaka/ }).click();
    await page.getByRole('button', { name: 'Notifications' }).click();
    const dialog = page.getByRole('dialog', { name: 'Notifications' });
    // Each box shows the setting as the server stored it, so it turns checked once the change is saved: clicked, then waited for.
    for (const name of ['Desktop notifications', 'Play a sound']) {
      const box = dialog.getByRole('checkbox', { name });
      await box.click();
      await expect.poll(() => box.isChecked(), { timeout: 5000 }).toBe(true);
    }
    await expect.poll(async () => (await callApi(web.baseUrl, 'GET', '/api/v1/me/notifications', await tokenOf('aiko@acme.test'))).desktop).toBe(true);
    expect(await accessibilityProblems(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Done' }).click();
    const tonesBefore = (await seen()).tones;

    await postToApiChannel(web.baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'nina-1', name: 'Nina Notify' }, message: { id: 'n-1', text: 'Is anyone there?' } });
    await expect.poll(async () => (await seen()).notices, { timeout: 5000 }).toEqual([{ title: 'New conversation: Nina Notify', body: 'Is anyone there?' }]);
    // The tone is played after the notice is shown: looked for until it has been.
    await expect.poll(async () => (await seen()).tones, { timeout: 5000 }).toBeGreaterThan(tonesBefore);

    const { id: conversationId } = (await callApi(web.baseUrl, 'GET', '/api/v1/conversations?inbox=unassigned', owner)).items.find(
      (each: { contact: { name: string } }) => each.contact.name === 'Nina Notify',
    );
    await callApi(web.baseUrl, 'POST', `/api/v1/conversations/${conversationId}/assign`, owner, { assigneeId: aiko });
    await postToApiChannel(web.baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'nina-1', name: 'Nina Notify' }, message: { id: 'n-2', text: 'Hello?' } });
    await expect.poll(async () => (await seen()).notices.at(-1), { timeout: 5000 }).toEqual({ title: 'New message from Nina Notify', body: 'Hello?' });

    await callApi(web.baseUrl, 'POST', `/api/v1/conversations/${conversationId}/messages`, await tokenOf('max@acme.test'), {
      type: 'comment',
      text: '@Aiko Tanaka she wrote twice',
      mentions: [aiko],
    });
    await expect.poll(async () => (await seen()).notices.at(-1), { timeout: 5000 }).toEqual({ title: 'Max Manager mentioned you', body: '@Aiko Tanaka she wrote twice' });
    expect((await seen()).notices).toHaveLength(3);

    // Kept on the server: another session finds them on.
    await page.reload();
    await page.getByRole('button', { name: /Aiko Tanaka/ }).click();
    await page.getByRole('button', { name: 'Notifications' }).click();
    expect(await page.getByRole('dialog', { name: 'Notifications' }).getByRole('checkbox', { name: 'Desktop notifications' }).isChecked()).toBe(true);
    await context.close();
  });

  it('shows managers the team’s figures on the dashboard, with charts, and agents not at all', async () => {
    await postToApiChannel(web.baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'dash-1', name: 'Dana Dash' }, message: { id: 'd-1', text: 'Counting on you' } });
    const manager = await signedIn(web, 'max@acme.test', SCENE_PASSWORD, { viewport: { width: 1440, height: 900 } });
    await manager.page.goto('/inbox');
    await manager.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    const open = manager.page.getByRole('region', { name: 'Open now' });
    await open.getByRole('table').waitFor();
    const figures = await callApi(web.baseUrl, 'GET', '/api/v1/dashboard', await tokenOf('max@acme.test'));
    expect(figures.open.open).toBeGreaterThan(0);
    expect(await open.getByRole('definition').first().textContent()).toBe(String(figures.open.open));
    await open.getByRole('rowheader', { name: 'Channel: Shop (API)' }).waitFor();
    const times = manager.page.getByRole('region', { name: 'Response times' });
    await times.getByRole('rowheader', { name: /First response/ }).waitFor();
    // The charts arrive with their own chunk, each a named picture of its figures.
    await manager.page.getByRole('region', { name: 'Messages by channel, last 7 days' }).getByRole('img', { name: /Shop \(API\): \d+ from contacts, \d+ replies/ }).waitFor();
    await manager.page.getByRole('region', { name: 'Busiest hours, last 7 days' }).getByRole('img').waitFor();
    expect(await accessibilityProblems(manager.page)).toEqual([]);
    await manager.context.close();

    const agent = await signedIn(web, 'aiko@acme.test', SCENE_PASSWORD);
    await agent.page.goto('/inbox');
    await agent.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).waitFor();
    expect(await agent.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).count()).toBe(0);
    await agent.page.goto('/dashboard');
    await agent.page.getByRole('heading', { name: 'You are not allowed to see this page' }).waitFor();
    await agent.context.close();
  });

  it('lets an owner invite a colleague by email, who chooses a password through the link and is signed in', async () => {
    const owner = await signedIn(web, 'olivia@acme.test', SCENE_PASSWORD);
    await owner.page.goto('/settings/users');
    await owner.page.getByRole('button', { name: 'Invite by email' }).click();
    const dialog = owner.page.getByRole('dialog', { name: 'Invite by email' });
    await dialog.getByLabel('Email').fill('Ines.Invited@Acme.test');
    await dialog.getByLabel('Name').fill('Ines Invited');
    await dialog.getByLabel('Role').selectOption('manager');
    expect(await accessibilityProblems(owner.page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Send invitation' }).click();
    await dialog.getByText('Invitation sent to ines.invited@acme.test.').waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await owner.page.getByRole('region', { name: 'Invitations not yet accepted' }).getByText(/Ines Invited · ines\.invited@acme\.test · Manager/).waitFor();
    await owner.context.close();

    const link = linkIn(mail.received.at(-1)!.raw)!;
    expect(mail.received.at(-1)!.to).toEqual(['ines.invited@acme.test']);
    const guest = await web.browser.newContext({ locale: 'en-US', baseURL: web.baseUrl });
    const page = await guest.newPage();
    await page.goto(new URL(link).pathname);
    await page.getByRole('heading', { name: 'Join Acme' }).waitFor();
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.getByLabel('Password').fill('my very own password');
    await page.getByRole('button', { name: 'Join and log in' }).click();
    await page.getByRole('button', { name: /Ines Invited/ }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/inbox/);
    await guest.close();
    expect((await callApi(web.baseUrl, 'POST', '/api/v1/auth/login', undefined, { email: 'ines.invited@acme.test', password: 'my very own password' })).user.role).toBe('manager');
  });

  it('serves the web app in chunks under Vite’s 500 kB warning, each page but the Inbox loaded when opened', () => {
    const assets = path.join(inject('webDistDir'), 'assets');
    const scripts = readdirSync(assets).filter((file) => file.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(5);
    const largest = scripts.map((file) => ({ file, kB: Math.round(statSync(path.join(assets, file)).size / 1000) })).sort((a, b) => b.kB - a.kB)[0]!;
    expect(largest.kB, largest.file).toBeLessThan(500);
  });

  async function tokenOf(email: string): Promise<string> {
    return (await callApi(web.baseUrl, 'POST', '/api/v1/auth/login', undefined, { email, password: SCENE_PASSWORD })).token;
  }
});
