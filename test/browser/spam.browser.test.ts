import { afterAll, beforeAll, describe, it } from 'vitest';
import { startIntegration } from '../api/inbox-fixtures.js';
import { callApi, hasChromium, postToApiChannel, SCENE_PASSWORD, setUpInboxScene, signedIn, startWebApp, type WebApp } from '../helpers/browser.js';

const SECRET = 'spam-browser-test-secret';

describe.skipIf(!hasChromium)('spam review and quarantined contacts', () => {
  let web: WebApp;
  let integration: Awaited<ReturnType<typeof startIntegration>>;

  beforeAll(async () => {
    web = await startWebApp();
    integration = await startIntegration();
    const { ownerToken, channelId } = await setUpInboxScene(web.baseUrl, { url: integration.url, secret: SECRET });
    await callApi(web.baseUrl, 'PATCH', '/api/v1/spam/settings', ownerToken, {
      blockedDomains: ['casino.example'],
      channels: { [channelId]: { action: 'quarantine', threshold: 100 } },
    });
    await postToApiChannel(
      web.baseUrl,
      { id: channelId, secret: SECRET },
      { contact: { identifier: 'lucky', name: 'Lucky Promo' }, message: { id: 'spam-1', text: 'Win big at https://casino.example/spin or bit.ly/win' } },
    );
  });

  afterAll(async () => {
    await integration?.close();
    await web?.close();
  });

  it('shows why a message was held, in the reader’s words and language', async () => {
    const { context, page } = await signedIn(web, 'max@acme.test', SCENE_PASSWORD);
    await page.goto('/spam-review');
    const reasons = page.getByRole('list', { name: 'Reasons' });
    await reasons.getByText('Link to a blocked domain: casino.example').waitFor();
    await reasons.getByText('Link through a URL shortener: bit.ly').waitFor();
    await context.close();

    const german = await web.browser.newContext({ locale: 'de-DE', baseURL: web.baseUrl });
    await german.request.post('/api/v1/auth/login', { data: { email: 'max@acme.test', password: SCENE_PASSWORD } });
    const seite = await german.newPage();
    await seite.goto('/spam-review');
    await seite.getByRole('list', { name: 'Gründe' }).getByText('Link zu einer gesperrten Domain: casino.example').waitFor();
    await german.close();
  });

  it('marks the quarantined contact in the contacts table and drawer, linking to the spam review', async () => {
    const { context, page } = await signedIn(web, 'max@acme.test', SCENE_PASSWORD);
    await page.goto('/contacts');
    const row = page.getByRole('row').filter({ hasText: 'Lucky Promo' });
    await row.getByRole('link', { name: 'Quarantined' }).waitFor();

    await row.getByRole('link', { name: /Lucky Promo/ }).click();
    const drawer = page.getByRole('complementary', { name: 'Contact details' });
    await drawer.getByRole('link', { name: 'Quarantined' }).click();
    await page.waitForURL(/\/spam-review$/);
    await page.getByRole('heading', { name: 'Spam review' }).waitFor();
    await context.close();
  });
});
