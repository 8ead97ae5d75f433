import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/logging.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { connect } from '../helpers/websocket.js';

/** With LOG_REQUESTS=true every request is logged: never the credentials some carry in their URL. */
let t: TestApp;
const lines: string[] = [];
beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  t = await createTestApp({ env: { LOG_REQUESTS: 'true' }, logger: createLogger('info', sink) });
});
afterAll(() => t?.close());

describe('request logs', () => {
  it('log the WebSocket’s URL without its token, and a download link without its signature', async () => {
    const ws = await t.createWorkspace();
    const live = await connect(await t.server.listen(), ws.agent.token);
    await live.next('hello');
    live.close();
    await t.request('GET', '/api/v1/attachments/00000000-0000-7000-8000-000000000000/download?expires=1&signature=a-secret-signature');

    const requests = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'incoming request');
    const urls = requests.map((entry) => entry.req.url);
    expect(urls).toContain('/ws?token=[redacted]');
    expect(urls).toContain('/api/v1/attachments/00000000-0000-7000-8000-000000000000/download?expires=1&signature=[redacted]');
    const everything = lines.join('\n');
    expect(everything).not.toContain(ws.agent.token);
    expect(everything).not.toContain('a-secret-signature');
  });
});
