import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { rowsOf } from '../../src/platform/db/client.js';
import type { TestApp } from '../helpers/app.js';
import type { MetaSimulator } from '../simulators/meta.js';

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;
export type MetaType = 'whatsapp' | 'messenger' | 'instagram';

let accounts = 0;
/** Meta's ids are digits; each channel of a test run gets its own. */
export const nextAccountId = () => `10${Date.now() % 1_000_000}${(++accounts).toString().padStart(4, '0')}`;

/** The test app listening on a port of its own: the simulator posts webhooks over real HTTP. */
export async function listening(t: TestApp): Promise<string> {
  if (!t.app.server.listening) await t.server.listen();
  return `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
}

const accountKey: Record<MetaType, string> = { whatsapp: 'phoneNumberId', messenger: 'pageId', instagram: 'instagramId' };
const tokenKey: Record<MetaType, string> = { whatsapp: 'accessToken', messenger: 'pageAccessToken', instagram: 'accessToken' };

/**
 * A Meta channel of the workspace whose Graph API is the simulator, connected as an owner does it
 * in Settings (the simulator is on 127.0.0.1, so the workspace allows that host first), and known
 * to the simulator, which then posts its webhooks to the channel's URL.
 */
export async function connectMeta(t: TestApp, ws: Workspace, sim: MetaSimulator, type: MetaType, name = `${type} ${t.unique()}`) {
  const base = await listening(t);
  const allowed = await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { allowedPrivateHosts: ['127.0.0.1'] } });
  if (allowed.statusCode !== 200) throw new Error(`settings not saved: ${allowed.body}`);
  const accountId = nextAccountId();
  const token = `token-${t.unique()}`;
  const appSecret = `app-secret-${t.unique()}`;
  const response = await t.request('POST', '/api/v1/channels', {
    token: ws.manager.token,
    body: { type, name, settings: { [accountKey[type]]: accountId, [tokenKey[type]]: token, appSecret, apiBaseUrl: sim.url } },
  });
  if (response.statusCode !== 201) throw new Error(`channel not created: ${response.body}`);
  const channel = response.data as { id: string; webhookUrl: string; settings: { verifyToken: string } };
  const webhookUrl = `${base}/webhooks/${type}/${channel.id}`;
  sim.connect({ id: accountId, webhookUrl, appSecret, token });
  return { channel, accountId, token, appSecret, webhookUrl };
}

/** The conversation of the contact with that identity on the channel, as the owner sees it. */
export async function conversationOf(t: TestApp, ws: Workspace, channelId: string, identifier: string) {
  const result = await t.database.db.execute(sql`
    select v.id, v.contact_id as "contactId" from conversations v join contact_channels cc on cc.contact_id = v.contact_id
    where cc.workspace_id = ${ws.id} and cc.channel_id = ${channelId} and cc.identifier = ${identifier}`);
  const [row] = rowsOf<{ id: string; contactId: string }>(result);
  if (!row) throw new Error(`no conversation for ${identifier}`);
  return row;
}

export async function messagesOf(t: TestApp, ws: Workspace, conversationId: string) {
  const response = await t.request('GET', `/api/v1/conversations/${conversationId}/messages?limit=100`, { token: ws.owner.token });
  return response.data.items as Array<Record<string, any>>;
}
