import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntegration } from '../api/inbox-fixtures.js';
import { accessibilityProblems, callApi, hasChromium, postToApiChannel, SCENE_PASSWORD, setUpInboxScene, signedIn, startWebApp, type WebApp } from '../helpers/browser.js';

const SECRET = 'accessibility-browser-secret';

/** Every page of the web app, as each role reaches it, checked by axe-core: no serious or critical finding. */
describe.skipIf(!hasChromium)('every page, for every role', () => {
  let web: WebApp;
  let integration: Awaited<ReturnType<typeof startIntegration>>;
  let conversationId: string;
  let contactId: string;

  beforeAll(async () => {
    web = await startWebApp();
    integration = await startIntegration();
    const { ownerToken, channelId } = await setUpInboxScene(web.baseUrl, { url: integration.url, secret: SECRET });
    const call = (method: string, path: string, body?: unknown) => callApi(web.baseUrl, method, path, ownerToken, body);
    await call('POST', '/api/v1/teams', { name: 'Support' });
    await call('POST', '/api/v1/saved-replies', { shortcut: 'thanks', text: 'Thank you for writing!' });
    await call('POST', '/api/v1/custom-fields', { key: 'plan', label: 'Plan', type: 'dropdown', options: ['Free', 'Pro'] });
    await call('POST', '/api/v1/contacts', { firstName: 'Lea', lastName: 'Lang', email: 'lea@example.com', tags: ['VIP'] });
    await postToApiChannel(web.baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'ax-1', name: 'Ada Axe' }, message: { id: 'ax-1', text: 'Hello **there**' } });
    ({ id: conversationId, contactId } = (await call('GET', '/api/v1/conversations?inbox=all')).items[0]);
  });

  afterAll(async () => {
    await integration?.close();
    await web?.close();
  });

  const inboxPages = () => ['/inbox/mine', '/inbox/unassigned', `/inbox/unassigned/${conversationId}`, '/inbox/blocked', '/dashboard'];
  const managerPages = () => [
    ...inboxPages(),
    '/inbox/all?status=closed',
    '/contacts',
    `/contacts/${contactId}`,
    '/spam-review',
    '/settings/users',
    '/settings/workspace',
    '/settings/contact-fields',
    '/settings/tags',
    '/settings/saved-replies',
    '/settings/spam',
  ];

  // A manager sees the owner's pages, less what their role changes on them: those are visited again.
  it.each([
    ['olivia@acme.test', 'owner', () => [...managerPages(), '/usage']],
    ['max@acme.test', 'manager', () => ['/inbox/all?status=closed', `/inbox/unassigned/${conversationId}`, '/contacts', '/settings/users', '/dashboard', '/usage']],
    ['aiko@acme.test', 'agent', inboxPages],
  ])('%s (%s)', { timeout: 60_000 }, async (email, _role, pages) => {
    const { context, page } = await signedIn(web, email, SCENE_PASSWORD, { viewport: { width: 1440, height: 900 } });
    const found: Record<string, string[]> = {};
    for (const path of pages()) {
      await page.goto(path);
      await page.getByRole('img', { name: 'Live updates: connected' }).waitFor();
      await page.waitForFunction(() => document.querySelector('[aria-busy="true"]') === null);
      const problems = await accessibilityProblems(page);
      if (problems.length > 0) found[path] = problems;
    }
    expect(found).toEqual({});
    await context.close();
  });
});
