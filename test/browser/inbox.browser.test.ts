import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntegration } from '../api/inbox-fixtures.js';
import {
  callApi,
  hasChromium,
  postToApiChannel,
  SCENE_PASSWORD,
  setUpInboxScene,
  signedIn as signedInAs,
  startWebApp,
  type WebApp,
} from '../helpers/browser.js';

const SECRET = 'inbox-browser-test-secret';
/** "Live" means without reloading, well within the second SPEC §3.5 allows plus rendering. */
const LIVE = { timeout: 3000 };

describe.skipIf(!hasChromium)('the inbox', () => {
  let web: WebApp;
  let baseUrl: string;
  let integration: Awaited<ReturnType<typeof startIntegration>>;
  let channelId: string;
  let ownerToken: string;
  let messageNumber = 0;

  const call = (method: string, path: string, token?: string, body?: unknown) => callApi(baseUrl, method, path, token, body);

  const contactWrites = (text: string) =>
    postToApiChannel(baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'emma-42', name: 'Emma Tester' }, message: { id: `m-${++messageNumber}`, text } });
  const signedIn = (email: string) => signedInAs(web, email, SCENE_PASSWORD);

  /** The conversation lists the page asks the API for (`GET /api/v1/conversations?…`), as they happen. */
  const listRequests = (page: Page) => {
    const seen: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'GET' && /\/api\/v1\/conversations\?/.test(request.url())) seen.push(request.url());
    });
    return seen;
  };

  beforeAll(async () => {
    web = await startWebApp();
    baseUrl = web.baseUrl;
    integration = await startIntegration();

    ({ ownerToken, channelId } = await setUpInboxScene(baseUrl, { url: integration.url, secret: SECRET }));
    // Far from red: this test watches the purple dot.
    await call('PATCH', '/api/v1/settings', ownerToken, { missedAfterSeconds: 3600 });
  });

  afterAll(async () => {
    await integration?.close();
    await web?.close();
  });

  it('shows an inbound message live to an agent and a manager, and the agent’s reply live to the manager', async () => {
    const agent = await signedIn('aiko@acme.test');
    const manager = await signedIn('max@acme.test');
    const alerts: string[] = [];
    for (const { page } of [agent, manager]) page.on('dialog', (dialog) => void dialog.dismiss().then(() => alerts.push(dialog.message())));

    const agentLists = listRequests(agent.page);
    const managerLists = listRequests(manager.page);

    await agent.page.goto('/inbox/unassigned');
    await manager.page.goto('/inbox/all');
    for (const { page } of [agent, manager]) {
      await page.getByRole('img', { name: 'Live updates: connected' }).waitFor();
      await page.getByText('No conversations here.').waitFor();
    }
    expect(agentLists).toHaveLength(1);
    expect(managerLists).toHaveLength(1);

    await contactWrites('Hello, is my parcel on its way?');

    const agentRow = agent.page.getByRole('link', { name: /Emma Tester/ });
    const managerRow = manager.page.getByRole('link', { name: /Emma Tester/ });
    await agentRow.getByText('Hello, is my parcel on its way?').waitFor(LIVE);
    await managerRow.getByText('Hello, is my parcel on its way?').waitFor(LIVE);
    await managerRow.getByRole('img', { name: 'New message' }).waitFor(LIVE);

    await agentRow.click();
    const agentWindow = agent.page.getByRole('region', { name: 'Emma Tester' });
    await agentWindow.getByText('Hello, is my parcel on its way?').waitFor();
    await agent.page.getByRole('textbox', { name: 'Reply to the contact' }).fill('Yes, it arrives **tomorrow**.');
    await agent.page.keyboard.press('Enter');
    await agentWindow.getByRole('listitem').filter({ hasText: 'Yes, it arrives tomorrow.' }).getByText('Sent').waitFor(LIVE);
    expect(await agentWindow.locator('strong', { hasText: 'tomorrow' }).count()).toBe(1);
    expect(integration.received.at(-1)?.json.message.text).toBe('Yes, it arrives **tomorrow**.');

    await managerRow.getByText('Yes, it arrives tomorrow.').waitFor(LIVE);
    await managerRow.getByRole('img', { name: 'New message' }).waitFor({ state: 'detached', ...LIVE });

    // The manager follows the conversation; the contact's next message is customer text, never HTML.
    await managerRow.click();
    const managerWindow = manager.page.getByRole('region', { name: 'Emma Tester' });
    await managerWindow.getByText('Yes, it arrives tomorrow.').waitFor();
    await contactWrites('<img src=x onerror=alert(1)>');
    for (const window of [managerWindow, agentWindow]) {
      await window.getByText('<img src=x onerror=alert(1)>', { exact: true }).waitFor(LIVE);
      expect(await window.locator('.messages img').count()).toBe(0);
    }
    expect(alerts).toEqual([]);

    // Every change above reached the lists as an event, none by asking the API for a list again.
    expect(agentLists).toHaveLength(1);
    expect(managerLists).toHaveLength(1);

    await agent.context.close();
    await manager.context.close();
  });

  it('refuses a file over 10 MB before uploading it, and sends a smaller one with the reply', async () => {
    const agent = await signedIn('aiko@acme.test');
    const uploads: string[] = [];
    agent.page.on('request', (request) => {
      if (request.url().endsWith('/api/v1/attachments')) uploads.push(request.method());
    });
    // Her reply in the first test assigned the conversation to her (the workspace's assignOnReply).
    await agent.page.goto('/inbox/mine');
    await agent.page.getByRole('link', { name: /Emma Tester/ }).click();
    const window = agent.page.getByRole('region', { name: 'Emma Tester' });

    const attach = async (file: { name: string; mimeType: string; buffer: Buffer }) => {
      const chooser = agent.page.waitForEvent('filechooser');
      await window.getByRole('button', { name: 'Attach files' }).click();
      await (await chooser).setFiles(file);
    };
    await attach({ name: 'video.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
    await agent.page.getByRole('alert').filter({ hasText: '“video.mp4” (10 MB) is larger than 10 MB and was not attached.' }).waitFor();
    expect(uploads).toEqual([]);

    await attach({ name: 'receipt.txt', mimeType: 'text/plain', buffer: Buffer.from('Order 4521: paid') });
    await agent.page.getByRole('listitem').filter({ hasText: 'receipt.txt' }).getByRole('button', { name: 'Remove receipt.txt' }).waitFor();
    await expect.poll(() => window.getByRole('button', { name: 'Send' }).isEnabled()).toBe(true);
    await agent.page.getByRole('textbox', { name: 'Reply to the contact' }).fill('Here is your receipt.');
    await window.getByRole('button', { name: 'Send' }).click();
    await window.getByRole('link', { name: /receipt\.txt/ }).waitFor(LIVE);
    expect(uploads).toEqual(['POST']);

    await agent.context.close();
  });

  it('shows a reply the integration refused with the reason, and sends it again on Retry unless the server refuses', async () => {
    const agent = await signedIn('aiko@acme.test');
    await agent.page.goto('/inbox/mine');
    await agent.page.getByRole('link', { name: /Emma Tester/ }).click();
    const window = agent.page.getByRole('region', { name: 'Emma Tester' });
    const { contactId } = (await call('GET', '/api/v1/conversations?inbox=all&status=open', ownerToken)).items[0];

    // A 4xx is the integration refusing the message: failed at once (a 5xx would be tried again first).
    integration.answerWith(400, 'unknown recipient');
    try {
      await agent.page.getByRole('textbox', { name: 'Reply to the contact' }).fill('Your refund is on its way.');
      await agent.page.keyboard.press('Enter');
      const reply = window.getByRole('listitem').filter({ hasText: 'Your refund is on its way.' });
      await reply.getByText('Not delivered: The integration answered 400: unknown recipient').waitFor(LIVE);

      // Meanwhile someone blocked the contact: the retry is refused, and says why.
      await call('POST', `/api/v1/contacts/${contactId}/block`, ownerToken, {});
      await reply.getByRole('button', { name: 'Retry' }).click();
      await reply.getByRole('alert').filter({ hasText: 'The contact is blocked. Unblock it first.' }).waitFor(LIVE);
      await call('POST', `/api/v1/contacts/${contactId}/unblock`, ownerToken, {});

      integration.answerWith(200, '{"ok":true}');
      await reply.getByRole('button', { name: 'Retry' }).click();
      await reply.getByText('Sent').waitFor(LIVE);
      expect(await reply.getByText(/Not delivered/).count()).toBe(0);
      expect(await reply.getByRole('button', { name: 'Retry' }).count()).toBe(0);
      expect(integration.received.filter((delivery) => delivery.json.message.text === 'Your refund is on its way.')).toHaveLength(2);
    } finally {
      integration.answerWith(200, '{"ok":true}');
    }

    await agent.context.close();
  });
});
