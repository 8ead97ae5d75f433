import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, SCENE_PASSWORD, signedIn, startProviderScene, type WebApp } from '../helpers/browser.js';
import { type BotsSimulator, startBotsSimulator } from '../simulators/bots.js';

const LIVE = { timeout: 5000 };
const HOUR = 60 * 60 * 1000;

describe.skipIf(!hasChromium)('Viber in the web app', () => {
  let web: WebApp;
  let sim: BotsSimulator;

  beforeAll(async () => {
    ({ web } = await startProviderScene());
    sim = await startBotsSimulator();
  });

  afterAll(async () => {
    await sim?.close();
    await web?.close();
  });

  it('an owner connects Viber (the test sets its webhook); past the 24-hour session the composer counts the month’s free messages', async () => {
    sim.viber.connect({ authToken: 'simulated-viber-auth-token' });
    const owner = await signedIn(web, 'olivia@acme.test', SCENE_PASSWORD);
    const page = owner.page;
    await page.goto('/settings/channels');
    await page.getByRole('button', { name: 'Connect a channel' }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect a channel' });
    await dialog.getByLabel('Channel type').selectOption({ label: 'Viber' });
    await dialog.getByLabel('Name').fill('Viber shop');
    await dialog.getByLabel('Authentication token').fill('simulated-viber-auth-token');
    expect(await dialog.getByLabel('Viber commercial terms').isChecked()).toBe(false);
    await dialog.getByLabel('API base URL').fill(sim.url);
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.getByText('The connection works: Simulated Shop, webhook set').waitFor(LIVE);
    await dialog.getByText('“Test connection” gives Viber this URL, and Viber checks it at once: nothing to paste.').waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();
    await owner.context.close();

    // Viber now posts to the URL set_webhook was given; the customer wrote 25 hours ago.
    const { payload } = sim.viber.message({ sender: { id: '01234567890A=', name: 'John McClane', country: 'UK', language: 'en' }, text: 'Still open?', at: new Date(Date.now() - 25 * HOUR) });
    expect((await sim.viber.post('simulated-viber-auth-token', payload)).status).toBe(200);

    const agent = await signedIn(web, 'aiko@acme.test', SCENE_PASSWORD);
    await agent.page.goto('/inbox/unassigned');
    await agent.page.getByRole('link', { name: /John McClane/ }).click();
    const window = agent.page.getByRole('region', { name: 'John McClane' });
    const state = window.getByRole('status').filter({ hasText: 'chatbot-initiated' });
    await state.getByText('0 of 10,000 free messages used this month.', { exact: false }).waitFor(LIVE);
    await agent.page.getByRole('textbox', { name: 'Reply to the contact' }).fill('Yes, until six.');
    await agent.page.keyboard.press('Enter');
    await window.getByRole('listitem').filter({ hasText: 'Yes, until six.' }).getByText('Sent').waitFor(LIVE);
    const sent = sim.sent.find((each) => each.provider === 'viber' && each.json.text === 'Yes, until six.')!;
    expect(sent.json).toMatchObject({ receiver: '01234567890A=', sender: { name: 'Simulated Shop' }, type: 'text' });
    // Without reloading: the reply's "sent" refreshes the count.
    await window.getByRole('status').getByText('1 of 10,000 free messages used this month.', { exact: false }).waitFor(LIVE);
    await agent.context.close();
  });
});
