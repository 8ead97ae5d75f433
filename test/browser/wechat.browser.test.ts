import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, hasChromium, SCENE_PASSWORD, signedIn, startProviderScene, type WebApp } from '../helpers/browser.js';
import { startWechatSmsSimulator, type WechatSmsSimulator } from '../simulators/wechat-sms.js';

const LIVE = { timeout: 5000 };

describe.skipIf(!hasChromium)('WeChat in the web app', () => {
  let web: WebApp;
  let sim: WechatSmsSimulator;
  const call = (method: string, path: string, token?: string, body?: unknown) => callApi(web.baseUrl, method, path, token, body);

  beforeAll(async () => {
    ({ web } = await startProviderScene());
    sim = await startWechatSmsSimulator();
  });

  afterAll(async () => {
    await sim?.close();
    await web?.close();
  });

  it('an owner connects WeChat; the composer counts the five replies down with the time left, and refuses the sixth', async () => {
    const account = { appId: 'wx5f3a0c1b2d4e6f70', appSecret: 'simulated-app-secret', token: 'SimulatedToken42' };
    sim.wechat.connect(account);
    const owner = await signedIn(web, 'olivia@acme.test', SCENE_PASSWORD);
    await owner.page.goto('/settings/channels');
    await owner.page.getByRole('button', { name: 'Connect a channel' }).click();
    const dialog = owner.page.getByRole('dialog', { name: 'Connect a channel' });
    await dialog.getByLabel('Channel type').selectOption({ label: 'WeChat' });
    await dialog.getByLabel('Name').fill('WeChat');
    await dialog.getByLabel('AppID').fill(account.appId);
    await dialog.getByLabel('AppSecret').fill(account.appSecret);
    await dialog.getByLabel('Token', { exact: true }).fill(account.token);
    await dialog.getByLabel('API base URL').fill(sim.url);
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.getByText(`The connection works: WeChat issued an access token for ${account.appId}`).waitFor(LIVE);
    const callbackUrl = await dialog.getByLabel('Callback URL', { exact: true }).inputValue();
    await owner.context.close();

    sim.wechat.connect({ ...account, webhookUrl: callbackUrl });
    sim.wechat.setProfile('oLiWei0001', { nickname: 'Li Wei', headimgurl: '', language: 'zh_CN' });
    expect((await sim.wechat.customerWrites(account.appId, { from: 'oLiWei0001', text: '你好, is my order shipped?' })).body).toBe('success');

    const agent = await signedIn(web, 'aiko@acme.test', SCENE_PASSWORD);
    await agent.page.goto('/inbox/unassigned');
    await agent.page.getByRole('link', { name: /Li Wei/ }).click();
    const region = agent.page.getByRole('region', { name: 'Li Wei' });
    const state = region.getByRole('status').filter({ hasText: 'WeChat' });
    await state.getByText(/WeChat: the window is open, 4[78] hr.* left\. 5 messages left in this window\./).waitFor(LIVE);
    const box = region.getByRole('textbox', { name: 'Reply to the contact' });
    for (let n = 1; n <= 5; n++) {
      await box.fill(`Reply ${n}`);
      await box.press('Enter');
      if (n < 5) await state.getByText(`${5 - n} messages left in this window.`).waitFor(LIVE);
    }
    await state.getByText('No more messages may be sent on WeChat until the contact writes again.').waitFor(LIVE);
    expect(await box.isDisabled()).toBe(true);
    expect(sim.requestsTo('/cgi-bin/message/custom/send')).toHaveLength(5);

    // Past the composer too: the API refuses the sixth before WeChat is called.
    const { token } = await call('POST', '/api/v1/auth/login', undefined, { email: 'aiko@acme.test', password: SCENE_PASSWORD });
    const conversations = await call('GET', '/api/v1/conversations?inbox=all', token);
    const refused = await fetch(`${web.baseUrl}/api/v1/conversations/${conversations.items[0].id}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ type: 'reply', text: 'Reply 6' }),
    });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.code).toBe('messaging_window_closed');
    expect(sim.requestsTo('/cgi-bin/message/custom/send')).toHaveLength(5);

    // The contact writes again: five more.
    await sim.wechat.customerWrites(account.appId, { from: 'oLiWei0001', text: 'Thanks!' });
    await state.getByText(/5 messages left in this window\./).waitFor(LIVE);
    expect(await box.isDisabled()).toBe(false);
  });
});
