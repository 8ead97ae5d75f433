import { describe, expect, it } from 'vitest';
import { emailChannel, isOurMessageId, ourMessageId, relayFailure, textToHtml } from './email.channel.js';

describe('the relay’s answers', () => {
  it('tries 4xx and unreachable relays again; 5xx and a refused login fail the reply with the relay’s words', () => {
    expect(relayFailure({ responseCode: 451, response: '451 4.3.0 try later' })).toMatchObject({ retryable: true, code: 'smtp:451' });
    expect(relayFailure({ responseCode: 550, response: '550 5.1.1 no such user' })).toEqual({ ok: false, error: 'The relay refused the mail: 550 5.1.1 no such user', retryable: false, code: 'smtp:550' });
    expect(relayFailure({ code: 'ECONNECTION', message: 'connect ECONNREFUSED 127.0.0.1:9' })).toMatchObject({ retryable: true });
    expect(relayFailure({ code: 'EAUTH', message: 'Invalid login: 535 5.7.8' })).toMatchObject({ retryable: false, code: 'smtp:auth' });
  });
});

describe('our mail', () => {
  it('recognises its own Message-IDs on its own domain only', () => {
    const id = ourMessageId('0b7e2c1d-2222-4b4b-8c8c-abcdefabcdef', 'support@Shop.Example');
    expect(id).toBe('<sb.0b7e2c1d-2222-4b4b-8c8c-abcdefabcdef@shop.example>');
    expect(isOurMessageId(id, 'support@shop.example')).toBe(true);
    expect(isOurMessageId(id, 'support@other.example')).toBe(false);
    expect(isOurMessageId('<sb.x@shop.example>', 'support@shop.example')).toBe(false);
  });

  it('makes the HTML part from the text, escaping everything but its light formatting', () => {
    const html = textToHtml('**Hi** <script>x</script> see https://shop.example/a?b=1&c=2\nbye');
    expect(html).toContain('<strong>Hi</strong> &lt;script&gt;x&lt;/script&gt;');
    expect(html).toContain('<a href="https://shop.example/a?b=1&amp;c=2">');
    expect(html).toContain('<br>');
  });

  it('keeps SPEC §7’s settings keys and refuses an address with a +tag', () => {
    const parsed = emailChannel.settingsSchema.safeParse({ address: 'Help@Shop.Example', smtpHost: 'smtp.shop.example' });
    expect(parsed.success && Object.keys(parsed.data).sort()).toEqual(['address', 'smtpHost', 'smtpPassword', 'smtpPort', 'smtpSecure', 'smtpUser']);
    expect(emailChannel.settingsSchema.safeParse({ address: 'help+x@shop.example', smtpHost: 'smtp.shop.example' }).success).toBe(false);
    expect(emailChannel.secretKeys).toEqual(['smtpPassword']);
  });
});
