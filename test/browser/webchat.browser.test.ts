import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identitySignature } from '../../src/channels/webchat/webchat.rules.js';
import { accessibilityProblems, callApi, CHROMIUM, hasChromium, SCENE_PASSWORD, signedIn, startWebApp, type WebApp } from '../helpers/browser.js';

const LIVE = { timeout: 3000 };
const IDENTITY_SECRET = 'the-shop-identity-secret-42';

/** Chromium as Playwright starts it, with third-party storage partitioning on again (Playwright turns it off). */
async function launch(partitioned: boolean): Promise<Browser> {
  const args = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];
  // The last --disable-features wins: this one leaves partitioning out of Playwright's list.
  if (partitioned) args.push('--disable-features=MediaRouter,PaintHolding,HttpsUpgrades,OptimizationHints', '--enable-features=ThirdPartyStoragePartitioning');
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/**
 * The customer's site, on another origin than the server: `http://localhost:<port>` (allowed) and
 * `http://127.0.0.1:<port>` (the same pages, an origin the channel does not allow).
 */
async function startSite(serverUrl: string, channelId: () => string) {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://site');
    const identity = url.searchParams.get('identity');
    const setup = identity ? `<script>window.SwitchboardChat = { identity: ${identity} };</script>` : '';
    if (url.pathname === '/frame') {
      // A cross-site frame of the server's origin writes its storage: partitioned, its top-level page does not see it.
      response.setHeader('content-type', 'text/html');
      response.end('<!doctype html><p>frame</p>');
      return;
    }
    response.setHeader('content-type', 'text/html; charset=utf-8');
    response.end(`<!doctype html><html lang="en"><head><title>Shop</title><style>button { background: red !important; }</style></head>
<body><h1>Our shop</h1>${setup}<script src="${serverUrl}/widget/widget.js" data-channel="${channelId()}" async></script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { allowed: `http://localhost:${port}`, refused: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe.skipIf(!hasChromium)('the website chat widget on another site', () => {
  let web: WebApp;
  let site: Awaited<ReturnType<typeof startSite>>;
  let channelId = '';
  let ownerToken = '';

  beforeAll(async () => {
    const { buildWidget } = await import('../helpers/widget.js');
    await buildWidget();
    web = await startWebApp();
    site = await startSite(web.baseUrl, () => channelId);
    const call = (method: string, path: string, token?: string, body?: unknown) => callApi(web.baseUrl, method, path, token, body);
    ({ token: ownerToken } = await call('POST', '/api/v1/setup', undefined, { workspaceName: 'Acme', name: 'Olivia Owner', email: 'olivia@acme.test', password: SCENE_PASSWORD }));
    await call('POST', '/api/v1/users', ownerToken, { email: 'aiko@acme.test', name: 'Aiko Tanaka', role: 'agent', password: SCENE_PASSWORD });
    const channel = await call('POST', '/api/v1/channels', ownerToken, {
      type: 'webchat',
      name: 'Website',
      settings: { allowedOrigins: [site.allowed], identitySecret: IDENTITY_SECRET, greeting: 'Hi! Ask us anything.' },
    });
    channelId = channel.id;
  }, 120_000);

  afterAll(async () => {
    await site?.close();
    await web?.close();
  });

  // The launcher comes first; the panel's close button also names the chat.
  const launcherOf = (page: Page) => page.getByRole('button', { name: /chat/i }).first();
  const messageBoxOf = (page: Page) => page.getByRole('textbox', { name: /message/i });

  for (const partitioned of [false, true]) {
    it(`chats both ways live and keeps the history over a reload (third-party storage ${partitioned ? 'partitioned' : 'blocked, partitioning off'})`, async () => {
      const browser = await launch(partitioned);
      try {
        const visitor = await (await browser.newContext({ locale: 'en-US' })).newPage();
        const alerts: string[] = [];
        visitor.on('dialog', (dialog) => void dialog.dismiss().then(() => alerts.push(dialog.message())));

        // Proof of the mode: the server's origin framed by the site gets a storage of its own when partitioned; without
        // partitioning, Playwright's (incognito-like) context blocks that third-party storage altogether.
        const top = await visitor.context().newPage();
        await top.goto(`${web.baseUrl}/widget/widget.js`);
        await top.evaluate(() => localStorage.setItem('probe', 'top-level'));
        await visitor.goto(site.allowed);
        await visitor.evaluate((src) => {
          const frame = document.createElement('iframe');
          frame.src = src;
          document.body.append(frame);
          return new Promise((resolve) => (frame.onload = resolve));
        }, `${web.baseUrl}/widget/widget.js`);
        const framed = visitor.frames().find((frame) => frame.url().startsWith(web.baseUrl))!;
        const probe = await framed.evaluate(() => {
          try {
            return localStorage.getItem('probe');
          } catch {
            return 'blocked';
          }
        });
        expect(probe).toBe(partitioned ? null : 'blocked');
        await top.close();

        await visitor.goto(site.allowed);
        await launcherOf(visitor).click();
        // The host page's `button { background: red }` does not reach into the widget.
        expect(await launcherOf(visitor).evaluate((button) => getComputedStyle(button).backgroundColor)).not.toBe('rgb(255, 0, 0)');
        await visitor.getByText('Hi! Ask us anything.').waitFor();
        const text = `Hello from the shop ${partitioned ? 'P' : 'N'} <script>alert(1)</script>`;
        await messageBoxOf(visitor).fill(text);
        await messageBoxOf(visitor).press('Enter');
        await visitor.getByText(text, { exact: true }).waitFor(LIVE);

        const agent = await signedIn(web, 'aiko@acme.test', SCENE_PASSWORD);
        agent.page.on('dialog', (dialog) => void dialog.dismiss().then(() => alerts.push(dialog.message())));
        await agent.page.goto('/inbox/all');
        const row = agent.page.getByRole('link', { name: /Visitor \d+/ }).filter({ hasText: text });
        await row.waitFor(LIVE);
        await row.click();
        await agent.page.getByText(text, { exact: true }).first().waitFor();
        const reply = `We are **here** (${partitioned ? 'P' : 'N'})`;
        const shown = `We are here (${partitioned ? 'P' : 'N'})`;
        // Typing, both ways: the visitor sees the agent's name, the agent sees the visitor's.
        await agent.page.getByRole('textbox', { name: 'Reply to the contact' }).pressSequentially('We');
        await visitor.getByText('Aiko Tanaka is typing…').waitFor(LIVE);
        await messageBoxOf(visitor).pressSequentially('and');
        await agent.page.getByText(/Visitor \d+ is typing…/).waitFor(LIVE);
        await messageBoxOf(visitor).fill('');
        await agent.page.getByRole('textbox', { name: 'Reply to the contact' }).fill(reply);
        await agent.page.keyboard.press('Enter');

        // Live in the widget, with the agent's name and formatting.
        await visitor.getByText(shown).waitFor(LIVE);
        expect(await visitor.locator('strong', { hasText: 'here' }).count()).toBe(1);
        await visitor.getByText('Aiko Tanaka').first().waitFor(LIVE);

        // A reload keeps the visitor: the same history.
        await visitor.reload();
        await launcherOf(visitor).click();
        await visitor.getByText(text, { exact: true }).waitFor();
        await visitor.getByText(shown).waitFor();
        expect(alerts).toEqual([]);
        expect(await agent.page.evaluate(() => document.querySelectorAll('script:not([src])').length)).toBe(0);
        await agent.context.close();
      } finally {
        await browser.close();
      }
    }, 90_000);
  }

  it('is connected in Settings with an embed code to copy and a live preview, and the widget it gives passes axe', async () => {
    const owner = await signedIn(web, 'olivia@acme.test', SCENE_PASSWORD);
    const page = owner.page;
    await page.goto('/settings/channels');
    await page.getByRole('button', { name: 'Connect a channel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect a channel' });
    await dialog.getByLabel('Channel type').selectOption({ label: 'Website chat' });
    await dialog.getByLabel('Name', { exact: true }).fill('Shop chat');
    await dialog.getByLabel('Allowed websites').fill(site.allowed);
    await dialog.getByLabel('Greeting').fill('Welcome to the shop!');
    await dialog.getByLabel('Ask for the visitor’s name first').check();
    const preview = dialog.getByRole('img', { name: 'Preview of the chat on a website' });
    // The preview follows the form before anything is saved.
    await preview.getByText('Welcome to the shop!').waitFor();
    await preview.getByText('Your name').waitFor();
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.getByText('Shop chat is connected.').waitFor();
    const embed = await dialog.getByLabel('Embed code', { exact: true }).inputValue();
    const newChannelId = /data-channel="([0-9a-f-]+)"/.exec(embed)?.[1];
    expect(embed).toContain(`${web.baseUrl}/widget/widget.js`);
    expect(newChannelId).toBeTruthy();
    await owner.context.close();

    // The pasted code gives a widget with the pre-chat form; with it open, axe finds nothing serious.
    const previous = channelId;
    channelId = newChannelId!;
    try {
      const visitor = await (await web.browser.newContext()).newPage();
      await visitor.goto(site.allowed);
      await launcherOf(visitor).click();
      await visitor.getByText('Welcome to the shop!').waitFor(LIVE);
      await visitor.getByRole('textbox', { name: 'Your name' }).fill('Ada <b>L</b>');
      await visitor.getByRole('button', { name: 'Start chat' }).click();
      await messageBoxOf(visitor).waitFor();
      expect(await accessibilityProblems(visitor)).toEqual([]);
      await visitor.context().close();
    } finally {
      channelId = previous;
    }
  }, 90_000);

  it('sends what was typed while offline once the connection is back, once', async () => {
    const context = await web.browser.newContext({ locale: 'de-DE' });
    const page = await context.newPage();
    await page.goto(site.allowed);
    await launcherOf(page).click();
    await messageBoxOf(page).fill('Erste Nachricht');
    await messageBoxOf(page).press('Enter');
    await page.getByText('Erste Nachricht').waitFor(LIVE);

    await context.setOffline(true);
    await messageBoxOf(page).fill('Offline geschrieben');
    await messageBoxOf(page).press('Enter');
    // The page says lang="en": the widget speaks English there, whatever the browser's language.
    await page.getByText('Waiting for the connection…').waitFor(LIVE);
    await context.setOffline(false);
    await page.getByText('Waiting for the connection…').waitFor({ state: 'detached', timeout: 15_000 });

    const texts: string[] = [];
    const { items } = await callApi(web.baseUrl, 'GET', '/api/v1/conversations?inbox=all', ownerToken);
    for (const conversation of items) {
      const messages = await callApi(web.baseUrl, 'GET', `/api/v1/conversations/${conversation.id}/messages`, ownerToken);
      texts.push(...messages.items.map((message: { text: string }) => message.text));
    }
    expect(texts.filter((text) => text === 'Offline geschrieben')).toHaveLength(1);
    await context.close();
  }, 60_000);

  it('gives a page of another origin, and a forged identity, no widget', async () => {
    const page = await (await web.browser.newContext()).newPage();
    await page.goto(site.refused);
    await page.waitForTimeout(1500);
    expect(await launcherOf(page).count()).toBe(0);

    const forged = JSON.stringify({ userId: 'customer-1', signature: identitySignature('not-the-secret-000000', 'customer-1') });
    await page.goto(`${site.allowed}/?identity=${encodeURIComponent(forged)}`);
    await page.waitForTimeout(1500);
    expect(await launcherOf(page).count()).toBe(0);

    const signed = JSON.stringify({ userId: 'customer-1', name: 'Kim', signature: identitySignature(IDENTITY_SECRET, 'customer-1') });
    await page.goto(`${site.allowed}/?identity=${encodeURIComponent(signed)}`);
    await launcherOf(page).waitFor(LIVE);
  }, 60_000);
});
