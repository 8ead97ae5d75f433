import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, hasChromium, startWebApp, type WebApp } from '../helpers/browser.js';

const OWNER = { email: 'olivia@acme.test', password: 'owner password' };

describe.skipIf(!hasChromium)('the contacts module in the web app', () => {
  let web: WebApp;
  let baseUrl: string;
  let token: string;
  const call = (method: string, url: string, body?: unknown) => callApi(baseUrl, method, url, token, body);

  beforeAll(async () => {
    web = await startWebApp();
    baseUrl = web.baseUrl;
    ({ token } = await call('POST', '/api/v1/setup', { workspaceName: 'Acme', name: 'Olivia Owner', ...OWNER }));
    for (const contact of [
      { firstName: 'Jürgen', lastName: 'Müller', phone: '+4915112345678', tags: ['VIP'] },
      { firstName: 'Chloé', lastName: 'Lefèvre', email: 'chloe@example.fr', tags: ['VIP'] },
      { firstName: 'Anna', lastName: 'Schmidt', phone: '+4930901820' },
      { firstName: 'Bob', lastName: 'Jones', email: 'bob@example.com' },
    ]) {
      await call('POST', '/api/v1/contacts', contact);
    }
  });
  afterAll(() => web?.close());

  /** The names in the list, in the order shown. */
  const listed = (page: Page) => page.getByRole('table').locator('.contact-link-name').allTextContents();

  it('finds, filters, saves a segment, tags, exports and deletes contacts', { timeout: 45_000 }, async () => {
    const context = await web.browser.newContext({ locale: 'en-US', acceptDownloads: true });
    await context.request.post(`${baseUrl}/api/v1/auth/login`, { data: OWNER });
    const page = await context.newPage();
    await page.goto(`${baseUrl}/contacts`);
    await page.getByRole('link', { name: 'Bob Jones' }).waitFor();
    expect((await listed(page)).sort()).toEqual(['Anna Schmidt', 'Bob Jones', 'Chloé Lefèvre', 'Jürgen Müller']);

    // A phone number as people write it at home, and names typed without their accents.
    const search = page.getByRole('searchbox', { name: 'Search contacts' });
    await search.fill('0151 123 45678');
    await expect.poll(() => listed(page)).toEqual(['Jürgen Müller']);
    await search.fill('lefevre');
    await expect.poll(() => listed(page)).toEqual(['Chloé Lefèvre']);
    await search.fill('jurgen mull');
    await expect.poll(() => listed(page)).toEqual(['Jürgen Müller']);
    await search.fill('');
    await expect.poll(async () => (await listed(page)).length).toBe(4);

    await page.getByRole('button', { name: 'Filters' }).click();
    await page.getByRole('combobox', { name: 'Tag' }).fill('VI');
    await page.getByRole('option', { name: /^VIP/ }).click();
    await page.getByRole('list', { name: 'Filters in force' }).getByText('Tag: VIP').waitFor();
    await expect.poll(async () => (await listed(page)).sort()).toEqual(['Chloé Lefèvre', 'Jürgen Müller']);

    await page.getByRole('button', { name: 'Save as segment' }).click();
    const saveDialog = page.getByRole('dialog', { name: 'Save the filter as a segment' });
    await saveDialog.getByLabel('Segment name').fill('VIP customers');
    await saveDialog.getByRole('button', { name: 'Save segment' }).click();
    const segments = page.getByRole('navigation', { name: 'Segments' });
    await segments.locator('[aria-current="true"]', { hasText: 'VIP customers' }).waitFor();

    await segments.getByRole('button', { name: 'All contacts' }).click();
    await expect.poll(async () => (await listed(page)).length).toBe(4);
    await segments.getByRole('button', { name: 'VIP customers', exact: true }).click();
    await expect.poll(async () => (await listed(page)).sort()).toEqual(['Chloé Lefèvre', 'Jürgen Müller']);

    // Two contacts chosen one by one, then a tag added to both in a background job.
    await page.getByRole('checkbox', { name: 'Select Jürgen Müller' }).check();
    await page.getByRole('checkbox', { name: 'Select Chloé Lefèvre' }).check();
    const bulk = page.getByRole('region', { name: 'Actions on the selected contacts' });
    await bulk.getByText('2 selected').waitFor();
    await bulk.getByRole('button', { name: 'Add tags' }).click();
    const tagDialog = page.getByRole('dialog', { name: 'Add tags to 2 contacts' });
    await tagDialog.getByRole('combobox', { name: 'Tags' }).fill('Newsletter');
    await tagDialog.getByRole('option', { name: 'Create the tag “Newsletter”' }).click();
    await tagDialog.getByRole('button', { name: 'Add tags' }).click();
    await tagDialog.getByRole('progressbar').waitFor();
    await tagDialog.getByRole('status').filter({ hasText: 'Newsletter added to 2 contacts.' }).waitFor();
    expect(await tagDialog.getByText('Done', { exact: true }).count()).toBe(1);
    await tagDialog.getByRole('button', { name: 'Close' }).first().click();
    for (const name of ['Jürgen Müller', 'Chloé Lefèvre']) {
      await page.getByRole('list', { name: `Tags of ${name}` }).getByText('Newsletter').waitFor();
    }

    await bulk.getByRole('button', { name: 'Export CSV' }).click();
    const exportDialog = page.getByRole('dialog', { name: 'Export 2 contacts to CSV' });
    await exportDialog.getByRole('button', { name: 'Export' }).click();
    const downloadLink = exportDialog.getByRole('link', { name: /^Download contacts-.*\.csv$/ });
    const [download] = await Promise.all([page.waitForEvent('download'), downloadLink.click()]);
    const rows: Array<Record<string, string>> = parse(readFileSync(await download.path()), { columns: true, bom: true });
    expect(rows.map((row) => `${row.firstName} ${row.lastName}`).sort()).toEqual(['Chloé Lefèvre', 'Jürgen Müller']);
    expect(rows.map((row) => row.tags)).toEqual(['Newsletter; VIP', 'Newsletter; VIP']);
    expect(rows.find((row) => row.firstName === 'Jürgen')?.phone).toBe('+4915112345678');
    await exportDialog.getByRole('button', { name: 'Close' }).first().click();

    await bulk.getByRole('button', { name: 'Delete' }).click();
    const deleteDialog = page.getByRole('dialog', { name: 'Delete 2 contacts?' });
    await deleteDialog.getByRole('button', { name: 'Delete 2 contacts' }).click();
    await deleteDialog.getByRole('status').filter({ hasText: '2 contacts deleted.' }).waitFor();
    await deleteDialog.getByRole('button', { name: 'Close' }).first().click();
    await page.getByRole('heading', { name: 'No contact matches' }).waitFor();
    await segments.getByRole('button', { name: 'All contacts' }).click();
    await expect.poll(async () => (await listed(page)).sort()).toEqual(['Anna Schmidt', 'Bob Jones']);
    await context.close();
  });
});
