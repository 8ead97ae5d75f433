import { describe, expect, it } from 'vitest';
import { createChannelRegistry } from './channel-registry.js';
import { channelModules } from './channel-modules.js';

const registry = createChannelRegistry(channelModules);
const whatsapp = { phoneNumberId: '123', accessToken: 'token', appSecret: 'app-secret' };

describe('channel settings', () => {
  it('a generated field left out (the verify token) is made on creation; given, it is kept', () => {
    const made = registry.parseSettings('whatsapp', whatsapp, {}, () => 'generated-token-1');
    expect(made).toEqual({ ...whatsapp, verifyToken: 'generated-token-1', apiBaseUrl: 'https://graph.facebook.com' });
    expect(registry.parseSettings('whatsapp', { ...whatsapp, verifyToken: 'my-own-token' }, {}, () => 'x').verifyToken).toBe('my-own-token');
  });

  it('a change keeps secrets left out or left empty, as the edit form sends them', () => {
    const stored = registry.parseSettings('whatsapp', whatsapp, {}, () => 'generated-token-1');
    expect(registry.parseSettings('whatsapp', { accessToken: '', phoneNumberId: '456' }, stored)).toMatchObject({ accessToken: 'token', phoneNumberId: '456' });
    expect(registry.parseSettings('whatsapp', { accessToken: 'new' }, stored).accessToken).toBe('new');
  });

  it('names the field a value does not fit, and refuses keys the type does not have', () => {
    expect(() => registry.parseSettings('whatsapp', { ...whatsapp, phoneNumberId: '+1 555' }, {}, () => 'generated-token-1')).toThrow(
      expect.objectContaining({ code: 'invalid_field', details: { field: 'settings.phoneNumberId' } }),
    );
    expect(() => registry.parseSettings('messenger', { pageId: '1', pageAccessToken: 't', appSecret: 'app-secret', botToken: 'x' }, {}, () => 'generated-token-1')).toThrow(
      expect.objectContaining({ code: 'invalid_field' }),
    );
  });

  it('shows settings without secrets, and which secrets are set, in the module’s order', () => {
    const stored = registry.parseSettings('messenger', { pageId: '1', pageAccessToken: 'page-token', appSecret: 'app-secret' }, {}, () => 'generated-token-1');
    expect(registry.publicSettings('messenger', stored)).toEqual({
      settings: { pageId: '1', verifyToken: 'generated-token-1', apiBaseUrl: 'https://graph.facebook.com' },
      secretsSet: ['pageAccessToken', 'appSecret'],
    });
  });

  it('every type’s form names exactly the keys of its settings, with its secrets marked secret', () => {
    for (const module of channelModules) {
      const shape = Object.keys((module.settingsSchema as unknown as { shape: Record<string, unknown> }).shape).sort();
      expect(module.form.map((field) => field.key).sort(), module.type).toEqual(shape);
      expect(module.form.filter((field) => field.kind === 'secret').map((field) => field.key).sort(), module.type).toEqual([...module.secretKeys].sort());
    }
  });
});
