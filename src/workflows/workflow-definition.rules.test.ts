import { describe, expect, it } from 'vitest';
import { checkDefinition, compile, type ConditionScope, evaluate, localTime, matchesKeyword, messageMatches, renderText } from './workflow-definition.rules.js';

describe('keywords match whole words, case- and accent-insensitive', () => {
  it.each([
    ['What is the price?', 'price', true],
    ['PRICE!', 'price', true],
    ['Was kostet der Prëis', 'preis', true],
    ['Café au lait', 'cafe', true],
    ['cafe', 'Café', true],
    ['the pricelist please', 'price', false],
    ['overpriced', 'price', false],
    ['send the price list', 'price list', true],
    ['send the price, list', 'price list', true],
    ['send the list price', 'price list', false],
    ['', 'price', false],
    ['refund-now', 'refund', true],
    ['Ich möchte kündigen', 'KUNDIGEN', true],
  ])('%j with %j: %s', (text, keyword, expected) => {
    expect(matchesKeyword(text, keyword)).toBe(expected);
  });

  it('no keywords match every message; several match on any one', () => {
    expect(messageMatches({}, 'anything')).toBe(true);
    expect(messageMatches({ keywords: [] }, 'anything')).toBe(true);
    expect(messageMatches({ keywords: ['stop', 'cancel'] }, 'please CANCEL it')).toBe(true);
    expect(messageMatches({ keywords: ['stop', 'cancel'] }, 'hello')).toBe(false);
  });
});

const scope = (over: Partial<ConditionScope> = {}): ConditionScope => ({
  fields: { firstName: 'Ada', email: null, customFields: { plan: 'Pro' }, vars: { crm: { body: { tier: 'gold' } } } },
  tags: ['VIP'],
  channel: 'whatsapp',
  // A Monday, 08:30 UTC = 10:30 in Berlin (summer time).
  now: new Date('2026-06-01T08:30:00Z'),
  timeZone: 'Europe/Berlin',
  businessHours: { days: [1, 2, 3, 4, 5], start: '09:00', end: '17:00' },
  replied: false,
  ...over,
});

describe('conditions', () => {
  it.each([
    [{ type: 'field', field: 'firstName', op: 'equals', value: 'ada' }, true],
    [{ type: 'field', field: 'firstName', op: 'not_equals', value: 'Ada' }, false],
    [{ type: 'field', field: 'customFields.plan', op: 'contains', value: 'pr' }, true],
    [{ type: 'field', field: 'email', op: 'is_set' }, false],
    [{ type: 'field', field: 'email', op: 'is_not_set' }, true],
    [{ type: 'field', field: 'vars.crm.body.tier', op: 'equals', value: 'GOLD' }, true],
    [{ type: 'field', field: 'vars.missing.deep', op: 'is_not_set' }, true],
    [{ type: 'tag', tag: 'vip' }, true],
    [{ type: 'tag', tag: 'vip', present: false }, false],
    [{ type: 'channel', channel: 'whatsapp' }, true],
    [{ type: 'channel', channel: 'telegram' }, false],
    [{ type: 'time_of_day', from: '10:00', to: '11:00' }, true],
    [{ type: 'time_of_day', from: '08:00', to: '09:00' }, false],
    [{ type: 'time_of_day', from: '22:00', to: '11:00' }, true],
    [{ type: 'business_hours' }, true],
    [{ type: 'replied' }, false],
    [{ type: 'all', conditions: [{ type: 'tag', tag: 'vip' }, { type: 'channel', channel: 'whatsapp' }] }, true],
    [{ type: 'any', conditions: [{ type: 'tag', tag: 'nope' }, { type: 'channel', channel: 'whatsapp' }] }, true],
    [{ type: 'not', condition: { type: 'business_hours' } }, false],
  ] as const)('%j → %s', (condition, expected) => {
    const checked = checkDefinition({ trigger: { type: 'shortcut' }, steps: [{ type: 'branch', if: condition, then: [{ type: 'stop' }] }] });
    expect(checked.ok).toBe(true);
    if (!checked.ok || checked.value.steps[0]!.type !== 'branch') return;
    expect(evaluate(checked.value.steps[0]!.if, scope())).toBe(expected);
  });

  it('business hours: the weekday and the hour in the workspace time zone', () => {
    // Friday 23:30 UTC is Saturday 08:30 in Tokyo: not a business day there.
    const friday = new Date('2026-06-05T23:30:00Z');
    expect(evaluate({ type: 'business_hours' }, scope({ now: friday, timeZone: 'UTC', businessHours: { days: [5], start: '09:00', end: '23:59' } }))).toBe(true);
    expect(evaluate({ type: 'business_hours' }, scope({ now: friday, timeZone: 'Asia/Tokyo', businessHours: { days: [5], start: '09:00', end: '23:59' } }))).toBe(false);
    expect(localTime(friday, 'Asia/Tokyo')).toEqual({ day: 6, minutes: 8 * 60 + 30 });
    // 16:59 in, 17:00 out.
    const late = (iso: string) => evaluate({ type: 'business_hours' }, scope({ now: new Date(iso) }));
    expect(late('2026-06-01T14:59:00Z')).toBe(true);
    expect(late('2026-06-01T15:00:00Z')).toBe(false);
  });
});

describe('definitions', () => {
  it.each([
    [{ trigger: { type: 'shortcut' }, steps: [] }, 'steps'],
    [{ steps: [{ type: 'stop' }] }, 'trigger'],
    [{ trigger: { type: 'message_received', keywords: ['ok', ''] }, steps: [{ type: 'stop' }] }, 'trigger.keywords.1'],
    [{ trigger: { type: 'shortcut' }, steps: [{ type: 'stop', extra: 1 }] }, 'steps.0.extra'],
    [{ trigger: { type: 'shortcut' }, steps: [{ type: 'branch', if: { type: 'all', conditions: [{ type: 'time_of_day', from: '25:00', to: '10:00' }] }, then: [] }] }, 'steps.0.if.conditions.0.from'],
    [{ trigger: { type: 'shortcut' }, steps: [{ type: 'branch', if: { type: 'tag', tag: 'x' }, then: [{ type: 'wait' }] }] }, 'steps.0.then.0.seconds'],
    [{ trigger: { type: 'shortcut' }, steps: [{ type: 'assign', strategy: 'round_robin' }] }, 'steps.0.teamId'],
    [{ trigger: { type: 'shortcut' }, steps: [{ type: 'update_field', field: 'password', value: 'x' }] }, 'steps.0.field'],
    [{ trigger: { type: 'contact_field_changed', field: 'email' }, steps: [{ type: 'update_field', field: 'email', value: 'x' }] }, 'steps.0'],
    [{ trigger: { type: 'shortcut' }, steps: [{ type: 'wait_for_reply', timeoutSeconds: 60, onTimeout: [{ type: 'unknown' }] }] }, 'steps.0.onTimeout.0.type'],
  ])('%j is refused at %s', (input, field) => {
    const checked = checkDefinition(input as never);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.problem.field).toBe(field);
  });

  it('compiles branches and waits into a flat program a run can resume by number', () => {
    const checked = checkDefinition({
      trigger: { type: 'shortcut' },
      steps: [
        { type: 'branch', if: { type: 'replied' }, then: [{ type: 'stop' }], else: [{ type: 'add_tag', tag: 'a' }] },
        { type: 'wait_for_reply', timeoutSeconds: 5, onTimeout: [{ type: 'add_tag', tag: 'b' }] },
        { type: 'stop' },
      ],
    });
    if (!checked.ok) throw new Error(checked.problem.message);
    const program = compile(checked.value.steps);
    expect(program.map((i) => (i.op === 'jump' ? `jump ${i.to}` : i.op === 'branch' ? `branch else ${i.elseAt}` : i.op === 'wait_for_reply' ? `wait reply ${i.replyAt}` : i.at))).toEqual([
      'branch else 3',
      'steps.0.then.0',
      'jump 4',
      'steps.0.else.0',
      'wait reply 6',
      'steps.1.onTimeout.0',
      'steps.2',
    ]);
  });

  it('fills in values, empty when absent', () => {
    expect(renderText('Hi {{contact.firstName}}, tier {{ vars.crm.tier }}{{vars.none}}!', { contact: { firstName: 'Ada' }, vars: { crm: { tier: 'gold' } } })).toBe('Hi Ada, tier gold!');
  });
});
