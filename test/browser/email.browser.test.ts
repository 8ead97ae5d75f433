import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntegration } from '../api/inbox-fixtures.js';
import { startMailSink } from '../helpers/mail.js';
import { callApi, hasChromium, SCENE_PASSWORD, setUpInboxScene, signedIn, startWebApp, type WebApp } from '../helpers/browser.js';

const LIVE = { timeout: 5000 };
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/**
 * A hostile HTML mail in the agent's browser: its script never runs, its tracking image is not
 * requested until the agent clicks "show images", and its quoted history is folded behind "…".
 */
describe.skipIf(!hasChromium)('an HTML mail in the inbox', () => {
  let web: WebApp;
  let integration: Awaited<ReturnType<typeof startIntegration>>;
  let relay: Awaited<ReturnType<typeof startMailSink>>;

  beforeAll(async () => {
    web = await startWebApp();
    integration = await startIntegration();
    relay = await startMailSink();
    const { ownerToken } = await setUpInboxScene(web.baseUrl, { url: integration.url, secret: 'email-browser-secret' });
    // The relay stands on this machine: the workspace allows it.
    await callApi(web.baseUrl, 'PATCH', '/api/v1/settings', ownerToken, { allowedPrivateHosts: [new URL(integration.url).host, '127.0.0.1'] });
    await callApi(web.baseUrl, 'POST', '/api/v1/channels', ownerToken, {
      type: 'email',
      name: 'Support mail',
      settings: { address: 'support@acme.test', smtpHost: '127.0.0.1', smtpPort: Number(new URL(relay.url).port) },
    });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: web.server.smtpPort(), secure: false, ignoreTLS: true });
    await transport.sendMail({
      from: 'Hostile Sender <hostile@customer.example>',
      to: 'support@acme.test',
      subject: 'Your invoice',
      text: 'Hello team',
      html: `<p>Hello <b>team</b>, please look.</p>
<script>window.parent.postMessage('script ran', '*'); alert('script')</script>
<img src="x" onerror="window.parent.postMessage('handler ran', '*')">
<img src="https://tracker.example/pixel.gif?u=1" width="1" height="1" alt="">
<a href="javascript:window.parent.postMessage('link ran', '*')">click me</a>
<blockquote type="cite">On Monday support wrote: the old quoted text</blockquote>`,
    });
    transport.close();
  });

  afterAll(async () => {
    await relay?.close();
    await integration?.close();
    await web?.close();
  });

  it('runs no script, requests no image until "show images", and folds the quoted text behind …', async () => {
    const { context, page } = await signedIn(web, 'olivia@acme.test', SCENE_PASSWORD, { viewport: { width: 1440, height: 900 } });
    const requested: string[] = [];
    await context.route('https://tracker.example/**', (route) => {
      requested.push(route.request().url());
      return route.fulfill({ status: 200, contentType: 'image/gif', body: GIF });
    });
    const ran: string[] = [];
    page.on('dialog', (dialog) => {
      ran.push(`dialog: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await page.exposeFunction('reportRan', (what: string) => ran.push(what));
    await page.addInitScript(() => window.addEventListener('message', (event) => (window as unknown as { reportRan(what: string): void }).reportRan(String(event.data))));

    await page.goto('/inbox/all');
    await page.getByRole('link', { name: /Hostile Sender/ }).click(LIVE);
    const frame = page.frameLocator('iframe[title="Email: Your invoice"]');
    await frame.getByText('please look.').waitFor(LIVE);
    await page.getByText('Your invoice', { exact: true }).first().waitFor(LIVE);
    await frame.getByText('click me').click();
    // The quoted history is folded: not in the frame until "…" is pressed.
    expect(await frame.getByText('the old quoted text').count()).toBe(0);
    await page.getByRole('button', { name: 'Show the quoted text' }).click();
    await frame.getByText('the old quoted text').waitFor(LIVE);

    expect(requested).toEqual([]);
    await page.getByRole('button', { name: 'Show images (1)' }).click();
    await expect.poll(() => requested.length, LIVE).toBeGreaterThan(0);
    expect(requested[0]).toBe('https://tracker.example/pixel.gif?u=1');
    // Nothing in the mail ran, before or after.
    await page.waitForTimeout(300);
    expect(ran).toEqual([]);
    await context.close();
  });
});
