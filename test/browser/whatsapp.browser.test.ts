import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, SCENE_PASSWORD, signedIn, startProviderScene, type WebApp } from '../helpers/browser.js';
import { type MetaSimulator, startMetaSimulator } from '../simulators/meta.js';

/** "Live" means without reloading, well within the second SPEC §3.5 allows plus rendering. */
const LIVE = { timeout: 5000 };
const HOUR = 60 * 60 * 1000;

describe.skipIf(!hasChromium)('WhatsApp in the web app', () => {
  let web: WebApp;
  let sim: MetaSimulator;

  beforeAll(async () => {
    ({ web } = await startProviderScene());
    sim = await startMetaSimulator();
  });

  afterAll(async () => {
    await sim?.close();
    await web?.close();
  });

  it('an owner connects WhatsApp in Settings; an agent answers a contact silent for 25 hours with a template, which turns delivered, then read', async () => {
    // The business's number exists at Meta before it is connected here.
    sim.connect({ id: '106540352242922', appSecret: 'simulated-app-secret', token: 'simulated-access-token' });
    const owner = await signedIn(web, 'olivia@acme.test', SCENE_PASSWORD);
    const page = owner.page;
    await page.goto('/settings/channels');
    await page.getByRole('button', { name: 'Connect a channel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect a channel' });
    await dialog.getByLabel('Channel type').selectOption({ label: 'WhatsApp' });
    await dialog.getByLabel('Name').fill('WhatsApp support');
    await dialog.getByLabel('Phone number ID').fill('106540352242922');
    await dialog.getByLabel('Access token').fill('simulated-access-token');
    await dialog.getByLabel('App secret').fill('simulated-app-secret');
    await dialog.getByLabel('API base URL').fill(sim.url);
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.getByText('WhatsApp support is connected.').waitFor();
    await dialog.getByText('The connection works: +1 555-010-0100 (Simulated Shop)').waitFor(LIVE);
    const verifyToken = await dialog.getByLabel('Verify token', { exact: true }).inputValue();
    expect(verifyToken).toMatch(/^[\w-]{20,}$/);
    const callbackUrl = await dialog.getByLabel('Callback URL', { exact: true }).inputValue();
    const channelId = callbackUrl.split('/').at(-1)!;
    expect(callbackUrl).toMatch(new RegExp(`/webhooks/whatsapp/${channelId}$`));
    await dialog.getByRole('button', { name: 'Done' }).click();
    const row = page.getByRole('row').filter({ hasText: 'WhatsApp support' });
    await row.getByText('Active').waitFor();

    // Meta's console verifies the URL with the token shown, then the Settings page says so.
    const handshake = await fetch(`${web.baseUrl}/webhooks/whatsapp/${channelId}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=31337`);
    expect(await handshake.text()).toBe('31337');

    // A template, with its preview filled as the owner types values.
    await page.getByRole('link', { name: 'Templates' }).click();
    await page.getByRole('button', { name: 'Add template' }).click();
    const add = page.getByRole('dialog', { name: 'Add template' });
    await add.getByLabel('Name').fill('order_update');
    await add.getByLabel('Language').fill('en');
    await add.getByLabel('Category').selectOption('UTILITY');
    await add.getByLabel('Text', { exact: true }).fill('Hi {{1}}, your order {{2}} is on its way.');
    await add.getByLabel('Value for {{1}}').fill('Ana');
    await add.getByLabel('Preview').getByText('Hi Ana, your order {{2}} is on its way.').waitFor();
    await add.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('cell', { name: 'order_update', exact: true }).waitFor();
    await owner.context.close();

    // A customer wrote 25 hours ago: the window is closed.
    sim.connect({ id: '106540352242922', webhookUrl: `${web.baseUrl}/webhooks/whatsapp/${channelId}`, appSecret: 'simulated-app-secret', token: 'simulated-access-token' });
    const written = await sim.whatsapp.customerWrites('106540352242922', { from: '16315551181', name: 'Ana Lima', text: 'Where is my order?', at: new Date(Date.now() - 25 * HOUR) });
    expect(written.status).toBe(200);

    const agent = await signedIn(web, 'aiko@acme.test', SCENE_PASSWORD);
    await agent.page.goto('/inbox/unassigned');
    await agent.page.getByRole('link', { name: /Ana Lima/ }).click();
    const window = agent.page.getByRole('region', { name: 'Ana Lima' });
    await window.getByText('The 24-hour window on WhatsApp support is closed: only approved templates can be sent until the contact writes again.').waitFor();
    expect(await window.getByRole('textbox', { name: 'Reply to the contact' }).isDisabled()).toBe(true);
    await window.getByLabel('Template', { exact: true }).selectOption({ label: 'order_update (en)' });
    await window.getByLabel('Value for {{1}}').fill('Ana');
    await window.getByLabel('Value for {{2}}').fill('4521');
    await window.getByLabel('Preview').getByText('Hi Ana, your order 4521 is on its way.').waitFor();
    await window.getByRole('button', { name: 'Send template' }).click();

    const sent = await sim.waitFor((all) => all.find((request) => request.json?.type === 'template'));
    expect(sent.path).toBe('/v23.0/106540352242922/messages');
    expect(sent.headers.authorization).toBe('Bearer simulated-access-token');
    expect(sent.json).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '16315551181',
      type: 'template',
      template: { name: 'order_update', language: { code: 'en' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ana' }, { type: 'text', text: '4521' }] }] },
    });
    const reply = window.getByRole('listitem').filter({ hasText: 'Hi Ana, your order 4521 is on its way.' });
    await reply.getByText('Sent').waitFor(LIVE);

    const wamid = sim.sent.find((each) => each.json.type === 'template')!.id;

    await sim.whatsapp.reportStatus('106540352242922', { id: wamid, status: 'delivered', recipient: '16315551181' });
    await reply.getByText('Delivered').waitFor(LIVE);
    await sim.whatsapp.reportStatus('106540352242922', { id: wamid, status: 'read', recipient: '16315551181' });
    await reply.getByText('Read').waitFor(LIVE);
    await agent.context.close();
  });
});
