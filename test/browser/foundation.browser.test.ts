import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, startWebApp, type WebApp } from '../helpers/browser.js';

describe.skipIf(!hasChromium)('the web app', () => {
  let web: WebApp;
  let baseUrl: string;

  beforeAll(async () => {
    web = await startWebApp();
    baseUrl = web.baseUrl;
  });
  afterAll(() => web?.close());

  it('creates the workspace, adds an agent, and shows that agent only the inbox (the dashboard is for owners and managers)', async () => {
    const page = await web.browser.newPage({ locale: 'en-US' });

    await page.goto(baseUrl);
    await page.getByRole('heading', { name: 'Create your workspace' }).waitFor();
    await page.getByLabel('Workspace name').fill('Acme');
    await page.getByLabel('Your name').fill('Olivia Owner');
    await page.getByLabel('Email').fill('olivia@acme.test');
    await page.getByLabel('Password').fill('owner password');
    await page.getByRole('button', { name: 'Create workspace' }).click();

    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    await page.getByRole('img', { name: 'Live updates: connected' }).waitFor();

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Users & teams' }).waitFor();
    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add user' });
    await dialog.getByLabel('Email').fill('aiko@acme.test');
    await dialog.getByLabel('Name', { exact: true }).fill('Aiko Tanaka');
    await dialog.getByLabel('Role').selectOption({ label: 'Agent' });
    await dialog.getByLabel('Initial password').fill('12345678');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await dialog.getByText('Use at least 12 characters (and at most 1000): shorter passwords are guessed too easily.').waitFor();
    await dialog.getByLabel('Initial password').fill('agent password');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('cell', { name: 'aiko@acme.test' }).waitFor();
    expect(await dialog.count()).toBe(0);

    await page.getByRole('button', { name: 'Olivia Owner – account menu' }).click();
    await page.getByRole('button', { name: 'Log out' }).click();

    await page.getByRole('heading', { name: 'Log in to Switchboard' }).waitFor();
    await page.getByLabel('Email').fill('aiko@acme.test');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Email or password is wrong.' }).waitFor();
    await page.getByLabel('Password').fill('agent password');
    await page.getByRole('button', { name: 'Log in' }).click();

    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    const navigation = page.getByRole('navigation', { name: 'Main' });
    expect(await navigation.getByRole('link').allTextContents()).toEqual(['Inbox']);

    await page.goto(`${baseUrl}/settings`);
    await page.getByRole('heading', { name: 'You are not allowed to see this page' }).waitFor();
    expect(await page.getByRole('button', { name: 'Add user' }).count()).toBe(0);
  });
});
