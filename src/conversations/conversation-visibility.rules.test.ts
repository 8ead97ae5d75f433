import { describe, expect, it } from 'vitest';
import { canReachContact, canSeeConversation, type ContactAudience, type ConversationAudience, type ConversationViewer, seesEveryConversation } from './conversation-visibility.rules.js';

const agent: ConversationViewer = { userId: 'me', role: 'agent', teamIds: ['night'], agentsSeeAll: false };
const cases: Array<[string, Partial<ConversationViewer>, ConversationAudience, boolean]> = [
  ['an agent, its own conversation', {}, { assigneeId: 'me', teamId: null }, true],
  ['an agent, an unassigned one', {}, { assigneeId: null, teamId: null }, true],
  ['an agent, unassigned in another team', {}, { assigneeId: null, teamId: 'day' }, true],
  ["an agent, another agent's in its team", {}, { assigneeId: 'other', teamId: 'night' }, true],
  ["an agent, another agent's outside its teams", {}, { assigneeId: 'other', teamId: 'day' }, false],
  ["an agent, another agent's without a team", {}, { assigneeId: 'other', teamId: null }, false],
  ['an agent where agents see All', { agentsSeeAll: true }, { assigneeId: 'other', teamId: 'day' }, true],
  ['a manager', { role: 'manager' }, { assigneeId: 'other', teamId: 'day' }, true],
  ['an owner', { role: 'owner' }, { assigneeId: 'other', teamId: null }, true],
];

describe('who sees a conversation', () => {
  it.each(cases)('%s', (_, viewer, conversation, expected) => {
    expect(canSeeConversation({ ...agent, ...viewer }, conversation)).toBe(expected);
  });
});

describe('who sees every conversation', () => {
  it.each([
    ['an agent', {}, false],
    ['an agent where agents see All', { agentsSeeAll: true }, true],
    ['a manager', { role: 'manager' as const }, true],
    ['an owner', { role: 'owner' as const }, true],
  ])('%s', (_, viewer, expected) => {
    expect(seesEveryConversation({ ...agent, ...viewer })).toBe(expected);
  });

  it('agrees with canSeeConversation: whoever sees every conversation sees each case above', () => {
    for (const [, viewer, conversation] of cases) {
      if (seesEveryConversation({ ...agent, ...viewer })) expect(canSeeConversation({ ...agent, ...viewer }, conversation)).toBe(true);
    }
  });
});

describe('who reads and changes a contact', () => {
  const hidden = { assigneeId: 'other', teamId: 'day' };
  it.each<[string, Partial<ConversationViewer>, ContactAudience, boolean]>([
    ['an agent, the contact of a conversation it sees', {}, { assigneeId: null, conversation: { assigneeId: null, teamId: null } }, true],
    ['an agent, the contact of a conversation it may not see', {}, { assigneeId: null, conversation: hidden }, false],
    ['an agent, a contact assigned to it, its conversation hidden', {}, { assigneeId: 'me', conversation: hidden }, true],
    ['an agent, a contact without a conversation, not its own', {}, { assigneeId: null, conversation: null }, false],
    ['an agent, a contact without a conversation, assigned to it', {}, { assigneeId: 'me', conversation: null }, true],
    ['an agent where agents see All', { agentsSeeAll: true }, { assigneeId: 'other', conversation: null }, true],
    ['a manager', { role: 'manager' }, { assigneeId: 'other', conversation: hidden }, true],
  ])('%s', (_, viewer, contact, expected) => {
    expect(canReachContact({ ...agent, ...viewer }, contact)).toBe(expected);
  });
});
