import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { inject } from 'vitest';
import { signBody } from '../../src/channels/api/api.channel.js';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/logging.js';
import { type Server, startServer } from '../../src/server.js';
import { createTestDatabase } from './database.js';
import { freePort } from './ports.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Browser tests run where Debian's Chromium is installed (CI installs it), and are skipped elsewhere. */
export const hasChromium = existsSync(CHROMIUM);

export type WebApp = { server: Server; browser: Browser; baseUrl: string; close(): Promise<void> };

/**
 * The web app built once per test run, apart from web/dist (a build running elsewhere cannot
 * empty it under a test). The first browser test builds it; the others wait for it.
 */
async function builtWebApp(): Promise<string> {
  const outDir = inject('webDistDir');
  const done = path.join(outDir, '.built');
  if (existsSync(done)) return outDir;
  try {
    mkdirSync(`${outDir}.lock`);
  } catch {
    while (!existsSync(done)) await new Promise((resolve) => setTimeout(resolve, 200));
    return outDir;
  }
  const vite = await import('vite');
  // The build users get: under vitest NODE_ENV is `test`, which would bundle React's development build.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await vite.build({
      mode: 'production',
      configFile: fileURLToPath(new URL('../../web/vite.config.ts', import.meta.url)),
      build: { outDir, emptyOutDir: true },
      logLevel: 'warn',
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
  writeFileSync(done, '');
  return outDir;
}

/**
 * A real server on a random port with a fresh database, serving the web app the test run built
 * once (see global-setup.ts), and a headless Chromium.
 */
export async function startWebApp(env: Record<string, string> = {}): Promise<WebApp> {
  // PUBLIC_URL is the address the browser uses: the server accepts the session cookie only from its pages.
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({ PORT: String(port), SMTP_PORT: '0', HOST: '127.0.0.1', PUBLIC_URL: baseUrl, WEB_DIST_DIR: await builtWebApp(), ...env }, []);
  const server = await startServer(config, { database: await createTestDatabase(), logger: createLogger('silent') });
  await server.listen();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Without the background-networking flags Chromium keeps dialling out of this closed network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  return {
    server,
    browser,
    baseUrl,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/** A JSON API call that throws on an error answer, for setting a scene up. */
export async function callApi(baseUrl: string, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = response.status === 204 ? undefined : await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(data)}`);
  return data;
}

/** A browser context signed in as the user: the login answer sets the session cookie, as the login form would. */
export async function signedIn(web: WebApp, email: string, password: string, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await web.browser.newContext({ locale: 'en-US', baseURL: web.baseUrl, ...options });
  const response = await context.request.post('/api/v1/auth/login', { data: { email, password } });
  if (!response.ok()) throw new Error(`login as ${email} failed: ${response.status()}`);
  return { context, page: await context.newPage() };
}

/** What a customer's system POSTs to an API channel's webhook, signed with the channel's secret. */
export async function postToApiChannel(
  baseUrl: string,
  channel: { id: string; secret: string },
  payload: { contact: { identifier: string; name?: string; email?: string }; message: { id: string; text: string } },
): Promise<void> {
  const body = JSON.stringify(payload);
  const response = await fetch(`${baseUrl}/webhooks/api/${channel.id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(channel.secret, body) },
    body,
  });
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${await response.text()}`);
}

export const SCENE_PASSWORD = 'a good password';

/**
 * The inbox scene the browser tests start from: a workspace (owner Olivia), an agent (aiko@acme.test),
 * a manager (max@acme.test) and an API channel delivering to the given integration.
 */
export async function setUpInboxScene(baseUrl: string, integration: { url: string; secret: string }) {
  const call = (method: string, path: string, token?: string, body?: unknown) => callApi(baseUrl, method, path, token, body);
  const { token } = await call('POST', '/api/v1/setup', undefined, {
    workspaceName: 'Acme',
    name: 'Olivia Owner',
    email: 'olivia@acme.test',
    password: SCENE_PASSWORD,
  });
  await call('POST', '/api/v1/users', token, { email: 'aiko@acme.test', name: 'Aiko Tanaka', role: 'agent', password: SCENE_PASSWORD });
  await call('POST', '/api/v1/users', token, { email: 'max@acme.test', name: 'Max Manager', role: 'manager', password: SCENE_PASSWORD });
  // The stand-in integration listens on 127.0.0.1: deliveries reach it only with its host listed.
  await call('PATCH', '/api/v1/settings', token, { allowedPrivateHosts: [new URL(integration.url).host] });
  const channel = await call('POST', '/api/v1/channels', token, {
    type: 'api',
    name: 'Shop',
    settings: { webhookUrl: integration.url, secret: integration.secret },
  });
  return { ownerToken: token as string, channelId: channel.id as string };
}

/**
 * The scene a provider's browser test starts from: the web app, a workspace (owner Olivia, agent
 * aiko@acme.test) that allows the simulators' private host, 127.0.0.1.
 */
export async function startProviderScene(): Promise<{ web: WebApp; ownerToken: string }> {
  const web = await startWebApp();
  const { token } = await callApi(web.baseUrl, 'POST', '/api/v1/setup', undefined, { workspaceName: 'Acme', name: 'Olivia Owner', email: 'olivia@acme.test', password: SCENE_PASSWORD });
  await callApi(web.baseUrl, 'POST', '/api/v1/users', token, { email: 'aiko@acme.test', name: 'Aiko Tanaka', role: 'agent', password: SCENE_PASSWORD });
  await callApi(web.baseUrl, 'PATCH', '/api/v1/settings', token, { allowedPrivateHosts: ['127.0.0.1'] });
  return { web, ownerToken: token as string };
}

type AxeViolation = { id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> };
let axeSource: string | undefined;

/**
 * axe-core's serious and critical findings on the page as it is now, as `rule: help (elements)`
 * lines; a test expects none. Evaluated through the DevTools protocol, so a strict CSP on the
 * page does not stop it.
 */
export async function accessibilityProblems(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const violations = (await page.evaluate('window.axe.run(document, { resultTypes: ["violations"] }).then((result) => result.violations)')) as AxeViolation[];
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.help} (${violation.nodes.map((node) => node.target.join(' ')).join(', ')})`);
}
