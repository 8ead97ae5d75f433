import type { Clock } from '../../src/platform/clock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/ports.js';

export type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

/**
 * The app listening on a port its PUBLIC_URL names, so the webhook URL a channel shows is the one
 * providers reach (Telegram's setWebhook and Viber's set_webhook are given it, and Viber calls it
 * at once). Queued jobs run when a test drains them.
 */
export async function startListeningApp(clock: Clock) {
  const port = await freePort();
  const t = await createTestApp({ clock, env: { PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` } });
  await t.server.listen();
  await t.services.jobs.stop();
  return t;
}

/** A channel connected as an owner does it in Settings → Channels; the simulator is on 127.0.0.1, so the workspace allows it first. */
export async function connectChannel(t: TestApp, ws: Workspace, type: string, settings: Record<string, unknown>) {
  const allowed = await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { allowedPrivateHosts: ['127.0.0.1'] } });
  if (allowed.statusCode !== 200) throw new Error(`settings not saved: ${allowed.body}`);
  const response = await t.request('POST', '/api/v1/channels', { token: ws.manager.token, body: { type, name: `${type} ${t.unique()}`, settings } });
  if (response.statusCode !== 201) throw new Error(`channel not created: ${response.body}`);
  return response.data as { id: string; webhookUrl: string; settings: Record<string, any>; secretsSet: string[] };
}

export const conversationsOf = async (t: TestApp, ws: Workspace) => (await t.request('GET', '/api/v1/conversations?inbox=all', { token: ws.owner.token })).data.items as Array<Record<string, any>>;
