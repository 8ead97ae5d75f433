import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, hasChromium, SCENE_PASSWORD, signedIn, startProviderScene, type WebApp } from '../helpers/browser.js';
import { startWechatSmsSimulator, type WechatSmsSimulator } from '../simulators/wechat-sms.js';

const LIVE = { timeout: 5000 };

describe.skipIf(!hasChromium)('SMS in the web app', () => {
  let web: WebApp;
  let sim: WechatSmsSimulator;
  let ownerToken: string;
  const call = (method: string, path: string, token?: string, body?: unknown) => callApi(web.baseUrl, method, path, token, body);

  beforeAll(async () => {
    ({ web, ownerToken } = await startProviderScene());
    sim = await startWechatSmsSimulator();
  });

  afterAll(async () => {
    await sim?.close();
    await web?.close();
  });

  it('the composer counts a long text’s SMS segments, and says the contact opted out after STOP until START', async () => {
    const account = { accountSid: `AC${'c'.repeat(32)}`, authToken: 'simulated-auth-token-0000', number: '+14155550100' };
    const channel = await call('POST', '/api/v1/channels', ownerToken, { type: 'sms', name: 'Shop SMS', settings: { accountSid: account.accountSid, authToken: account.authToken, fromNumber: account.number, apiBaseUrl: sim.url } });
    sim.twilio.connect({ ...account, signedUrl: channel.webhookUrl, postUrl: channel.webhookUrl });
    expect((await sim.twilio.customerWrites(account.accountSid, { from: '+4915112345678', body: 'Do you deliver to Berlin?' })).status).toBe(200);

    const owner = await signedIn(web, 'olivia@acme.test', SCENE_PASSWORD);
    await owner.page.goto('/inbox/unassigned');
    await owner.page.getByRole('link', { name: /\+49 151 12345678|\+4915112345678/ }).click();
    const region = owner.page;
    const box = region.getByRole('textbox', { name: 'Reply to the contact' });
    await box.fill('x'.repeat(161));
    await region.getByText('161 characters: 2 SMS segments.').waitFor(LIVE);
    // One character outside GSM-7 makes it UCS-2: 70 units a segment (the emoji takes two), 67 when split.
    await box.fill(`${'x'.repeat(69)}😀`);
    await region.getByText('70 characters: 2 SMS segments.').waitFor(LIVE);
    await box.fill('');

    await sim.twilio.customerWrites(account.accountSid, { from: '+4915112345678', body: 'STOP' });
    await region.getByText('Shop SMS: the contact opted out (STOP). Nothing can be sent until they text START.').waitFor(LIVE);
    expect(await box.isDisabled()).toBe(true);
    await sim.twilio.customerWrites(account.accountSid, { from: '+4915112345678', body: 'start' });
    await region.getByText('Shop SMS has no messaging window: replies go out any time.').waitFor(LIVE);
    expect(await box.isDisabled()).toBe(false);
  });
});
