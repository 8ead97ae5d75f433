import { describe, expect, it } from 'vitest';
import type { WebhookRequest } from '../channel-registry.js';
import { wechatSignature } from './wechat-platform.js';
import { wechatChannel, type WechatSettings } from './wechat.channel.js';

const settings: WechatSettings = { appId: 'wx0000000000000001', appSecret: 'secret-123', token: 'abc123', apiBaseUrl: 'https://api.weixin.qq.com', messageLimit: 5 };

const request = (xml: string, query: Record<string, string> = {}): WebhookRequest => ({ rawBody: Buffer.from(xml), headers: {}, query, url: 'https://example.test/webhooks/wechat/1' });

const signed = (token = settings.token) => ({ timestamp: '1717232400', nonce: '77', signature: wechatSignature(token, '1717232400', '77') });

describe('WeChat’s webhook signature', () => {
  it('is the hex SHA-1 of the sorted token, timestamp and nonce', () => {
    // sorted: "1717232400" < "77" < "abc123"
    expect(wechatSignature('abc123', '1717232400', '77')).toBe(wechatSignature('77', 'abc123', '1717232400'));
    expect(wechatSignature('abc123', '1717232400', '77')).toMatch(/^[0-9a-f]{40}$/);
  });

  it('accepts the channel’s own signature only, and nothing without one', () => {
    expect(wechatChannel.verifyWebhook(request('', signed()), settings)).toBe(true);
    expect(wechatChannel.verifyWebhook(request('', signed('other1')), settings)).toBe(false);
    expect(wechatChannel.verifyWebhook(request('', { ...signed(), nonce: '78' }), settings)).toBe(false);
    expect(wechatChannel.verifyWebhook(request('', { timestamp: '1', nonce: '2' }), settings)).toBe(false);
  });
});

describe('parsing WeChat’s XML', () => {
  it('reads a text message as CHANNELS.md shows it, keeping a MsgId past 2^53 exact', () => {
    const xml =
      '<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[oOPENID]]></FromUserName><CreateTime>1348831860</CreateTime>' +
      '<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi <b>&amp; bye</b>]]></Content><MsgId>6400000000000000001</MsgId></xml>';
    const events = wechatChannel.parseWebhook(request(xml), settings);
    expect(events.messages).toEqual([
      { providerMessageId: '6400000000000000001', contact: { identifier: 'oOPENID' }, sentAt: new Date(1348831860 * 1000), text: 'hi <b>&amp; bye</b>' },
    ]);
  });

  it('never expands an entity: a DOCTYPE is refused before parsing', () => {
    const xml = '<!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]><xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>&x;</Content><MsgId>1</MsgId></xml>';
    expect(() => wechatChannel.parseWebhook(request(xml), settings)).toThrow(/DOCTYPE/);
  });

  it('reads a location and a voice message with WeChat’s recognition', () => {
    const location = wechatChannel.parseWebhook(
      request('<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>location</MsgType><Location_X>23.134521</Location_X><Location_Y>113.358803</Location_Y><Label><![CDATA[Guangzhou]]></Label><MsgId>2</MsgId></xml>'),
      settings,
    );
    expect(location.messages[0]).toMatchObject({ text: 'Guangzhou', content: { kind: 'location', latitude: 23.134521, longitude: 113.358803 } });
    const voice = wechatChannel.parseWebhook(
      request('<xml><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>voice</MsgType><MediaId>m1</MediaId><Format>amr</Format><Recognition>你好</Recognition><MsgId>3</MsgId></xml>'),
      settings,
    );
    expect(voice.messages[0]).toMatchObject({ text: '你好', content: { kind: 'audio' }, media: [{ kind: 'audio', ref: 'm1' }] });
  });
});
