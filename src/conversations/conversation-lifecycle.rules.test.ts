import { describe, expect, it } from 'vitest';
import {
  applyLifecycleEvent,
  type ConversationStatus,
  type LifecycleEvent,
  type LifecycleEventType,
  lifecycleTimes,
  transitions,
} from './conversation-lifecycle.rules.js';

const until = new Date('2026-03-02T09:00:00Z');
const events: Record<LifecycleEventType, LifecycleEvent> = {
  close: { type: 'close', closingLogic: 'keep_assignee' },
  open: { type: 'open' },
  snooze: { type: 'snooze', until },
  wake: { type: 'wake' },
  inbound: { type: 'inbound' },
  outbound: { type: 'outbound', senderId: 'sender' },
};

describe('the conversation lifecycle table', () => {
  const cases: Array<[ConversationStatus, LifecycleEventType, ConversationStatus | null]> = [
    ['open', 'close', 'closed'],
    ['open', 'open', null],
    ['open', 'snooze', 'snoozed'],
    ['open', 'wake', null],
    ['open', 'inbound', 'open'],
    ['open', 'outbound', 'open'],
    ['snoozed', 'close', 'closed'],
    ['snoozed', 'open', 'open'],
    ['snoozed', 'snooze', 'snoozed'],
    ['snoozed', 'wake', 'open'],
    ['snoozed', 'inbound', 'open'],
    ['snoozed', 'outbound', 'snoozed'],
    ['closed', 'close', null],
    ['closed', 'open', 'open'],
    ['closed', 'snooze', null],
    ['closed', 'wake', null],
    ['closed', 'inbound', 'open'],
    ['closed', 'outbound', 'open'],
  ];

  it('covers every status and event', () => {
    expect(cases).toHaveLength(Object.keys(transitions).length * Object.keys(events).length);
  });

  it.each(cases)('%s + %s → %s', (status, event, expected) => {
    const next = applyLifecycleEvent({ status, snoozedUntil: status === 'snoozed' ? new Date(0) : null, assigneeId: 'agent' }, events[event]);
    expect(next?.status ?? null).toBe(expected);
  });
});

describe('what a transition does besides the status', () => {
  const open = { status: 'open' as const, snoozedUntil: null, assigneeId: 'agent' };

  it('snoozing records until when', () => {
    expect(applyLifecycleEvent(open, { type: 'snooze', until })).toEqual({ status: 'snoozed', snoozedUntil: until, assigneeId: 'agent' });
  });

  it('waking, opening or a contact message clears the snooze time', () => {
    const snoozed = { ...open, status: 'snoozed' as const, snoozedUntil: until };
    for (const event of [events.wake, events.open, events.inbound]) {
      expect(applyLifecycleEvent(snoozed, event)?.snoozedUntil).toBeNull();
    }
  });

  it('closing keeps the assignee or removes it, as the workspace says', () => {
    expect(applyLifecycleEvent(open, { type: 'close', closingLogic: 'keep_assignee' })?.assigneeId).toBe('agent');
    expect(applyLifecycleEvent(open, { type: 'close', closingLogic: 'unassign' })?.assigneeId).toBeNull();
  });

  it('a reply to a closed conversation reopens it and makes the sender its assignee', () => {
    const closed = { ...open, status: 'closed' as const, assigneeId: null };
    expect(applyLifecycleEvent(closed, { type: 'outbound', senderId: 'me' })).toEqual({ status: 'open', snoozedUntil: null, assigneeId: 'me' });
  });

  it('a reply to an open conversation leaves its assignee alone', () => {
    expect(applyLifecycleEvent(open, { type: 'outbound', senderId: 'me' })?.assigneeId).toBe('agent');
  });

  it('a reply to an unassigned conversation makes the sender its assignee where the workspace says so, and only there', () => {
    const unassigned = { ...open, assigneeId: null };
    expect(applyLifecycleEvent(unassigned, { type: 'outbound', senderId: 'me', assignUnassigned: true })?.assigneeId).toBe('me');
    expect(applyLifecycleEvent(unassigned, { type: 'outbound', senderId: 'me', assignUnassigned: false })?.assigneeId).toBeNull();
    expect(applyLifecycleEvent({ ...unassigned, status: 'snoozed' }, { type: 'outbound', senderId: 'me', assignUnassigned: true })?.assigneeId).toBe('me');
    expect(applyLifecycleEvent(open, { type: 'outbound', senderId: 'me', assignUnassigned: true })?.assigneeId).toBe('agent');
    expect(applyLifecycleEvent(unassigned, { type: 'outbound', senderId: null, assignUnassigned: true })?.assigneeId).toBeNull();
  });

  it('a contact writing to a closed conversation reopens it with its assignee unchanged', () => {
    expect(applyLifecycleEvent({ ...open, status: 'closed' }, events.inbound)).toEqual({ status: 'open', snoozedUntil: null, assigneeId: 'agent' });
  });
});

describe('the times a status change stamps', () => {
  const at = new Date('2026-03-02T10:00:00Z');
  it.each([
    ['open', 'closed', { closedAt: at }],
    ['snoozed', 'closed', { closedAt: at }],
    ['closed', 'open', { openedAt: at, closedAt: null }],
    ['open', 'snoozed', {}],
    ['snoozed', 'open', {}],
    ['open', 'open', {}],
  ] as const)('%s → %s sets %j', (before, after, times) => {
    expect(lifecycleTimes(before, after, at)).toEqual(times);
  });
});

