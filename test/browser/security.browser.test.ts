import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, postToApiChannel, SCENE_PASSWORD, setUpInboxScene, signedIn, startWebApp, type WebApp } from '../helpers/browser.js';

const SECRET = 'security-browser-test-secret';

/** Every Content-Security-Policy violation the page reports, and the console's errors about one. */
async function watchViolations(page: Page) {
  const console: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) console.push(message.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { cspViolations: string[] }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push(`${event.violatedDirective} ${event.blockedURI}`));
  });
  return {
    console,
    fromPage: () => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations),
  };
}

describe.skipIf(!hasChromium)('the browser layer', () => {
  let web: WebApp;
  let conversationPath: string;

  beforeAll(async () => {
    web = await startWebApp();
    // The integration is never called: nobody replies here.
    const { channelId, ownerToken } = await setUpInboxScene(web.baseUrl, { url: 'https://integration.example.test/hook', secret: SECRET });
    await postToApiChannel(web.baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'csp-1', name: 'Cleo Policy' }, message: { id: 'csp-m1', text: 'Hello' } });
    const list = await fetch(`${web.baseUrl}/api/v1/conversations`, { headers: { authorization: `Bearer ${ownerToken}` } });
    conversationPath = `/inbox/all/${((await list.json()) as { items: Array<{ id: string }> }).items[0]!.id}`;
  });
  afterAll(() => web?.close());

  it('serves the web app with a strict policy, and every page keeps to it', async () => {
    const { context, page } = await signedIn(web, 'olivia@acme.test', SCENE_PASSWORD);
    const violations = await watchViolations(page);

    const headers = (await page.goto('/inbox'))!.headers();
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['content-security-policy']).toContain("script-src 'self'");
    expect(headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('same-origin');

    const pages: Array<[string, string]> = [
      [conversationPath, 'Hello'],
      ['/contacts', 'Cleo Policy'],
      ['/dashboard', 'Dashboard'],
      ['/usage', 'Usage'],
      ['/spam-review', 'Spam review'],
      ['/settings/users', 'Aiko Tanaka'],
      ['/settings/workspace', 'When a conversation is closed'],
      ['/settings/contact-fields', 'Contact fields'],
      ['/settings/tags', 'Tags'],
      ['/settings/saved-replies', 'Saved replies'],
      ['/settings/spam', 'Spam'],
      ['/settings/workflows', 'New workflow'],
    ];
    for (const [path, text] of pages) {
      await page.goto(path);
      await page.getByText(text).first().waitFor({ timeout: 5000 });
      expect({ path, violations: await violations.fromPage() }).toEqual({ path, violations: [] });
    }
    expect(violations.console).toEqual([]);

    // The listener is not blind: an inline script is what the policy stops, and it is reported.
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.inlineRan = true';
      document.body.append(script);
      return new Promise((resolve) => setTimeout(() => resolve((window as unknown as { inlineRan?: boolean }).inlineRan ?? false), 100));
    });
    expect(ran).toBe(false);
    expect(await violations.fromPage()).toEqual([expect.stringMatching(/^script-src/)]);
    await context.close();
  });

  it('keeps to it on the login page too', async () => {
    const context = await web.browser.newContext({ locale: 'en-US', baseURL: web.baseUrl });
    const page = await context.newPage();
    const violations = await watchViolations(page);
    await page.goto('/');
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(await violations.fromPage()).toEqual([]);
    expect(violations.console).toEqual([]);
    await context.close();
  });

  it('shows an agent the trash only once a manager lets agents delete conversations in Settings', async () => {
    const agent = await signedIn(web, 'aiko@acme.test', SCENE_PASSWORD);
    const manager = await signedIn(web, 'max@acme.test', SCENE_PASSWORD);
    await agent.page.goto(conversationPath);
    await agent.page.getByRole('button', { name: 'Close' }).waitFor();
    const trash = agent.page.getByRole('button', { name: 'Delete conversation' });
    expect(await trash.count()).toBe(0);

    await manager.page.goto('/settings/workspace');
    await manager.page.getByLabel('Agents may delete conversations and their history').check();
    await manager.page.getByLabel('Private hosts deliveries may reach').fill('sink.internal:8080\n10.0.0.5');
    await manager.page.getByRole('button', { name: 'Save' }).click();
    await manager.page.getByText('Settings saved.').waitFor();

    // Live: the agent's open conversation gains the button without a reload.
    await trash.waitFor({ timeout: 3000 });
    const settings = await manager.context.request.get('/api/v1/settings');
    expect(await settings.json()).toMatchObject({ agentsMayDeleteConversations: true, allowedPrivateHosts: ['sink.internal:8080', '10.0.0.5'] });
    await agent.context.close();
    await manager.context.close();
  });

  it('cannot be framed by a page of another origin', async () => {
    const framer = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' }).end(`<iframe src="${web.baseUrl}/inbox" title="framed"></iframe>`);
    });
    framer.listen(0, '127.0.0.1');
    await once(framer, 'listening');
    const { context, page } = await signedIn(web, 'olivia@acme.test', SCENE_PASSWORD);
    try {
      const refusals: string[] = [];
      page.on('console', (message) => refusals.push(message.text()));
      // Another port is another origin (and the same site, so the session cookie goes along).
      await page.goto(`http://127.0.0.1:${(framer.address() as AddressInfo).port}/`, { waitUntil: 'load' });
      const framed = page.frames().find((frame) => frame !== page.mainFrame())!;
      expect(await framed.locator('#root').count()).toBe(0);
      expect(refusals.join('\n')).toMatch(/frame-ancestors/);
    } finally {
      await context.close();
      framer.close();
    }
  });
});
