import { readdirSync, readFileSync } from 'node:fs';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrationsFolder } from '../../src/platform/db/client.js';
import { spamDecisions } from '../../src/platform/db/schema.js';
import { fixedClock } from '../../src/platform/clock.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { connect } from '../helpers/websocket.js';
import { createApiChannel, sendInbound } from './inbox-fixtures.js';

const clock = fixedClock(new Date('2026-05-04T09:00:00Z'));
let t: TestApp;
let baseUrl: string;
beforeAll(async () => {
  t = await createTestApp({ clock });
  baseUrl = await t.server.listen();
});
afterAll(async () => {
  await t?.close();
});

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

/** A workspace whose API channel takes `action` at `threshold`, with casino.example on the blocklist. */
async function setUp(action: 'quarantine' | 'block', threshold = 100, extra: Record<string, unknown> = {}) {
  const ws = await t.createWorkspace();
  const channel = await createApiChannel(t, ws);
  const saved = await t.request('PATCH', '/api/v1/spam/settings', {
    token: ws.manager.token,
    body: { blockedDomains: ['casino.example'], channels: { [channel.id]: { action, threshold } }, ...extra },
  });
  expect(saved.statusCode, saved.body).toBe(200);
  clock.advance(1000);
  return { ws, channel };
}

const listIds = async (ws: Workspace, query = '') =>
  ((await t.request('GET', `/api/v1/conversations${query}`, { token: ws.owner.token })).data.items as Array<{ id: string; contactId: string }>).map((c) => c.id);
const decisions = async (ws: Workspace, state: 'active' | 'reversed') =>
  (await t.request('GET', `/api/v1/spam/decisions?state=${state}`, { token: ws.manager.token })).data.items as any[];
const mac = async (ws: Workspace) => (await t.request('GET', '/api/v1/usage/mac', { token: ws.owner.token })).data.activeContacts as number;
const messagesOf = async (ws: Workspace, conversationId: string, query = '') =>
  ((await t.request('GET', `/api/v1/conversations/${conversationId}/messages${query}`, { token: ws.owner.token })).data.items as Array<Record<string, any>>).map(
    (m) => [m.text, m.hidden],
  );

describe('spam settings', () => {
  it('start empty, and owners and managers change them; agents may not', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    expect((await t.request('GET', '/api/v1/spam/settings', { token: ws.owner.token })).data).toEqual({
      blockedDomains: [],
      burstPerMinute: 10,
      repeatedTextContacts: 5,
      channels: {},
    });
    const saved = await t.request('PATCH', '/api/v1/spam/settings', {
      token: ws.manager.token,
      body: { blockedDomains: ['https://www.Casino.example/', 'casino.example', 'späm.example'], burstPerMinute: 20, channels: { [channel.id]: { action: 'quarantine', threshold: 50 } } },
    });
    expect(saved.data).toEqual({
      blockedDomains: ['casino.example', 'xn--spm-rla.example'],
      burstPerMinute: 20,
      repeatedTextContacts: 5,
      channels: { [channel.id]: { action: 'quarantine', threshold: 50 } },
    });
    expect((await t.request('GET', '/api/v1/spam/settings', { token: ws.owner.token })).data).toEqual(saved.data);
    expect((await t.request('GET', '/api/v1/spam/settings', { token: ws.agent.token })).statusCode).toBe(403);
    expect((await t.request('PATCH', '/api/v1/spam/settings', { token: ws.agent.token, body: { burstPerMinute: 5 } })).statusCode).toBe(403);
  });

  it('refuse a channel of another workspace and what is not a domain', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const theirs = await createApiChannel(t, other);
    const foreign = await t.request('PATCH', '/api/v1/spam/settings', { token: ws.owner.token, body: { channels: { [theirs.id]: { action: 'block', threshold: 100 } } } });
    expect({ status: foreign.statusCode, code: foreign.data.error.code, field: foreign.data.error.field }).toEqual({
      status: 400,
      code: 'invalid_field',
      field: `channels.${theirs.id}`,
    });
    const notDomain = await t.request('PATCH', '/api/v1/spam/settings', { token: ws.owner.token, body: { blockedDomains: ['ok.example', 'not a domain'] } });
    expect({ status: notDomain.statusCode, field: notDomain.data.error.field }).toEqual({ status: 400, field: 'blockedDomains.1' });
    expect((await t.request('GET', '/api/v1/spam/settings', { token: ws.owner.token })).data.blockedDomains).toEqual([]);
  });
});

describe('quarantine', () => {
  it('holds a message above the threshold out of every inbox, unannounced and uncounted, listed for review with its reasons', async () => {
    const { ws, channel } = await setUp('quarantine');
    const browser = await connect(baseUrl, ws.owner.token);
    await browser.next('hello');

    expect((await sendInbound(t, channel.id, { identifier: 'promo-1', name: 'Lucky Promo', text: 'Win big at https://casino.example/spin' })).statusCode).toBe(200);
    clock.advance(1000);
    await sendInbound(t, channel.id, { identifier: 'promo-1', text: 'Are you there?' });
    await sendInbound(t, channel.id, { identifier: 'honest', text: 'Where is my parcel?' });
    await browser.next('message.created', (d) => d.message.text === 'Where is my parcel?');
    expect(browser.events.filter((e) => e.type.startsWith('message.') && e.data.message.text !== 'Where is my parcel?')).toEqual([]);
    await browser.next('spam.decision.created');
    browser.close();

    for (const query of ['', '?inbox=all', '?inbox=unassigned', '?inbox=blocked', '?status=open']) expect(await listIds(ws, query)).toHaveLength(query === '?inbox=blocked' ? 0 : 1);
    expect(await mac(ws)).toBe(1);

    const [held, ...rest] = await decisions(ws, 'active');
    expect(rest).toEqual([]);
    expect(held).toMatchObject({
      action: 'quarantine',
      state: 'active',
      score: 100,
      reasons: [{ signal: 'blocked_domain', weight: 100, domains: ['casino.example'] }],
      contact: { name: 'Lucky Promo', blocked: false, quarantined: true },
      channelId: channel.id,
      message: { text: 'Win big at https://casino.example/spin' },
      reversedAt: null,
    });
    // Both messages wait with the conversation, shown to whoever reviews it.
    expect(await messagesOf(ws, held.conversationId)).toEqual([
      ['Are you there?', false],
      ['Win big at https://casino.example/spin', false],
    ]);
  });

  it('released in one click: the conversation joins the inbox as it would have, counted from the release', async () => {
    const { ws, channel } = await setUp('quarantine');
    await sendInbound(t, channel.id, { identifier: 'maybe-spam', text: 'deal at bit.ly/deal and casino.example' });
    const [held] = await decisions(ws, 'active');
    expect(held.reasons).toEqual([
      { signal: 'blocked_domain', weight: 100, domains: ['casino.example'] },
      { signal: 'url_shortener', weight: 50, domains: ['bit.ly'] },
    ]);
    expect(await mac(ws)).toBe(0);

    clock.advance(60_000);
    const released = await t.request('POST', `/api/v1/spam/decisions/${held.id}/reverse`, { token: ws.manager.token });
    expect(released.statusCode).toBe(200);
    expect(released.data).toMatchObject({ id: held.id, state: 'reversed', reversedAt: clock.now().toISOString(), reversedBy: ws.manager.id, contact: { quarantined: false } });
    expect(await listIds(ws)).toEqual([held.conversationId]);
    // Waiting unanswered for a minute, as it would have been without the quarantine: missed.
    expect((await t.request('GET', `/api/v1/conversations/${held.conversationId}`, { token: ws.owner.token })).data).toMatchObject({ status: 'open', dot: 'red' });
    expect(await mac(ws)).toBe(1);
    expect(await decisions(ws, 'active')).toEqual([]);
    expect((await decisions(ws, 'reversed')).map((d) => d.id)).toEqual([held.id]);

    const again = await t.request('POST', `/api/v1/spam/decisions/${held.id}/reverse`, { token: ws.owner.token });
    expect(again.data).toMatchObject({ state: 'reversed', reversedBy: ws.manager.id });

    // Released for good: the next message is screened afresh, not held because of the last.
    clock.advance(1000);
    await sendInbound(t, channel.id, { identifier: 'maybe-spam', text: 'thanks!' });
    expect(await decisions(ws, 'active')).toEqual([]);
  });
});

describe('auto-block', () => {
  it('a burst from one contact blocks it: the message that crossed the line is hidden, the conversation closed and moved to Blocked contacts', async () => {
    const { ws, channel } = await setUp('block', 50, { burstPerMinute: 3 });
    for (const text of ['hi', 'hello?', 'HELLO??']) {
      await sendInbound(t, channel.id, { identifier: 'flooder', name: 'Flo Oder', text });
      clock.advance(5000);
    }
    const [decision] = await decisions(ws, 'active');
    expect(decision).toMatchObject({ action: 'block', score: 50, reasons: [{ signal: 'burst', weight: 50, messages: 3, limit: 3, windowSeconds: 60 }], contact: { blocked: true } });
    expect(await listIds(ws, '?inbox=blocked')).toEqual([decision.conversationId]);
    expect(await listIds(ws)).toEqual([]);
    expect((await t.request('GET', `/api/v1/conversations/${decision.conversationId}`, { token: ws.owner.token })).data).toMatchObject({ status: 'closed', blocked: true });
    expect(await messagesOf(ws, decision.conversationId, '?includeHidden=true')).toEqual([
      ['HELLO??', true],
      ['hello?', false],
      ['hi', false],
    ]);
  });

  it('the same text from many new contacts: the contact that makes it a campaign is blocked and not counted', async () => {
    const { ws, channel } = await setUp('block', 60);
    const text = 'Congratulations! You won a FREE cruise, reply YES to claim';
    for (let n = 1; n <= 5; n++) {
      await sendInbound(t, channel.id, { identifier: `cruise-${n}`, text });
      clock.advance(60_000);
    }
    const [decision, ...rest] = await decisions(ws, 'active');
    expect(rest).toEqual([]);
    expect(decision).toMatchObject({ action: 'block', reasons: [{ signal: 'repeated_text', weight: 60, contacts: 5, limit: 5, windowSeconds: 3600 }] });
    expect(await mac(ws)).toBe(4);
    expect(await listIds(ws)).toHaveLength(4);
  });

  it('reversed in one click: the contact is unblocked; unblocking it by hand marks the decision reversed too', async () => {
    const { ws, channel } = await setUp('block');
    await sendInbound(t, channel.id, { identifier: 'casino-1', text: 'https://casino.example' });
    await sendInbound(t, channel.id, { identifier: 'casino-2', text: 'https://casino.example' });
    const [second, first] = await decisions(ws, 'active');

    const reversed = await t.request('POST', `/api/v1/spam/decisions/${first.id}/reverse`, { token: ws.owner.token });
    expect(reversed.data).toMatchObject({ state: 'reversed', contact: { blocked: false } });
    expect(await listIds(ws, '?inbox=blocked')).toEqual([second.conversationId]);
    expect(await t.services.blocking.isBlocked(ws.id, first.contactId)).toBe(false);

    await t.request('POST', `/api/v1/contacts/${second.contactId}/unblock`, { token: ws.agent.token });
    expect(await decisions(ws, 'active')).toEqual([]);
    expect((await t.request('GET', `/api/v1/spam/decisions/${second.id}`, { token: ws.owner.token })).data).toMatchObject({ state: 'reversed', reversedBy: ws.agent.id });
  });

  it('nothing is decided on a channel without a policy, whatever the signals', async () => {
    const ws = await t.createWorkspace();
    const channel = await createApiChannel(t, ws);
    await t.request('PATCH', '/api/v1/spam/settings', { token: ws.owner.token, body: { blockedDomains: ['casino.example'] } });
    await sendInbound(t, channel.id, { identifier: 'unscreened', text: 'https://casino.example' });
    expect(await decisions(ws, 'active')).toEqual([]);
    expect(await listIds(ws)).toHaveLength(1);

    // A policy set now applies to the very next message, though the server screened one just before.
    await t.request('PATCH', '/api/v1/spam/settings', { token: ws.owner.token, body: { channels: { [channel.id]: { action: 'quarantine', threshold: 100 } } } });
    await sendInbound(t, channel.id, { identifier: 'screened', text: 'https://casino.example' });
    expect(await decisions(ws, 'active')).toHaveLength(1);
  });
});

describe('spam decisions', () => {
  it('are for owners and managers, and stay in their workspace', async () => {
    const { ws, channel } = await setUp('block');
    await sendInbound(t, channel.id, { identifier: 'casino-x', text: 'casino.example/win' });
    const [decision] = await decisions(ws, 'active');
    expect((await t.request('GET', '/api/v1/spam/decisions', { token: ws.agent.token })).statusCode).toBe(403);
    expect((await t.request('POST', `/api/v1/spam/decisions/${decision.id}/reverse`, { token: ws.agent.token })).statusCode).toBe(403);
    const stranger = await t.createWorkspace();
    expect((await t.request('GET', `/api/v1/spam/decisions/${decision.id}`, { token: stranger.owner.token })).statusCode).toBe(404);
    expect((await t.request('POST', `/api/v1/spam/decisions/${decision.id}/reverse`, { token: stranger.owner.token })).statusCode).toBe(404);
    expect((await t.request('GET', '/api/v1/spam/decisions', { token: stranger.owner.token })).data.items).toEqual([]);
  });

  it('page newest first', async () => {
    const { ws, channel } = await setUp('block');
    for (let n = 1; n <= 3; n++) {
      await sendInbound(t, channel.id, { identifier: `pager-${n}`, text: `casino.example/${n}` });
      clock.advance(1000);
    }
    const first = await t.request('GET', '/api/v1/spam/decisions?limit=2', { token: ws.owner.token });
    expect(first.data.items.map((d: { message: { text: string } }) => d.message.text)).toEqual(['casino.example/3', 'casino.example/2']);
    const second = await t.request('GET', `/api/v1/spam/decisions?limit=2&cursor=${first.data.nextCursor}`, { token: ws.owner.token });
    expect(second.data).toMatchObject({ items: [{ message: { text: 'casino.example/1' } }], nextCursor: null });
  });
});

describe('quarantined contacts in the Contacts module', () => {
  const contactsList = async (ws: Workspace, query = '') =>
    (await t.request('GET', `/api/v1/contacts${query}`, { token: ws.manager.token })).data.items as Array<{ id: string; blocked: boolean; quarantined: boolean }>;

  it('are marked `quarantined` in the list and on the contact until released; others, blocked ones included, are not', async () => {
    const { ws, channel } = await setUp('quarantine');
    await sendInbound(t, channel.id, { identifier: 'held', name: 'Held Promo', text: 'Win big at https://casino.example/spin' });
    await sendInbound(t, channel.id, { identifier: 'fine', name: 'Fine Customer', text: 'Where is my parcel?' });
    await sendInbound(t, channel.id, { identifier: 'rude', name: 'Rude Customer', text: 'Hello?' });
    const [held] = await decisions(ws, 'active');
    const idOf = async (name: string) => (await contactsList(ws, `?q=${name}`))[0]!.id;
    const fine = await idOf('Fine');
    const rude = await idOf('Rude');
    await t.request('POST', `/api/v1/contacts/${rude}/block`, { token: ws.manager.token });

    const marks = async (query = '') => Object.fromEntries((await contactsList(ws, query)).map((c) => [c.id, c.quarantined]));
    expect(await marks()).toEqual({ [held.contactId]: true, [fine]: false });
    expect(await marks('?blocked=true')).toEqual({ [rude]: false });
    expect(await marks('?q=Held')).toEqual({ [held.contactId]: true });
    expect((await t.request('GET', `/api/v1/contacts/${held.contactId}`, { token: ws.manager.token })).data).toMatchObject({ quarantined: true });

    await t.request('POST', `/api/v1/spam/decisions/${held.id}/reverse`, { token: ws.manager.token });
    expect((await contactsList(ws)).map((c) => c.quarantined)).toEqual([false, false]);
  });
});

describe('a held contact blocked by hand', () => {
  it('is blocked, no longer held; unblocked, its next message is screened afresh and shown', async () => {
    const { ws, channel } = await setUp('quarantine');
    await sendInbound(t, channel.id, { identifier: 'promo', name: 'Held Promo', text: 'Win big at https://casino.example/spin' });
    const [held] = await decisions(ws, 'active');
    expect((await t.request('GET', `/api/v1/contacts/${held.contactId}`, { token: ws.manager.token })).data).toMatchObject({ quarantined: true, blocked: false });

    expect((await t.request('POST', `/api/v1/contacts/${held.contactId}/block`, { token: ws.manager.token })).statusCode).toBe(200);
    expect((await t.request('GET', `/api/v1/contacts/${held.contactId}`, { token: ws.manager.token })).data).toMatchObject({ quarantined: false, blocked: true });
    expect(await listIds(ws, '?inbox=blocked')).toEqual([held.conversationId]);
    // The decision stays in the history, with the contact as it is now.
    expect((await decisions(ws, 'active')).map((d) => [d.id, d.contact])).toEqual([[held.id, expect.objectContaining({ blocked: true, quarantined: false })]]);

    clock.advance(1000);
    await t.request('POST', `/api/v1/contacts/${held.contactId}/unblock`, { token: ws.manager.token });
    await sendInbound(t, channel.id, { identifier: 'promo', text: 'Sorry, wrong number' });
    expect((await t.request('GET', `/api/v1/contacts/${held.contactId}`, { token: ws.manager.token })).data).toMatchObject({ quarantined: false, blocked: false });
    expect(await messagesOf(ws, held.conversationId)).toContainEqual(['Sorry, wrong number', false]);
    expect(await listIds(ws, '?status=open')).toEqual([held.conversationId]);
  });
});

describe('decisions stored before reasons were data', () => {
  const migration = readdirSync(migrationsFolder).find((file) => file.endsWith('_spam_reasons_as_data.sql'))!;

  it('read as data once migrated; a reason in no known form keeps its text', async () => {
    const { ws, channel } = await setUp('quarantine');
    await sendInbound(t, channel.id, { identifier: 'old-row', text: 'casino.example and bit.ly/x' });
    const [held] = await decisions(ws, 'active');
    const prose = [
      { signal: 'burst', detail: '12 messages within a minute (limit 10)', weight: 50 },
      { signal: 'blocked_domain', detail: 'links to casino.example, vip.spam.example (on the blocklist)', weight: 100 },
      { signal: 'url_shortener', detail: 'links through bit.ly (a link shortener)', weight: 50 },
      { signal: 'repeated_text', detail: 'the same text from 7 new contacts within an hour (limit 5)', weight: 60 },
      { signal: 'burst', detail: 'worded some other way', weight: 50 },
    ];
    await t.database.db.update(spamDecisions).set({ reasons: prose }).where(eq(spamDecisions.id, held.id));

    await t.database.db.execute(sql.raw(readFileSync(`${migrationsFolder}/${migration}`, 'utf8')));

    expect((await t.request('GET', `/api/v1/spam/decisions/${held.id}`, { token: ws.manager.token })).data.reasons).toEqual([
      { signal: 'burst', weight: 50, messages: 12, limit: 10, windowSeconds: 60 },
      { signal: 'blocked_domain', weight: 100, domains: ['casino.example', 'vip.spam.example'] },
      { signal: 'url_shortener', weight: 50, domains: ['bit.ly'] },
      { signal: 'repeated_text', weight: 60, contacts: 7, limit: 5, windowSeconds: 3600 },
      { signal: 'burst', detail: 'worded some other way', weight: 50 },
    ]);
  });
});
