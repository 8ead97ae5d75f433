import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { checkWebhookThreadConfig } from './webhook-thread.js';

const config = (env: Record<string, string>) => loadConfig({ PORT: '3000', DATABASE_URL: 'postgres://db/switchboard', ...env }, []);

describe('WEBHOOK_PORT, checked before anything starts', () => {
  it.each([
    ['unset', {}],
    ['another port, on PostgreSQL', { WEBHOOK_PORT: '3001' }],
  ])('%s: accepted', (_case, env) => {
    expect(() => checkWebhookThreadConfig(config(env))).not.toThrow();
  });

  it.each([
    ['not a number', { WEBHOOK_PORT: 'webhooks' }, 'WEBHOOK_PORT must be a port number, not NaN'],
    ['out of range', { WEBHOOK_PORT: '70000' }, 'WEBHOOK_PORT must be a port number, not 70000'],
    ['zero (any free port: no proxy could find it)', { WEBHOOK_PORT: '0' }, 'WEBHOOK_PORT must be a port number, not 0'],
    ['the main port', { WEBHOOK_PORT: '3000' }, 'WEBHOOK_PORT must differ from PORT'],
    ['the embedded database', { WEBHOOK_PORT: '3001', DATABASE_URL: '' }, 'WEBHOOK_PORT needs DATABASE_URL'],
  ])('%s: refused', (_case, env, message) => {
    expect(() => checkWebhookThreadConfig(config(env))).toThrow(message);
  });
});
