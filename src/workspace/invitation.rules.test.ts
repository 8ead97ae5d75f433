import { describe, expect, it } from 'vitest';
import { hashInvitationToken, invitationExpiry, invitationMail, newInvitationToken } from './invitation.rules.js';

describe('invitations', () => {
  it('keep only a hash of the link’s token, and a new token each time', () => {
    const first = newInvitationToken();
    expect(first.hash).toBe(hashInvitationToken(first.token));
    expect(first.hash).not.toContain(first.token);
    expect(newInvitationToken().token).not.toBe(first.token);
    expect(first.token.length).toBeGreaterThanOrEqual(43);
  });

  it('work for 7 days', () => {
    expect(invitationExpiry(new Date('2026-03-02T09:00:00Z'))).toEqual(new Date('2026-03-09T09:00:00Z'));
  });

  it('are mailed in the inviter’s language, with the link', () => {
    const mail = invitationMail({ language: 'de', name: 'Aiko', inviter: 'Olivia', workspace: 'Acme', link: 'https://sb.example/invitation/abc' });
    expect(mail.subject).toBe('Olivia lädt Sie zu Acme auf Switchboard ein');
    expect(mail.text).toContain('https://sb.example/invitation/abc');
    expect(mail.text).toContain('7 Tage');
    expect(invitationMail({ language: null, name: 'A', inviter: 'B', workspace: 'C', link: 'L' }).subject).toBe('B invites you to C on Switchboard');
  });
});
