import { describe, expect, it } from 'vitest';
import { foldOffset, sanitizeEmailHtml } from './email-html.js';

describe('sanitizeEmailHtml', () => {
  const hostile = [
    '<script>alert(1)</script>',
    '<img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVaScRiPt&colon;alert(1)">x</a>',
    '<a href=" javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example"><input name="p"><button>Go</button></form>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<style>@import url(https://evil.example/x.css); body{background:url(https://evil.example/t.gif)}</style>',
    '<svg onload="alert(1)"><script>alert(1)</script></svg>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<div style="background-image:url(https://evil.example/t.gif)">bg</div>',
    '<div style="position:fixed;top:0;left:0;width:100%;z-index:9999">overlay</div>',
    '<div style="margin-top:-500px">climb</div>',
    '<p style="transform:translateY(-100px)">moved</p>',
    '<img src="//evil.example/pixel.gif">',
    '<img data-remote-src="javascript:alert(1)" src="cid:x">',
  ].join('\n');

  it('leaves no live script, handler, form, frame, base, remote stylesheet or box-escaping CSS', () => {
    const { html } = sanitizeEmailHtml(hostile);
    for (const bad of ['<script', 'onerror', 'onload', 'javascript', 'data:text', '<iframe', '<object', '<embed', '<form', '<input', '<button', '<base', '<meta', '<link', '<style', '@import', 'url(', 'position', 'z-index', '-500px', 'transform', '<svg', '<math']) {
      expect(html.toLowerCase()).not.toContain(bad.toLowerCase());
    }
    expect(html).toContain('overlay');
    expect(html).toContain('climb');
  });

  it('holds remote images back (protocol-relative too), keeps the mail’s own cid: images, counts what it held', () => {
    const { html, remoteImages } = sanitizeEmailHtml('<img src="https://t.example/p.gif"><img src="//t.example/q.gif"><img src="cid:logo@x" alt="logo">');
    expect(remoteImages).toBe(2);
    expect(html).not.toMatch(/\ssrc="(https:)?\/\//);
    expect(html).toContain('data-remote-src="https://t.example/p.gif"');
    expect(html).toContain('<img src="cid:logo@x" alt="logo" />');
  });

  it('keeps ordinary formatting, tables and safe styles; links open outside the frame', () => {
    const { html } = sanitizeEmailHtml('<table width="100%"><tr><td style="color:#333;padding:4px 8px"><b>Total</b></td></tr></table><a href="https://shop.example">shop</a>');
    expect(html).toContain('<td style="color:#333;padding:4px 8px"><b>Total</b></td>');
    expect(html).toContain('<a href="https://shop.example" target="_blank" rel="noopener noreferrer nofollow">shop</a>');
  });

  it('marks quoted history for folding: blockquotes, Gmail’s and Thunderbird’s quote blocks, Outlook’s reply header', () => {
    expect(sanitizeEmailHtml('<p>new</p><blockquote type="cite">old</blockquote>').html).toContain('<blockquote class="sb-quoted">old</blockquote>');
    expect(sanitizeEmailHtml('<div class="gmail_quote other">old</div>').html).toContain('<div class="gmail_quote">old</div>');
    expect(sanitizeEmailHtml('<div id="divRplyFwdMsg"><b>From:</b> x</div>').html).toContain('class="sb-quoted-start"');
  });
});

describe('foldOffset', () => {
  it('finds where the quoted history or the signature starts', () => {
    const gmail = 'Thanks, that works.\n\nOn Mon, 7 Dec 2026 at 10:00, Support <support@shop.example> wrote:\n> Try again\n';
    expect(gmail.slice(foldOffset(gmail)!)).toMatch(/^On Mon/);
    const german = 'Danke!\n\nAm 07.12.2026 um 10:00 schrieb Support <support@shop.example>:\n> Hallo\n';
    expect(german.slice(foldOffset(german)!)).toMatch(/^Am 07/);
    const signature = 'See you.\n-- \nNora Lind\nACME';
    expect(signature.slice(foldOffset(signature)!)).toBe('-- \nNora Lind\nACME');
    const outlook = 'Yes.\n\n-----Original Message-----\nFrom: Support\n';
    expect(outlook.slice(foldOffset(outlook)!)).toMatch(/^-----Original/);
  });

  it('folds nothing when there is nothing before the quote or no quote at all', () => {
    expect(foldOffset('Just a question.\nSecond line.')).toBeNull();
    expect(foldOffset('> only a quote')).toBeNull();
    // A quoted line in the middle of the answer is part of it.
    expect(foldOffset('You said:\n> this\nand I disagree.')).toBeNull();
  });
});
