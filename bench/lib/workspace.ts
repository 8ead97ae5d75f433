import http from 'node:http';
import type pg from 'pg';
import { signBody } from '../../src/channels/api/api.channel.js';

/**
 * A server's workspace as the benchmarks drive it: its owner's API, an API channel's signed
 * webhook, conversations with a history, and a probe that reads message pages.
 */
export function benchWorkspace(base: string, secret: string) {
  async function api(token: string, method: string, path: string, body?: unknown) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  }

  async function inbound(channelId: string, identifier: string, text: string) {
    const body = JSON.stringify({ contact: { identifier, name: identifier }, message: { id: `${identifier}-${Date.now()}-${Math.random()}`, text } });
    const response = await fetch(`${base}/webhooks/api/${channelId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-switchboard-signature': signBody(secret, body) },
      body,
    });
    if (!response.ok) throw new Error(`webhook: ${response.status} ${await response.text()}`);
  }

  return {
    api,
    inbound,

    async login(email: string, password: string): Promise<string> {
      const response = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password }),
      });
      return ((await response.json()) as { token: string }).token;
    },

    async apiChannel(token: string): Promise<string> {
      const settings = { webhookUrl: 'http://127.0.0.1:9/unused', secret };
      return ((await api(token, 'POST', '/api/v1/channels', { type: 'api', name: 'Bench', settings })) as { id: string }).id;
    },

    /** A contact writes once; more of its history is added in SQL (10k webhook calls would only slow the setup). */
    async contactWithHistory(sql: pg.Client, channelId: string, identifier: string, messages: number) {
      await inbound(channelId, identifier, 'first message');
      const { rows } = await sql.query(
        `select v.id as conversation_id, v.contact_id, v.workspace_id from conversations v
         join contact_channels cc on cc.contact_id = v.contact_id where cc.channel_id = $1 and cc.identifier = $2`,
        [channelId, identifier],
      );
      const { conversation_id: conversationId, contact_id: contactId, workspace_id: workspaceId } = rows[0];
      await sql.query(
        `insert into messages (id, workspace_id, conversation_id, channel_id, direction, type, text, status, provider_message_id, search_vector, created_at, updated_at)
         select gen_random_uuid(), $1::uuid, $2::uuid, $3::uuid, case when i % 3 = 0 then 'out' else 'in' end, 'message', 'history message ' || i,
                case when i % 3 = 0 then 'sent' else 'received' end, 'seed-' || $2::text || '-' || i, to_tsvector('simple', 'history message ' || i),
                now() - make_interval(secs => i), now() - make_interval(secs => i)
         from generate_series(1, $4::int) i`,
        [workspaceId, conversationId, channelId, messages],
      );
      return { conversationId: conversationId as string, contactId: contactId as string };
    },

    /**
     * Reads of `paths` (message pages) for `seconds`, over keep-alive connections with node:http
     * (fetch cost the shared cores more); answers each read's latency in ms. With `rate` 0, one
     * request at a time, as fast as the server answers (a closed loop: the probe is most of the
     * load). With `rate` n, n requests a second spread over the paths, each due at its own moment
     * and timed from then, like a team of agents opening conversations (an open loop).
     */
    async probe(token: string, paths: string[], seconds: number, rate: number): Promise<number[]> {
      const agent = new http.Agent({ keepAlive: true, maxSockets: rate > 0 ? 16 : 1 });
      const get = (path: string) =>
        new Promise<number>((resolve, reject) => {
          const request = http.get(`${base}${path}`, { agent, headers: { authorization: `Bearer ${token}` } }, (response) => {
            response.resume();
            response.once('end', () => resolve(response.statusCode!));
          });
          request.once('error', reject);
        });
      const latencies: number[] = [];
      const timed = async (path: string, due: number) => {
        const status = await get(path);
        if (status !== 200) throw new Error(`probe: ${status}`);
        latencies.push(performance.now() - due);
      };
      const started = performance.now();
      const until = started + seconds * 1000;
      if (rate === 0) {
        for (let n = 0; performance.now() < until; n++) await timed(paths[n % paths.length]!, performance.now());
      } else {
        const sent: Promise<void>[] = [];
        const total = Math.round(rate * seconds);
        await new Promise<void>((resolve) => {
          const timer = setInterval(() => {
            // Request k is due at k / rate seconds: by now, every one up to floor(elapsed × rate) is.
            const due = Math.min(total, Math.floor(((performance.now() - started) * rate) / 1000) + 1);
            while (sent.length < due) sent.push(timed(paths[sent.length % paths.length]!, started + (sent.length * 1000) / rate));
            if (sent.length >= total) {
              clearInterval(timer);
              resolve();
            }
          }, 1);
        });
        await Promise.all(sent);
      }
      agent.destroy();
      return latencies;
    },
  };
}

/** Runs `task` over `items`, `concurrency` at a time. */
export async function inParallel<T>(items: T[], concurrency: number, task: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}
