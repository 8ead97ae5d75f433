import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntegration } from '../api/inbox-fixtures.js';
import { accessibilityProblems, callApi, hasChromium, postToApiChannel, SCENE_PASSWORD, setUpInboxScene, signedIn, startWebApp, type WebApp } from '../helpers/browser.js';

const SECRET = 'workflows-browser-test-secret';

async function until(check: () => Promise<boolean>, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!hasChromium)('workflows', () => {
  let web: WebApp;
  let integration: Awaited<ReturnType<typeof startIntegration>>;
  let channelId: string;
  let ownerToken: string;

  beforeAll(async () => {
    web = await startWebApp();
    integration = await startIntegration();
    ({ channelId, ownerToken } = await setUpInboxScene(web.baseUrl, { url: integration.url, secret: SECRET }));
    await callApi(web.baseUrl, 'POST', '/api/v1/tags', ownerToken, { name: 'lead' });
  });
  afterAll(async () => {
    await integration?.close();
    await web?.close();
  });

  it('a manager builds a keyword workflow that tags and assigns; the keyword arrives and the Inbox shows the tag and the assignee live; the run lists each step', async () => {
    const { page } = await signedIn(web, 'max@acme.test', SCENE_PASSWORD);
    const problems: string[] = [];
    page.on('console', (message) => {
      // The one refused save below answers 400 on purpose; anything else (a CSP refusal of eval among them) is a problem.
      if ((message.type() === 'error' && !/status of 400/.test(message.text())) || /Content Security Policy/i.test(message.text())) problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));

    await page.goto('/settings/workflows');
    await page.getByRole('button', { name: 'New workflow' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Pricing leads');
    await page.getByLabel('Trigger', { exact: true }).selectOption('message_received');
    await page.getByLabel('Keywords (comma-separated; none: every message)').fill('price, offer');

    // Saving an empty workflow is refused with the place named, before any round trip.
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').getByText('steps: at least one step').waitFor();

    const add = page.getByLabel('Add a step to Steps');
    await add.selectOption('add_tag');
    await page.getByRole('button', { name: 'Add a step' }).click();
    const first = page.getByRole('listitem', { name: 'Step 1' });
    await first.getByLabel('Tag').fill('lead');
    await add.selectOption('assign');
    await page.getByRole('button', { name: 'Add a step' }).click();
    const second = page.getByRole('listitem', { name: 'Step 2' });
    await second.getByLabel('Assign to').selectOption('user');
    await second.getByLabel('User').selectOption({ label: 'Aiko Tanaka' });
    expect(await accessibilityProblems(page)).toEqual([]);

    // A tag that does not exist is refused by the server, naming the place.
    await first.getByLabel('Tag').fill('nonexistent');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('alert').getByText('steps.0.tag: no tag "nonexistent" in this workspace').waitFor();
    await first.getByLabel('Tag').fill('lead');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').getByText('Saved (version 1).').waitFor();
    await page.getByRole('button', { name: 'Back to workflows' }).click();
    await page.getByRole('cell', { name: 'Pricing leads', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Publish Pricing leads' }).click();
    await page.getByRole('button', { name: 'Disable Pricing leads' }).waitFor();

    // The Inbox, open on the conversation before the keyword arrives.
    const inbox = await page.context().newPage();
    // Wide enough for the contact panel beside the conversation.
    await inbox.setViewportSize({ width: 1700, height: 1000 });
    await inbox.goto('/inbox/all');
    await inbox.getByRole('img', { name: 'Live updates: connected' }).waitFor();
    await postToApiChannel(web.baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'pat', name: 'Pat Buyer' }, message: { id: 'm-1', text: 'Hello there' } });
    await inbox.getByRole('link', { name: /Pat Buyer/ }).click();
    const window = inbox.getByRole('region', { name: 'Pat Buyer' });
    await window.getByText('Hello there').waitFor();
    const assignee = window.getByLabel('Assignee');
    expect(await assignee.inputValue()).toBe('');

    await postToApiChannel(web.baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'pat', name: 'Pat Buyer' }, message: { id: 'm-2', text: 'What is the PRICE?' } });
    await until(async () => (await assignee.locator('option:checked').textContent())?.startsWith('Aiko Tanaka') ?? false);
    await inbox.getByRole('button', { name: 'Remove the tag lead' }).waitFor({ timeout: 5000 });

    // The run, step by step.
    await page.getByRole('button', { name: 'Runs of Pricing leads' }).click();
    const runs = page.getByRole('table');
    await runs.getByText('Completed', { exact: true }).waitFor();
    await runs.getByText('steps.0').waitFor();
    await runs.getByText('steps.1').waitFor();
    expect(problems).toEqual([]);
  }, 90_000);

  it('an agent starts a shortcut workflow from the conversation’s menu', async () => {
    await callApi(web.baseUrl, 'POST', '/api/v1/tags', ownerToken, { name: 'called-back' });
    await callApi(web.baseUrl, 'POST', '/api/v1/workflows', ownerToken, {
      name: 'Call back',
      enabled: true,
      trigger: { type: 'shortcut' },
      steps: [{ type: 'add_tag', tag: 'called-back' }],
    });
    const { page } = await signedIn(web, 'aiko@acme.test', SCENE_PASSWORD);
    await page.setViewportSize({ width: 1700, height: 1000 });
    await postToApiChannel(web.baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier: 'kim', name: 'Kim Caller' }, message: { id: 'k-1', text: 'Please call me' } });
    await page.goto('/inbox/unassigned');
    await page.getByRole('link', { name: /Kim Caller/ }).click();
    const window = page.getByRole('region', { name: 'Kim Caller' });
    await window.getByRole('button', { name: 'Run a workflow' }).click();
    await page.getByRole('button', { name: 'Run “Call back”' }).click();
    await page.getByRole('status').getByText('Workflow “Call back” started.').waitFor();
    await page.getByRole('button', { name: 'Remove the tag called-back' }).waitFor({ timeout: 5000 });
  }, 60_000);
});
