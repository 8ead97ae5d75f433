import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { allPages, contactFixtures, createContact } from './contacts.fixtures.js';

let t: TestApp;
let fixtures: ReturnType<typeof contactFixtures>;
beforeAll(async () => {
  t = await createTestApp();
  await t.services.jobs.stop();
  fixtures = contactFixtures(t);
});
afterAll(() => t?.close());

type Workspace = Awaited<ReturnType<TestApp['createWorkspace']>>;

async function scoreField(ws: Workspace) {
  const response = await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'score', label: 'Score', type: 'number' } });
  expect(response.statusCode).toBe(201);
}

describe('creating a contact', () => {
  it('normalises phone and email, derives the country, creates new tags and types custom fields', async () => {
    const ws = await t.createWorkspace();
    await scoreField(ws);
    const response = await t.request('POST', '/api/v1/contacts', {
      token: ws.manager.token,
      body: {
        firstName: ' Jürgen ',
        lastName: 'Müller',
        email: 'Juergen.Mueller@Example.DE',
        phone: '+49 (151) 1234-5678',
        language: 'de-de',
        assigneeId: ws.agent.id,
        tags: ['VIP', 'vip', 'Newsletter'],
        customFields: { score: '42' },
      },
    });
    expect(response.statusCode).toBe(201);
    expect(response.data).toMatchObject({
      firstName: 'Jürgen',
      lastName: 'Müller',
      email: 'juergen.mueller@example.de',
      phone: '+4915112345678',
      country: 'DE',
      language: 'de-DE',
      assigneeId: ws.agent.id,
      tags: ['Newsletter', 'VIP'],
      customFields: { score: 42 },
      blocked: false,
      channels: [],
      conversationStatus: null,
      conversationId: null,
      lastInteractionAt: null,
    });
    const again = await t.request('GET', `/api/v1/contacts/${response.data.id}`, { token: ws.agent.token });
    expect(again.data).toEqual(response.data);
  });

  it('is for owners and managers: an agent is refused and nothing is created', async () => {
    const ws = await t.createWorkspace();
    const refused = await t.request('POST', '/api/v1/contacts', { token: ws.agent.token, body: { firstName: 'Nope' } });
    expect(refused.statusCode).toBe(403);
    expect(refused.data.error.code).toBe('forbidden');
    expect(await fixtures.count('contacts', ws.id)).toBe(0);
  });

  it.each([
    [{ phone: '0151 12345678' }, 'phone'],
    [{ phone: '+49 151' }, 'phone'],
    [{ email: 'juergen(at)example.de' }, 'email'],
    [{ country: 'Germany' }, 'country'],
    [{ language: 'deutsch!' }, 'language'],
    [{ customFields: { nope: 1 } }, 'customFields.nope'],
    [{ customFields: { score: 'lots' } }, 'customFields.score'],
    [{ tags: [' '] }, 'tags'],
    [{ phone: 4915112345678 }, 'phone'],
  ])('refuses %j with 400 naming the field, and creates nothing', async (body, field) => {
    const ws = await t.createWorkspace();
    await scoreField(ws);
    const response = await t.request('POST', '/api/v1/contacts', { token: ws.owner.token, body: { firstName: 'Ann', ...body } });
    expect(response.statusCode).toBe(400);
    expect(response.data.error).toMatchObject({ code: 'invalid_field', field });
    expect(response.data.error.message).toContain(field);
    expect(await fixtures.count('contacts', ws.id)).toBe(0);
  });

  it('refuses a field that is not a contact field, and an assignee of another workspace', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const unknown = await t.request('POST', '/api/v1/contacts', { token: ws.owner.token, body: { firstName: 'Ann', nickname: 'A' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.data.error).toMatchObject({ code: 'unknown_field', field: 'nickname' });
    const foreign = await t.request('POST', '/api/v1/contacts', { token: ws.owner.token, body: { firstName: 'Ann', assigneeId: other.agent.id } });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.data.error).toMatchObject({ code: 'invalid_field', field: 'assigneeId' });
    expect(await fixtures.count('contacts', ws.id)).toBe(0);
  });
});

describe('editing a contact', () => {
  it('changes only the fields sent, and agents may edit names and tags from the drawer', async () => {
    const ws = await t.createWorkspace();
    const contact = await createContact(t, ws.owner.token, { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com', tags: ['Lead'] });
    const response = await t.request('PATCH', `/api/v1/contacts/${contact.id}`, {
      token: ws.agent.token,
      body: { lastName: 'Li', tags: ['Customer'] },
    });
    expect(response.statusCode).toBe(200);
    expect(response.data).toMatchObject({ firstName: 'Ann', lastName: 'Li', email: 'ann@example.com', tags: ['Customer'] });
    // Removing a tag from a contact never deletes it from the workspace.
    const tags = await t.request('GET', '/api/v1/tags', { token: ws.agent.token });
    expect(tags.data.items.map((tag: { name: string; count: number }) => [tag.name, tag.count])).toEqual([
      ['Customer', 1],
      ['Lead', 0],
    ]);
  });

  it('merges custom fields key by key, so edits of different fields do not undo each other', async () => {
    const ws = await t.createWorkspace();
    await scoreField(ws);
    await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'plan', label: 'Plan', type: 'dropdown', options: ['Free', 'Pro'] } });
    const contact = await createContact(t, ws.owner.token, { firstName: 'Ann', customFields: { score: 1, plan: 'Free' } });
    const [first, second] = await Promise.all([
      t.request('PATCH', `/api/v1/contacts/${contact.id}`, { token: ws.owner.token, body: { customFields: { score: 2 } } }),
      t.request('PATCH', `/api/v1/contacts/${contact.id}`, { token: ws.manager.token, body: { customFields: { plan: 'pro' }, firstName: 'Anna' } }),
    ]);
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    const after = await t.request('GET', `/api/v1/contacts/${contact.id}`, { token: ws.owner.token });
    expect(after.data).toMatchObject({ firstName: 'Anna', customFields: { score: 2, plan: 'Pro' } });
    const cleared = await t.request('PATCH', `/api/v1/contacts/${contact.id}`, { token: ws.owner.token, body: { customFields: { score: null } } });
    expect(cleared.data.customFields).toEqual({ plan: 'Pro' });
  });

  it('keeps a country set by hand when the phone changes, and derives it again once cleared', async () => {
    const ws = await t.createWorkspace();
    const contact = await createContact(t, ws.owner.token, { phone: '+33 6 12 34 56 78' });
    expect(contact).toMatchObject({ country: 'FR', countrySource: 'phone' });
    const manual = await t.request('PATCH', `/api/v1/contacts/${contact.id}`, { token: ws.owner.token, body: { country: 'ch' } });
    expect(manual.data).toMatchObject({ country: 'CH', countrySource: 'manual' });
    const newPhone = await t.request('PATCH', `/api/v1/contacts/${contact.id}`, { token: ws.owner.token, body: { phone: '+49 151 12345678' } });
    expect(newPhone.data).toMatchObject({ phone: '+4915112345678', country: 'CH' });
    const cleared = await t.request('PATCH', `/api/v1/contacts/${contact.id}`, { token: ws.owner.token, body: { country: null } });
    expect(cleared.data).toMatchObject({ country: 'DE', countrySource: 'phone' });
  });

  it('refuses bad input with 400 naming the field and changes nothing', async () => {
    const ws = await t.createWorkspace();
    const contact = await createContact(t, ws.owner.token, { firstName: 'Ann', phone: '+4915112345678', tags: ['Lead'] });
    for (const [body, field] of [
      [{ firstName: 'Bob', phone: 'call me' }, 'phone'],
      [{ firstName: 'Bob', email: 'bob@' }, 'email'],
      [{ firstName: 'Bob', tags: ['Customer'], customFields: { nope: 'x' } }, 'customFields.nope'],
    ] as const) {
      const response = await t.request('PATCH', `/api/v1/contacts/${contact.id}`, { token: ws.owner.token, body });
      expect(response.statusCode).toBe(400);
      expect(response.data.error).toMatchObject({ code: 'invalid_field', field });
    }
    const after = await t.request('GET', `/api/v1/contacts/${contact.id}`, { token: ws.owner.token });
    expect(after.data).toEqual(contact);
  });

  it('answers 404 for a contact of another workspace, and leaves it alone', async () => {
    const ws = await t.createWorkspace();
    const other = await t.createWorkspace();
    const contact = await createContact(t, other.owner.token, { firstName: 'Theirs' });
    const url = `/api/v1/contacts/${contact.id}`;
    for (const [method, body] of [['GET'], ['PATCH', { firstName: 'Mine' }], ['DELETE']] as const) {
      const response = await t.request(method, url, { token: ws.owner.token, body });
      expect(response.statusCode).toBe(404);
      expect(response.data.error.code).toBe('not_found');
    }
    expect((await t.request('GET', `${url}/channels`, { token: ws.owner.token })).statusCode).toBe(404);
    expect((await t.request('GET', url, { token: other.owner.token })).data.firstName).toBe('Theirs');
  });
});

describe('deleting a contact', () => {
  it('removes its conversation and identities for good (owners and managers, without limits)', async () => {
    const ws = await t.createWorkspace();
    const channelId = await fixtures.channel(ws.id, 'telegram');
    for (const token of [ws.owner.token, ws.manager.token]) {
      const contact = await createContact(t, ws.owner.token, { firstName: 'Gone' });
      await fixtures.identity(ws.id, contact.id, channelId, `tg-${contact.id}`);
      await fixtures.conversation(ws.id, contact.id, 'open');
      const response = await t.request('DELETE', `/api/v1/contacts/${contact.id}`, { token });
      expect(response.statusCode).toBe(204);
      expect((await t.request('GET', `/api/v1/contacts/${contact.id}`, { token })).statusCode).toBe(404);
    }
    expect(await fixtures.count('conversations', ws.id)).toBe(0);
    expect(await fixtures.count('contact_channels', ws.id)).toBe(0);
  });

  it('lets an agent delete only contacts assigned to it, and only when the workspace allows it', async () => {
    const ws = await t.createWorkspace();
    const mine = await createContact(t, ws.owner.token, { firstName: 'Mine', assigneeId: ws.agent.id });
    const theirs = await createContact(t, ws.owner.token, { firstName: 'Theirs', assigneeId: ws.manager.id });
    const refused = await t.request('DELETE', `/api/v1/contacts/${mine.id}`, { token: ws.agent.token });
    expect(refused.statusCode).toBe(403);
    expect(refused.data.error.code).toBe('forbidden');

    await t.request('PATCH', '/api/v1/settings', { token: ws.owner.token, body: { agentsMayDeleteAssignedContacts: true } });
    expect((await t.request('DELETE', `/api/v1/contacts/${theirs.id}`, { token: ws.agent.token })).statusCode).toBe(403);
    expect((await t.request('DELETE', `/api/v1/contacts/${mine.id}`, { token: ws.agent.token })).statusCode).toBe(204);
    expect(await fixtures.count('contacts', ws.id)).toBe(1);
  });
});

describe('the channels of a contact', () => {
  it('lists every channel of the workspace as active, inactive or unavailable', async () => {
    const ws = await t.createWorkspace();
    const whatsapp = await fixtures.channel(ws.id, 'whatsapp', 'WhatsApp');
    await fixtures.channel(ws.id, 'sms', 'SMS');
    await fixtures.channel(ws.id, 'email', 'Mail');
    const telegram = await fixtures.channel(ws.id, 'telegram', 'Telegram');
    const contact = await createContact(t, ws.owner.token, { firstName: 'Ann', phone: '+4915112345678' });
    await fixtures.identity(ws.id, contact.id, telegram, 'tg-1', new Date('2024-05-01T10:00:00Z'));

    const response = await t.request('GET', `/api/v1/contacts/${contact.id}/channels`, { token: ws.agent.token });
    expect(response.statusCode).toBe(200);
    // Inactive where the channel's module lets the business write first to a field the contact has
    // (WhatsApp and SMS, to its phone); email would too, but the contact has no address.
    expect(response.data.items.map((c: any) => [c.type, c.state])).toEqual([
      ['whatsapp', 'inactive'],
      ['sms', 'inactive'],
      ['email', 'unavailable'],
      ['telegram', 'active'],
    ]);
    expect(response.data.items[3]).toMatchObject({ channelId: telegram, connectedAt: '2024-05-01T10:00:00.000Z' });
    expect((await t.request('GET', `/api/v1/contacts/${contact.id}`, { token: ws.owner.token })).data.channels).toEqual(['telegram']);
    expect(whatsapp).toBeTruthy();
  });

  it('an owner or manager removes one; the history stays; agents may not', async () => {
    const ws = await t.createWorkspace();
    const telegram = await fixtures.channel(ws.id, 'telegram');
    const contact = await createContact(t, ws.owner.token, { firstName: 'Ann' });
    await fixtures.identity(ws.id, contact.id, telegram, 'tg-2');
    await fixtures.conversation(ws.id, contact.id, 'closed');
    const url = `/api/v1/contacts/${contact.id}/channels/${telegram}`;

    const refused = await t.request('DELETE', url, { token: ws.agent.token });
    expect(refused.statusCode).toBe(403);
    expect((await t.request('DELETE', url, { token: ws.manager.token })).statusCode).toBe(204);
    expect((await t.request('DELETE', url, { token: ws.manager.token })).statusCode).toBe(404);

    const channels = await t.request('GET', `/api/v1/contacts/${contact.id}/channels`, { token: ws.owner.token });
    expect(channels.data.items[0].state).toBe('unavailable');
    expect(await fixtures.count('contact_channels', ws.id)).toBe(1);
    expect(await fixtures.count('conversations', ws.id)).toBe(1);
  });
});

describe('searching contacts', () => {
  let ws: Workspace;
  const names = (response: { data: { items: Array<{ firstName: string }> } }) => response.data.items.map((c) => c.firstName).sort();
  const search = (q: string) => t.request('GET', `/api/v1/contacts?q=${encodeURIComponent(q)}`, { token: ws.manager.token });

  beforeAll(async () => {
    ws = await t.createWorkspace();
    for (const body of [
      { firstName: 'Jürgen', lastName: 'Müller', phone: '+4915112345678', email: 'j.mueller@example.de' },
      { firstName: 'Zoë', lastName: 'Ωμέγα', phone: '+33612345678', email: 'zoe_o@example.fr' },
      { firstName: 'Иван', lastName: 'Петров', phone: '+79123456789', email: 'ivan@example.ru' },
      { firstName: 'Ζωή', lastName: 'Παππά', phone: '+306912345678' },
      { firstName: '小明', lastName: '王', phone: '+8613812345678' },
      { firstName: 'Anna', lastName: 'Annandale', email: 'anna@example.com' },
    ]) {
      await createContact(t, ws.owner.token, body);
    }
  });

  it.each([
    ['muller', ['Jürgen']],
    ['MÜLL', ['Jürgen']],
    ['jurg', ['Jürgen']],
    ['ülle', ['Jürgen']],
    ['иван', ['Иван']],
    ['ПЕТР', ['Иван']],
    ['ζωη', ['Ζωή']],
    ['ΖΩΉ', ['Ζωή']],
    ['小明', ['小明']],
    ['王', ['小明']],
    ['ann', ['Anna']],
    ['an', ['Anna']],
    ['zo', ['Zoë']],
    ['jürgen müller', ['Jürgen']],
    ['müller jürgen', ['Jürgen']],
    ['nobody', []],
  ])('names: %j finds %j (prefix and substring, any case and accents)', async (q, expected) => {
    const response = await search(q);
    expect(response.statusCode).toBe(200);
    expect(names(response)).toEqual(expected);
  });

  it.each([
    ['0151 123 45678', ['Jürgen']],
    ['+49 151 12345678', ['Jürgen']],
    ['0049 151 1234 5678', ['Jürgen']],
    ['(0151) 1234-5678', ['Jürgen']],
    ['12345678', ['Jürgen', 'Zoë', 'Иван', 'Ζωή', '小明'].sort()],
    ['5112345678', ['Jürgen']],
    ['06 12 34 56 78', ['Zoë']],
    ['8 (912) 345-67-89', ['Иван']],
    ['+7 912', ['Иван']],
    ['+44 20 7946 0958', []],
  ])('phones: %j finds %j whatever the formatting', async (q, expected) => {
    expect(names(await search(q))).toEqual(expected);
  });

  it.each([
    ['J.Mueller@', ['Jürgen']],
    ['zoe_o@', ['Zoë']],
    ['zoe%o@', []],
    ['anna@example.com', ['Anna']],
    ['example@', []],
  ])('emails: %j finds %j by prefix', async (q, expected) => {
    expect(names(await search(q))).toEqual(expected);
  });

  it('pages through the matches of a name search in name order', async () => {
    const own = await t.createWorkspace();
    for (const [firstName, lastName] of [['Smart', 'Cookie'], ['Omar', 'Martínez'], ['Martina', 'B'], ['Martin', 'A'], ['Bob', 'Other']]) {
      await createContact(t, own.owner.token, { firstName, lastName });
    }
    const items = await allPages(t, own.owner.token, '/api/v1/contacts?q=MART&sort=name&limit=1');
    expect(items.map((c) => c.firstName)).toEqual(['Martin', 'Martina', 'Omar', 'Smart']);
    const backwards = await allPages(t, own.owner.token, '/api/v1/contacts?q=mart&sort=name&order=desc&limit=3');
    expect(backwards.map((c) => c.firstName)).toEqual(['Smart', 'Omar', 'Martina', 'Martin']);
  });

  it('is part of the Contacts module: agents are refused', async () => {
    const response = await t.request('GET', '/api/v1/contacts?q=ann', { token: ws.agent.token });
    expect(response.statusCode).toBe(403);
    expect(response.data.error.code).toBe('forbidden');
  });
});

describe('filtering, sorting and paging', () => {
  let ws: Workspace;
  let ids: Record<string, string>;
  let whatsapp: string;
  const list = async (query: string) => {
    const response = await t.request('GET', `/api/v1/contacts?${query}`, { token: ws.owner.token });
    expect(response.statusCode, response.body).toBe(200);
    return response.data.items.map((c: { firstName: string }) => c.firstName);
  };

  beforeAll(async () => {
    ws = await t.createWorkspace();
    await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'plan', label: 'Plan', type: 'dropdown', options: ['Free', 'Pro'] } });
    await t.request('POST', '/api/v1/custom-fields', { token: ws.owner.token, body: { key: 'vip', label: 'VIP', type: 'checkbox' } });
    whatsapp = await fixtures.channel(ws.id, 'whatsapp');
    const telegram = await fixtures.channel(ws.id, 'telegram');
    ids = {};
    for (const body of [
      { firstName: 'Anna', tags: ['Lead', 'Newsletter'], assigneeId: ws.agent.id, customFields: { plan: 'Pro', vip: true } },
      { firstName: 'Bruno', tags: ['Lead'], customFields: { plan: 'Free' } },
      { firstName: 'Chloé', tags: ['Customer'], assigneeId: ws.manager.id, customFields: { vip: false } },
      { firstName: 'Dmitri' },
      { firstName: 'Émile', tags: ['Lead'] },
    ]) {
      ids[body.firstName] = (await createContact(t, ws.owner.token, body)).id;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await fixtures.identity(ws.id, ids.Anna!, whatsapp, '+4915100000001');
    await fixtures.identity(ws.id, ids.Bruno!, telegram, 'tg-bruno');
    await fixtures.conversation(ws.id, ids.Anna!, 'open');
    await fixtures.conversation(ws.id, ids.Bruno!, 'closed');
    await fixtures.conversation(ws.id, ids.Chloé!, 'snoozed');
    await fixtures.lastInteraction(ids.Bruno!, new Date('2024-03-01T12:00:00Z'));
    await fixtures.lastInteraction(ids.Chloé!, new Date('2024-06-01T12:00:00Z'));
    await fixtures.block(ids.Émile!);
  });

  it('by default lists the newest first and leaves blocked contacts out', async () => {
    expect(await list('')).toEqual(['Dmitri', 'Chloé', 'Bruno', 'Anna']);
  });

  it.each([
    ['tag=Lead', ['Anna', 'Bruno']],
    ['tag=lead&tag=newsletter', ['Anna']],
    ['tag=Unknown', []],
    [`assigneeId=none`, ['Bruno', 'Dmitri']],
    ['channel=whatsapp', ['Anna']],
    ['channel=telegram', ['Bruno']],
    ['conversationStatus=open', ['Anna']],
    ['conversationStatus=snoozed', ['Chloé']],
    ['conversationStatus=none', ['Dmitri']],
    ['lastInteractionFrom=2024-02-01&lastInteractionTo=2024-03-01', ['Bruno']],
    ['lastInteractionFrom=2024-03-02', ['Chloé']],
    ['cf.plan=pro', ['Anna']],
    ['cf.vip=false', ['Chloé']],
    ['blocked=true', ['Émile']],
    ['segment=blocked', ['Émile']],
    ['tag=Lead&blocked=true', ['Émile']],
    ['q=an&tag=Lead', ['Anna']],
  ])('%s selects %j', async (query, expected) => {
    expect((await list(query)).sort()).toEqual([...expected].sort());
  });

  it('filters by assignee and by channel id', async () => {
    expect(await list(`assigneeId=${ws.agent.id}`)).toEqual(['Anna']);
    expect(await list(`channel=${whatsapp}`)).toEqual(['Anna']);
  });

  it('filters by creation date, a plain date including its whole day', async () => {
    const today = new Date().toISOString().slice(0, 10);
    expect(await list(`createdFrom=${today}&createdTo=${today}`)).toHaveLength(4);
    expect(await list('createdTo=2000-01-01')).toEqual([]);
  });

  it('sorts by name, creation and last interaction, both ways', async () => {
    expect(await list('sort=name')).toEqual(['Anna', 'Bruno', 'Chloé', 'Dmitri']);
    expect(await list('sort=name&order=desc')).toEqual(['Dmitri', 'Chloé', 'Bruno', 'Anna']);
    expect(await list('sort=created&order=asc')).toEqual(['Anna', 'Bruno', 'Chloé', 'Dmitri']);
    expect(await list('sort=lastInteraction')).toEqual(['Chloé', 'Bruno', 'Dmitri', 'Anna']);
    expect(await list('sort=lastInteraction&order=asc')).toEqual(['Anna', 'Dmitri', 'Bruno', 'Chloé']);
  });

  it.each(['created', 'name', 'lastInteraction'])('pages through every contact once, sorted by %s', async (sort) => {
    for (const order of ['asc', 'desc']) {
      const items = await allPages(t, ws.owner.token, `/api/v1/contacts?sort=${sort}&order=${order}&limit=1`);
      const one = await list(`sort=${sort}&order=${order}`);
      expect(items.map((c) => c.firstName)).toEqual(one);
    }
  });

  it('counts what a filter selects', async () => {
    const response = await t.request('GET', '/api/v1/contacts/count?tag=Lead', { token: ws.owner.token });
    expect(response.data).toEqual({ count: 2 });
  });

  it.each([
    ['cursor=bm9wZQ', 'invalid_cursor', undefined],
    ['nickname=x', 'unknown_field', 'nickname'],
    ['cf.unknown=1', 'invalid_field', 'cf.unknown'],
    ['cf.plan=Gold', 'invalid_field', 'cf.plan'],
    ['sort=age', 'invalid_field', 'sort'],
    ['createdFrom=yesterday', 'invalid_field', 'createdFrom'],
    ['limit=1000', 'invalid_field', 'limit'],
  ])('refuses %s', async (query, code, field) => {
    const response = await t.request('GET', `/api/v1/contacts?${query}`, { token: ws.owner.token });
    expect(response.statusCode).toBe(400);
    expect(response.data.error.code).toBe(code);
    if (field) expect(response.data.error.field).toBe(field);
  });

  it('refuses a cursor made for another sort order', async () => {
    const first = await t.request('GET', '/api/v1/contacts?sort=name&limit=1', { token: ws.owner.token });
    const response = await t.request('GET', `/api/v1/contacts?sort=created&cursor=${first.data.nextCursor}`, { token: ws.owner.token });
    expect(response.statusCode).toBe(400);
    expect(response.data.error.code).toBe('invalid_cursor');
  });
});
