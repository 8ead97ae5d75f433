import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIntegration } from '../api/inbox-fixtures.js';
import { callApi, hasChromium, postToApiChannel, SCENE_PASSWORD, setUpInboxScene, signedIn, startWebApp, type WebApp } from '../helpers/browser.js';

const SECRET = 'inbox-trust-browser-secret';
const LIVE = { timeout: 3000 };

/** The five results of issue 19 that misled a team on its first day: each is what a person sees now. */
describe.skipIf(!hasChromium)('results a team can trust', () => {
  let web: WebApp;
  let baseUrl: string;
  let integration: Awaited<ReturnType<typeof startIntegration>>;
  let ownerToken: string;
  let channelId: string;
  const call = (method: string, path: string, body?: unknown) => callApi(baseUrl, method, path, ownerToken, body);
  const contactWrites = (identifier: string, name: string, text: string, email?: string) =>
    postToApiChannel(baseUrl, { id: channelId, secret: SECRET }, { contact: { identifier, name, email }, message: { id: `${identifier}-${text}`, text } });
  // Wide enough for the Inbox to show the contact drawer beside the conversation.
  const owner = () => signedIn(web, 'olivia@acme.test', SCENE_PASSWORD, { viewport: { width: 1440, height: 900 } });

  beforeAll(async () => {
    web = await startWebApp();
    baseUrl = web.baseUrl;
    integration = await startIntegration();
    ({ ownerToken, channelId } = await setUpInboxScene(baseUrl, { url: integration.url, secret: SECRET }));
    await call('POST', '/api/v1/contacts', { firstName: 'Anna', lastName: 'Berg', tags: ['Churn risk', 'Followup'] });
    await call('POST', '/api/v1/contacts', { firstName: 'Bruno', lastName: 'Costa', tags: ['Followup'] });
    await call('POST', '/api/v1/contacts', { firstName: 'Petra', lastName: 'Kohler', email: 'kohler2@example.com' });
    await call('POST', '/api/v1/contacts', { firstName: 'Sam', lastName: 'Lee', email: 'sam@other.org' });
  });

  afterAll(async () => {
    await integration?.close();
    await web?.close();
  });

  it('applies the tag typed when Enter is pressed before the suggestions catch up, and keeps the dialog’s button uncovered', async () => {
    const { context, page } = await owner();
    await page.goto('/contacts');
    await page.getByRole('checkbox', { name: 'Select Anna Berg' }).check();
    await page.getByRole('region', { name: 'Actions on the selected contacts' }).getByRole('button', { name: 'Add tags' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add tags to 1 contact' });
    const picker = dialog.getByRole('combobox', { name: 'Tags' });
    await picker.fill('u');
    await dialog.getByRole('option', { name: /^Followup/ }).waitFor();
    // Typed and confirmed faster than the suggestions are asked for again.
    await picker.fill('Reviewed');
    await picker.press('Enter');
    const chosen = dialog.getByRole('list', { name: 'Chosen tags' });
    await expect.poll(() => chosen.getByRole('listitem').allTextContents()).toEqual(['Reviewed×']);
    await dialog.getByRole('listbox').waitFor({ state: 'hidden' });
    // Nothing lies over the button: a click would reach it.
    await dialog.getByRole('button', { name: 'Add tags' }).click({ trial: true, timeout: 2000 });

    // Typing the start of an existing tag and pressing Enter at once takes that tag, as it is named.
    await picker.fill('churn risk');
    await picker.press('Enter');
    await expect.poll(() => chosen.getByRole('listitem').allTextContents()).toEqual(['Reviewed×', 'Churn risk×']);
    await context.close();
  });

  it('sends nothing when “/” finds no saved reply and Enter is pressed', async () => {
    await contactWrites('emma-1', 'Emma Tester', 'Where is my parcel?');
    const { context, page } = await owner();
    const sent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && /\/messages$/.test(request.url())) sent.push(request.postData() ?? '');
    });
    await page.goto('/inbox/unassigned');
    await page.getByRole('link', { name: /Emma Tester/ }).click();
    const composer = page.getByRole('textbox', { name: 'Reply to the contact' });
    await composer.fill('/');
    await page.getByRole('listbox', { name: 'Saved replies' }).getByText('No saved reply matches.').waitFor();
    await composer.press('Enter');
    expect(await composer.inputValue()).toBe('/');

    // A real reply sent after it is the only one that leaves.
    await composer.fill('It left our warehouse today.');
    await composer.press('Enter');
    const window = page.getByRole('region', { name: 'Emma Tester' });
    await window.getByRole('listitem').filter({ hasText: 'It left our warehouse today.' }).getByText('Sent').waitFor(LIVE);
    expect(sent.map((body) => JSON.parse(body).text)).toEqual(['It left our warehouse today.']);
    expect(integration.received.map((delivery) => delivery.json.message.text)).not.toContain('/');
    await context.close();
  });

  it('keeps the drawer’s conversation state live, links it both ways, and names the two assignees apart', async () => {
    await contactWrites('frank-1', 'Frank Drawer', 'Hello there');
    const { context, page } = await owner();
    await page.goto('/inbox/unassigned');
    await page.getByRole('link', { name: /Frank Drawer/ }).click();
    const drawer = page.getByRole('complementary', { name: 'Contact details' });
    await drawer.getByText('Open', { exact: true }).waitFor(LIVE);
    await page.getByRole('region', { name: 'Frank Drawer' }).getByRole('button', { name: 'Close' }).click(LIVE);
    await drawer.getByText('Closed', { exact: true }).waitFor(LIVE);

    const assigneeControls = await page.getByRole('combobox', { name: /assignee/i }).evaluateAll((elements) =>
      elements.map((element) => (element as HTMLSelectElement).labels?.[0]?.textContent?.trim()),
    );
    expect(assigneeControls).toHaveLength(2);
    expect(new Set(assigneeControls).size).toBe(2);

    // From the contact to its conversation; a contact without one is told how one starts.
    const { items } = await call('GET', '/api/v1/contacts?q=Frank');
    await page.goto(`/contacts/${items[0].id}`);
    await drawer.getByRole('link', { name: 'Open the conversation' }).click();
    await page.getByRole('region', { name: 'Frank Drawer' }).getByText('Hello there').waitFor();
    const { items: others } = await call('GET', '/api/v1/contacts?q=Sam');
    await page.goto(`/contacts/${others[0].id}`);
    await drawer.getByText('No conversation').waitFor();
    await drawer.getByText('The contact has to write first: none of its channels lets you start.').waitFor();
    await context.close();
  });

  it('starts a conversation from the drawer of a contact that has none, on a channel that lets the business write first', { timeout: 60_000 }, async () => {
    await contactWrites('gus-1', 'Gus Restart', 'Old question');
    const { items } = await call('GET', '/api/v1/contacts?q=Gus');
    const contactId = items[0].id as string;
    // The owner deleted the old conversation: the contact stays, reachable on the channel it wrote on.
    await call('DELETE', `/api/v1/conversations/${items[0].conversationId}`);
    const deliveriesBefore = integration.received.length;

    const { context, page } = await owner();
    await page.goto(`/contacts/${contactId}`);
    const drawer = page.getByRole('complementary', { name: 'Contact details' });
    await drawer.getByText('No conversation').waitFor();
    await drawer.getByRole('button', { name: /^Start a conversation on Shop/ }).click();
    const dialog = page.getByRole('dialog', { name: /^First message on Shop/ });
    await dialog.getByLabel('Message').fill('We found your parcel');
    await dialog.getByRole('button', { name: 'Send' }).click();
    await dialog.getByText('The message is on its way.').waitFor(LIVE);
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();

    // The drawer now links to the new conversation, which holds the message, delivered to the integration.
    await drawer.getByRole('link', { name: 'Open the conversation' }).click(LIVE);
    await page.getByRole('region', { name: 'Gus Restart' }).getByText('We found your parcel').waitFor(LIVE);
    await expect.poll(() => integration.received.slice(deliveriesBefore).map((delivery) => delivery.json.message?.text ?? delivery.json.text)).toContain('We found your parcel');
    await context.close();
  });

  it('keeps contacts selected across searches, shows them, and acts on all of them', async () => {
    const { context, page } = await owner();
    await page.goto('/contacts');
    const search = page.getByRole('searchbox', { name: 'Search contacts' });
    await search.fill('Anna');
    await page.getByRole('checkbox', { name: 'Select Anna Berg' }).check();
    await search.fill('Bruno');
    await page.getByRole('checkbox', { name: 'Select Bruno Costa' }).check();
    const bulk = page.getByRole('region', { name: 'Actions on the selected contacts' });
    await bulk.getByText('2 selected').waitFor();
    await bulk.getByRole('button', { name: 'Show selected' }).click();
    const selected = page.getByRole('list', { name: 'Selected contacts' });
    expect(await selected.getByRole('listitem').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('Anna Berg'), expect.stringContaining('Bruno Costa')]));

    await bulk.getByRole('button', { name: 'Block' }).click();
    const dialog = page.getByRole('dialog', { name: 'Block 2 contacts?' });
    await dialog.getByRole('button', { name: 'Block 2 contacts' }).click();
    await dialog.getByRole('status').filter({ hasText: '2 contacts blocked.' }).waitFor();
    const blocked = await call('GET', '/api/v1/contacts?blocked=true');
    expect(blocked.items.map((contact: { firstName: string }) => contact.firstName).sort()).toEqual(['Anna', 'Bruno']);
    await call('POST', '/api/v1/contacts/bulk', { action: 'unblock', contactIds: blocked.items.map((contact: { id: string }) => contact.id) });
    await context.close();
  });

  it('finds contacts and conversations by the start of an email address or by its domain', async () => {
    await contactWrites('gina-1', 'Gina Mail', 'About my invoice', 'gina.rossi@shop.example');
    const { context, page } = await owner();
    await page.goto('/contacts');
    const search = page.getByRole('searchbox', { name: 'Search contacts' });
    const listed = () => page.getByRole('table').locator('.contact-link-name').allTextContents();
    await search.fill('kohler2');
    await expect.poll(listed).toEqual(['Petra Kohler']);
    await search.fill('example.com');
    await expect.poll(listed).toEqual(['Petra Kohler']);
    await search.fill('other.org');
    await expect.poll(listed).toEqual(['Sam Lee']);

    await page.goto('/inbox/unassigned');
    await page.getByRole('searchbox', { name: 'Search conversations' }).fill('shop.example');
    const list = page.getByRole('region', { name: 'Conversations' });
    await expect.poll(() => list.getByRole('link').allTextContents()).toEqual([expect.stringContaining('Gina Mail')]);
    await page.getByRole('searchbox', { name: 'Search conversations' }).fill('gina.ros');
    await expect.poll(() => list.getByRole('link').allTextContents()).toEqual([expect.stringContaining('Gina Mail')]);
    await context.close();
  });
});
