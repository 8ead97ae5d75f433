import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, hasChromium, startWebApp, type WebApp } from '../helpers/browser.js';

const OWNER = { email: 'olivia@acme.test', password: 'owner password' };

describe.skipIf(!hasChromium)('merging duplicates in the web app', () => {
  let web: WebApp;
  let baseUrl: string;
  let token: string;
  const call = (method: string, url: string, body?: unknown) => callApi(baseUrl, method, url, token, body);

  beforeAll(async () => {
    web = await startWebApp();
    baseUrl = web.baseUrl;
    ({ token } = await call('POST', '/api/v1/setup', { workspaceName: 'Acme', name: 'Olivia Owner', ...OWNER }));
  });
  afterAll(() => web?.close());

  it('shows the suggestion with a green check on the shared number, merges with a chosen first name, and undoes it from the success message', { timeout: 45_000 }, async () => {
    // The same German mobile number, written at home and internationally.
    const jonas = await call('POST', '/api/v1/contacts', { firstName: 'Jonas', lastName: 'Becker', country: 'DE', phone: '0151 11122233', email: 'jonas@example.com', tags: ['VIP'] });
    const jo = await call('POST', '/api/v1/contacts', { firstName: 'Jo', lastName: 'Becker', phone: '+49 151 11122233', email: 'jo.becker@example.com' });

    const context = await web.browser.newContext({ locale: 'en-US' });
    await context.request.post(`${baseUrl}/api/v1/auth/login`, { data: OWNER });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/contacts/${jonas.id}`);

    const card = page.getByRole('region', { name: 'Merge suggestions' });
    const suggestion = card.getByRole('listitem', { name: 'Jo Becker' });
    await suggestion.waitFor();
    const phone = suggestion.getByRole('listitem').filter({ hasText: '+4915111122233' });
    const email = suggestion.getByRole('listitem').filter({ hasText: 'jo.becker@example.com' });
    expect(await phone.getByRole('img', { name: 'Same value as this contact' }).count()).toBe(1);
    expect(await email.getByRole('img', { name: 'Same value as this contact' }).count()).toBe(0);

    await suggestion.getByRole('button', { name: 'Merge with Jo Becker' }).click();
    const dialog = page.getByRole('dialog', { name: 'Merge contacts' });
    // Jo was changed last, so Jo's values are chosen unless someone picks otherwise.
    expect(await dialog.getByRole('radio', { name: 'First name of Jo Becker' }).isChecked()).toBe(true);
    await dialog.getByRole('radio', { name: 'First name of Jonas Becker' }).check();
    await dialog.getByRole('button', { name: 'Merge contacts' }).click();

    const notice = page.getByRole('status').filter({ hasText: 'Merge successful.' });
    await notice.waitFor();
    await expect.poll(async () => (await call('GET', `/api/v1/contacts/${jonas.id}`)).firstName).toBe('Jonas');
    const merged = await call('GET', `/api/v1/contacts/${jonas.id}`);
    expect(merged).toMatchObject({ email: 'jo.becker@example.com', tags: ['VIP'] });
    await expect(call('GET', `/api/v1/contacts/${jo.id}`)).rejects.toThrow(/404/);
    expect(await card.count()).toBe(0);

    await notice.getByRole('button', { name: 'Undo merge' }).click();
    await page.getByText('Merge undone: both contacts are back as they were.').waitFor();
    expect(await call('GET', `/api/v1/contacts/${jo.id}`)).toMatchObject({ firstName: 'Jo', email: 'jo.becker@example.com', tags: [] });
    expect(await call('GET', `/api/v1/contacts/${jonas.id}`)).toMatchObject({ firstName: 'Jonas', email: 'jonas@example.com', tags: ['VIP'] });
    await card.getByRole('listitem', { name: 'Jo Becker' }).waitFor();

    await page.goto(`${baseUrl}/contacts/merges`);
    await page.getByRole('heading', { name: 'Merge history' }).waitFor();
    await page.getByRole('row').filter({ hasText: 'Jonas Becker kept' }).getByText(/^Undone/).waitFor();
    await page.goto(`${baseUrl}/dashboard`);
    const groups = page.getByRole('region', { name: 'Duplicate contacts' });
    await groups.getByRole('listitem', { name: '+4915111122233' }).getByText('2 contacts').waitFor();
    await context.close();
  });
});
