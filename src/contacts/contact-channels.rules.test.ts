import { describe, expect, it } from 'vitest';
import { channelStates } from './contact-channels.rules.js';

const channels = [
  { id: 'wa', type: 'whatsapp', name: 'WhatsApp' },
  { id: 'sms', type: 'sms', name: 'SMS' },
  { id: 'mail', type: 'email', name: 'Support mail' },
  { id: 'fb', type: 'messenger', name: 'Facebook' },
  { id: 'tg', type: 'telegram', name: 'Telegram' },
];
const connectedAt = new Date('2024-05-01T10:00:00Z');
/** As the channel modules declare it (WhatsApp today; SMS and email as they are built). */
const firstContactBy = (type: string) => ({ whatsapp: 'phone', sms: 'phone', email: 'email' } as const)[type as 'whatsapp' | 'sms' | 'email'];

describe('the channels of a contact', () => {
  it.each([
    ['with a phone and an email', { phone: '+4915112345678', email: 'a@example.com' }, ['inactive', 'inactive', 'inactive', 'unavailable', 'unavailable']],
    ['with a phone only', { phone: '+4915112345678', email: null }, ['inactive', 'inactive', 'unavailable', 'unavailable', 'unavailable']],
    ['with an email only', { phone: null, email: 'a@example.com' }, ['unavailable', 'unavailable', 'inactive', 'unavailable', 'unavailable']],
    ['with neither', { phone: null, email: null }, ['unavailable', 'unavailable', 'unavailable', 'unavailable', 'unavailable']],
  ])('a contact %s may be written to first on WhatsApp, SMS and email only', (_label, contact, states) => {
    expect(channelStates(channels, [], contact, firstContactBy).map((c) => c.state)).toEqual(states);
  });

  it('a channel the contact has an identity on is active, with when it was connected', () => {
    const result = channelStates(channels, [{ channelId: 'fb', identifier: 'psid-1', connectedAt }], { phone: null, email: null }, firstContactBy);
    expect(result[3]).toEqual({ channelId: 'fb', type: 'messenger', name: 'Facebook', state: 'active', connectedAt, identifier: 'psid-1' });
    expect(result.filter((c) => c.state === 'active')).toHaveLength(1);
  });
});
