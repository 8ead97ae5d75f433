import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logging.js';
import { type Server, startServer } from '../../src/server.js';
import { createTestDatabase } from '../helpers/database.js';

const CHROMIUM = '/usr/bin/chromium';

describe.skipIf(!existsSync(CHROMIUM))('the web app', () => {
  let server: Server;
  let browser: Browser;
  let baseUrl: string;

  beforeAll(async () => {
    execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url))], { stdio: 'inherit' });
    const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', WEB_DIST_DIR: fileURLToPath(new URL('../../web/dist', import.meta.url)) }, []);
    server = await startServer(config, { database: await createTestDatabase(), logger: createLogger('silent') });
    await server.listen();
    baseUrl = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('creates the workspace, adds an agent, and shows that agent only the inbox and the dashboard', async () => {
    const page = await browser.newPage({ locale: 'en-US' });

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
    expect(await navigation.getByRole('link').allTextContents()).toEqual(['Inbox', 'Dashboard']);

    await page.goto(`${baseUrl}/settings`);
    await page.getByRole('heading', { name: 'You are not allowed to see this page' }).waitFor();
    expect(await page.getByRole('button', { name: 'Add user' }).count()).toBe(0);
  });
});
