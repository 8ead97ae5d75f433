import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntegration } from '../api/inbox-fixtures.js';
import {
  hasChromium,
  postToApiChannel,
  SCENE_PASSWORD,
  setUpInboxScene,
  signedIn as signedInAs,
  startWebApp,
  type WebApp,
} from '../helpers/browser.js';

const SECRET = 'blocking-browser-test-secret';
const LIVE = { timeout: 3000 };

describe.skipIf(!hasChromium)('blocking a contact', () => {
  let web: WebApp;
  let baseUrl: string;
  let integration: Awaited<ReturnType<typeof startIntegration>>;
  let channelId: string;
  let messageNumber = 0;

  const contactWrites = (name: string, text: string) =>
    postToApiChannel(baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: name, name }, message: { id: `m-${++messageNumber}`, text } });
  const signedIn = (email: string) => signedInAs(web, email, SCENE_PASSWORD);

  beforeAll(async () => {
    web = await startWebApp();
    baseUrl = web.baseUrl;
    integration = await startIntegration();

    ({ channelId } = await setUpInboxScene(baseUrl, { url: integration.url, secret: SECRET }));
  });

  afterAll(async () => {
    await integration?.close();
    await web?.close();
  });

  it('lets an agent block from the inbox: the conversation moves to Blocked contacts, replies give way to a banner, what the contact sends stays hidden until asked for, and Unblock restores replies', async () => {
    const { context, page } = await signedIn('aiko@acme.test');
    await page.goto('/inbox/unassigned');
    await page.getByRole('img', { name: 'Live updates: connected' }).waitFor();
    await contactWrites('Sam Spammer', 'Hi, I have a question about my order.');

    await page.getByRole('link', { name: /Sam Spammer/ }).click();
    const window = page.getByRole('region', { name: 'Sam Spammer' });
    await window.getByText('Hi, I have a question about my order.').waitFor();

    await window.getByRole('button', { name: 'Block', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Block Sam Spammer?' });
    await dialog
      .getByText('Their conversation is closed and moved to Blocked contacts; new messages from them are kept but hidden and never notify.')
      .waitFor();
    await dialog.getByRole('button', { name: 'Block contact' }).click();
    await page.getByRole('status').getByText('Sam Spammer is blocked.').waitFor();

    // Shown where it now is: in Blocked contacts, with the banner; colleagues may still comment, nobody may reply.
    await page.waitForURL(/\/inbox\/blocked\//);
    const list = page.getByRole('region', { name: 'Conversations' });
    await list.getByRole('heading', { name: 'Blocked contacts' }).waitFor();
    await list.getByRole('link', { name: /Sam Spammer/ }).waitFor(LIVE);
    await window.getByText('Blocked', { exact: true }).waitFor();
    await window.getByText('This contact is blocked. Messages they send are kept but not shown.').waitFor();
    expect(await window.getByRole('textbox', { name: 'Reply to the contact' }).count()).toBe(0);
    expect(await window.getByRole('button', { name: 'Reply', exact: true }).isDisabled()).toBe(true);
    await window.getByRole('textbox', { name: 'Internal comment' }).waitFor();
    expect(await window.getByRole('button', { name: 'Block', exact: true }).count()).toBe(0);

    await page.getByRole('link', { name: /^Unassigned/ }).click();
    await list.getByText('No conversations here.').waitFor(LIVE);
    await page.getByRole('link', { name: /^Blocked contacts/ }).click();
    const samRow = list.getByRole('link', { name: /Sam Spammer/ });
    await samRow.click();

    // Kept, but neither shown nor a dot, here or for a manager watching every open conversation. A
    // later message from someone else reaches the manager live: the silence is not slowness.
    const manager = await signedIn('max@acme.test');
    await manager.page.goto('/inbox/all');
    await manager.page.getByRole('img', { name: 'Live updates: connected' }).waitFor();
    await contactWrites('Sam Spammer', 'CHEAP FOLLOWERS at spam.example');
    await contactWrites('Nina Normal', 'Is the shop open on Sunday?');
    await manager.page.getByRole('link', { name: /Nina Normal/ }).getByRole('img', { name: 'New message' }).waitFor(LIVE);
    expect(await manager.page.getByRole('link', { name: /Sam Spammer/ }).count()).toBe(0);
    expect(await samRow.getByRole('img', { name: 'New message' }).count()).toBe(0);
    expect(await samRow.getByText('CHEAP FOLLOWERS').count()).toBe(0);
    expect(await window.getByText('CHEAP FOLLOWERS at spam.example').count()).toBe(0);
    await manager.context.close();

    await window.getByRole('checkbox', { name: 'Show messages received while blocked' }).check();
    const hidden = window.getByRole('listitem').filter({ hasText: 'CHEAP FOLLOWERS at spam.example' });
    await hidden.getByText('Received while blocked', { exact: true }).waitFor();
    expect(await window.getByText('Received while blocked', { exact: true }).count()).toBe(1);

    await window.getByRole('button', { name: 'Unblock', exact: true }).click();
    await page.getByRole('dialog', { name: 'Unblock Sam Spammer?' }).getByRole('button', { name: 'Unblock contact' }).click();
    await page.getByRole('status').getByText('Sam Spammer is unblocked.').waitFor();
    await window.getByRole('textbox', { name: 'Reply to the contact' }).waitFor(LIVE);
    // Nothing received while blocked is replayed as new.
    expect(await window.getByText('CHEAP FOLLOWERS at spam.example').count()).toBe(0);
    await list.getByText('No conversations here.').waitFor(LIVE);

    await context.close();
  });

  it('shows monthly active contacts to the owner only', async () => {
    const owner = await signedIn('olivia@acme.test');
    await owner.page.goto('/inbox');
    await owner.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage' }).click();
    await owner.page.getByRole('heading', { name: /^Monthly active contacts in / }).waitFor();
    await owner.page.getByText('A contact counts once per calendar month (UTC) when a message was exchanged with it while it was not blocked.').waitFor();
    // Sam and Nina both wrote this month while not blocked.
    await owner.page.locator('.usage-figure', { hasText: /^2$/ }).waitFor();
    expect(await owner.page.getByRole('list', { name: 'Last 12 months' }).getByRole('listitem').count()).toBe(12);

    const manager = await signedIn('max@acme.test');
    await manager.page.goto('/inbox');
    await manager.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Inbox' }).waitFor();
    expect(await manager.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage' }).count()).toBe(0);
    await manager.page.goto('/usage');
    await manager.page.getByRole('heading', { name: 'You are not allowed to see this page' }).waitFor();

    await owner.context.close();
    await manager.context.close();
  });
});
