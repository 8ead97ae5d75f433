/**
 * A workflow's definition (SPEC §5, §7): one trigger and a list of steps, branches nesting their
 * own. One validator, without dependencies, used by the API at save and by the builder as you
 * type. It checks shapes only; what a definition names (tags, users, teams, fields) is checked by
 * the service against the workspace.
 */

export const triggerTypes = ['conversation_opened', 'message_received', 'tag_added', 'tag_removed', 'contact_field_changed', 'shortcut'] as const;
export type TriggerType = (typeof triggerTypes)[number];

export type Trigger =
  | { type: 'conversation_opened' }
  | { type: 'message_received'; keywords?: string[] }
  | { type: 'tag_added' | 'tag_removed'; tag: string }
  | { type: 'contact_field_changed'; field: string }
  | { type: 'shortcut' };

export const conditionTypes = ['field', 'tag', 'channel', 'time_of_day', 'business_hours', 'replied', 'all', 'any', 'not'] as const;
export const fieldOperators = ['equals', 'not_equals', 'contains', 'is_set', 'is_not_set'] as const;
export type FieldOperator = (typeof fieldOperators)[number];

export type Condition =
  | { type: 'field'; field: string; op: FieldOperator; value?: string }
  | { type: 'tag'; tag: string; present?: boolean }
  | { type: 'channel'; channel: string }
  | { type: 'time_of_day'; from: string; to: string }
  | { type: 'business_hours' }
  | { type: 'replied' }
  | { type: 'all' | 'any'; conditions: Condition[] }
  | { type: 'not'; condition: Condition };

export const stepTypes = [
  'send_message',
  'add_comment',
  'assign',
  'add_tag',
  'remove_tag',
  'update_field',
  'wait',
  'wait_for_reply',
  'branch',
  'open_conversation',
  'close_conversation',
  'http_request',
  'stop',
] as const;
export type StepType = (typeof stepTypes)[number];

export type TemplateChoice = { name: string; language: string; parameters?: string[] };

export type Step =
  | { type: 'send_message'; text: string; template?: TemplateChoice }
  | { type: 'add_comment'; text: string }
  | { type: 'assign'; userId?: string; teamId?: string; strategy?: 'round_robin' | 'unassign' }
  | { type: 'add_tag' | 'remove_tag'; tag: string }
  | { type: 'update_field'; field: string; value: string | null }
  | { type: 'wait'; seconds: number }
  | { type: 'wait_for_reply'; timeoutSeconds: number; onTimeout?: Step[] }
  | { type: 'branch'; if: Condition; then: Step[]; else?: Step[] }
  | { type: 'open_conversation' | 'close_conversation' }
  | { type: 'http_request'; method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'; url: string; body?: unknown; saveAs?: string }
  | { type: 'stop' };

export type Definition = { trigger: Trigger; steps: Step[] };

export type DefinitionProblem = { field: string; message: string };
export type Checked<T> = { ok: true; value: T } | { ok: false; problem: DefinitionProblem };

/** Contact fields a workflow may read, change or be triggered by (custom fields as `customFields.<key>`). */
export const contactFields = ['firstName', 'lastName', 'email', 'phone', 'country', 'language'] as const;

const MAX_STEPS = 200;
const MAX_DEPTH = 8;
const MAX_WAIT_SECONDS = 365 * 24 * 3600;
const MAX_TEXT = 4096;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const SAVE_AS = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

class Problem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function object(value: unknown, at: string): Record<string, unknown> {
  if (!isObject(value)) throw new Problem(at, `${at}: must be an object`);
  return value;
}

function onlyKeys(value: Record<string, unknown>, at: string, keys: string[]) {
  for (const key of Object.keys(value)) if (!keys.includes(key)) throw new Problem(join(at, key), `${join(at, key)}: unknown property`);
}

const join = (at: string, key: string | number) => (at ? `${at}.${key}` : String(key));

function text(value: Record<string, unknown>, at: string, key: string, max = MAX_TEXT): string {
  const found = value[key];
  const place = join(at, key);
  if (found === undefined || found === null) throw new Problem(place, `${place}: required`);
  if (typeof found !== 'string' || found.trim() === '') throw new Problem(place, `${place}: must be a non-empty text`);
  if (found.length > max) throw new Problem(place, `${place}: at most ${max} characters`);
  return found;
}

function seconds(value: Record<string, unknown>, at: string, key: string): number {
  const found = value[key];
  const place = join(at, key);
  if (found === undefined) throw new Problem(place, `${place}: required`);
  if (typeof found !== 'number' || !Number.isInteger(found) || found < 1 || found > MAX_WAIT_SECONDS) {
    throw new Problem(place, `${place}: a whole number of seconds from 1 to ${MAX_WAIT_SECONDS}`);
  }
  return found;
}

function field(value: Record<string, unknown>, at: string, key: string): string {
  const name = text(value, at, key, 100);
  if (!(contactFields as readonly string[]).includes(name) && !/^customFields\.[A-Za-z0-9_-]{1,64}$/.test(name) && !/^vars\.[A-Za-z][\w.]{0,100}$/.test(name)) {
    throw new Problem(join(at, key), `${join(at, key)}: not a contact field (${contactFields.join(', ')}, customFields.<key>)`);
  }
  return name;
}

function checkTrigger(input: unknown): Trigger {
  const value = object(input, 'trigger');
  const type = value.type;
  if (typeof type !== 'string' || !(triggerTypes as readonly string[]).includes(type)) {
    throw new Problem('trigger.type', `trigger.type: one of ${triggerTypes.join(', ')}`);
  }
  switch (type as TriggerType) {
    case 'conversation_opened':
    case 'shortcut':
      onlyKeys(value, 'trigger', ['type']);
      return { type: type as 'shortcut' };
    case 'message_received': {
      onlyKeys(value, 'trigger', ['type', 'keywords']);
      if (value.keywords === undefined) return { type: 'message_received' };
      if (!Array.isArray(value.keywords) || value.keywords.length > 50) throw new Problem('trigger.keywords', 'trigger.keywords: a list of at most 50 words');
      const keywords = value.keywords.map((_, i) => text(value.keywords as unknown as Record<string, unknown>, 'trigger.keywords', String(i), 100).trim());
      return keywords.length ? { type: 'message_received', keywords } : { type: 'message_received' };
    }
    case 'tag_added':
    case 'tag_removed':
      onlyKeys(value, 'trigger', ['type', 'tag']);
      return { type: type as 'tag_added', tag: text(value, 'trigger', 'tag', 100).trim() };
    case 'contact_field_changed': {
      onlyKeys(value, 'trigger', ['type', 'field']);
      const name = field(value, 'trigger', 'field');
      if (name.startsWith('vars.')) throw new Problem('trigger.field', 'trigger.field: not a contact field');
      return { type: 'contact_field_changed', field: name };
    }
  }
}

function checkCondition(input: unknown, at: string, depth: number): Condition {
  if (depth > MAX_DEPTH) throw new Problem(at, `${at}: nested too deep`);
  const value = object(input, at);
  const type = value.type;
  if (typeof type !== 'string' || !(conditionTypes as readonly string[]).includes(type)) {
    throw new Problem(join(at, 'type'), `${join(at, 'type')}: one of ${conditionTypes.join(', ')}`);
  }
  switch (type as Condition['type']) {
    case 'field': {
      onlyKeys(value, at, ['type', 'field', 'op', 'value']);
      const name = field(value, at, 'field');
      const op = value.op;
      if (typeof op !== 'string' || !(fieldOperators as readonly string[]).includes(op)) throw new Problem(join(at, 'op'), `${join(at, 'op')}: one of ${fieldOperators.join(', ')}`);
      if (op === 'is_set' || op === 'is_not_set') return { type: 'field', field: name, op: op as FieldOperator };
      if (typeof value.value !== 'string') throw new Problem(join(at, 'value'), `${join(at, 'value')}: required, a text`);
      return { type: 'field', field: name, op: op as FieldOperator, value: value.value };
    }
    case 'tag': {
      onlyKeys(value, at, ['type', 'tag', 'present']);
      if (value.present !== undefined && typeof value.present !== 'boolean') throw new Problem(join(at, 'present'), `${join(at, 'present')}: true or false`);
      return { type: 'tag', tag: text(value, at, 'tag', 100).trim(), present: value.present !== false };
    }
    case 'channel':
      onlyKeys(value, at, ['type', 'channel']);
      return { type: 'channel', channel: text(value, at, 'channel', 40) };
    case 'time_of_day': {
      onlyKeys(value, at, ['type', 'from', 'to']);
      const from = text(value, at, 'from', 5);
      const to = text(value, at, 'to', 5);
      if (!TIME.test(from)) throw new Problem(join(at, 'from'), `${join(at, 'from')}: a time HH:MM`);
      if (!TIME.test(to)) throw new Problem(join(at, 'to'), `${join(at, 'to')}: a time HH:MM`);
      return { type: 'time_of_day', from, to };
    }
    case 'business_hours':
    case 'replied':
      onlyKeys(value, at, ['type']);
      return { type: type as 'replied' };
    case 'all':
    case 'any': {
      onlyKeys(value, at, ['type', 'conditions']);
      const list = value.conditions;
      if (!Array.isArray(list) || list.length === 0 || list.length > 20) throw new Problem(join(at, 'conditions'), `${join(at, 'conditions')}: a list of 1 to 20 conditions`);
      return { type: type as 'all', conditions: list.map((c, i) => checkCondition(c, join(join(at, 'conditions'), i), depth + 1)) };
    }
    case 'not':
      onlyKeys(value, at, ['type', 'condition']);
      return { type: 'not', condition: checkCondition(value.condition, join(at, 'condition'), depth + 1) };
  }
}

function checkSteps(input: unknown, at: string, depth: number, count: { n: number }): Step[] {
  if (depth > MAX_DEPTH) throw new Problem(at, `${at}: branches nested too deep (at most ${MAX_DEPTH})`);
  if (!Array.isArray(input)) throw new Problem(at, `${at}: must be a list of steps`);
  return input.map((step, i) => checkStep(step, join(at, i), depth, count));
}

function checkStep(input: unknown, at: string, depth: number, count: { n: number }): Step {
  if (++count.n > MAX_STEPS) throw new Problem(at, `${at}: a workflow has at most ${MAX_STEPS} steps`);
  const value = object(input, at);
  const type = value.type;
  if (typeof type !== 'string' || !(stepTypes as readonly string[]).includes(type)) {
    throw new Problem(join(at, 'type'), `${join(at, 'type')}: unknown step; one of ${stepTypes.join(', ')}`);
  }
  switch (type as StepType) {
    case 'send_message': {
      onlyKeys(value, at, ['type', 'text', 'template']);
      const step: Step = { type: 'send_message', text: text(value, at, 'text') };
      if (value.template !== undefined) {
        const place = join(at, 'template');
        const template = object(value.template, place);
        onlyKeys(template, place, ['name', 'language', 'parameters']);
        const parameters = template.parameters;
        if (parameters !== undefined && (!Array.isArray(parameters) || parameters.some((p) => typeof p !== 'string'))) {
          throw new Problem(join(place, 'parameters'), `${join(place, 'parameters')}: a list of texts`);
        }
        step.template = { name: text(template, place, 'name', 200), language: text(template, place, 'language', 20), ...(parameters ? { parameters: parameters as string[] } : {}) };
      }
      return step;
    }
    case 'add_comment':
      onlyKeys(value, at, ['type', 'text']);
      return { type: 'add_comment', text: text(value, at, 'text') };
    case 'assign': {
      onlyKeys(value, at, ['type', 'userId', 'teamId', 'strategy']);
      const { userId, teamId, strategy } = value;
      if (strategy !== undefined && strategy !== 'round_robin' && strategy !== 'unassign') throw new Problem(join(at, 'strategy'), `${join(at, 'strategy')}: round_robin or unassign`);
      if (userId !== undefined && (typeof userId !== 'string' || !UUID.test(userId))) throw new Problem(join(at, 'userId'), `${join(at, 'userId')}: a user id`);
      if (teamId !== undefined && (typeof teamId !== 'string' || !UUID.test(teamId))) throw new Problem(join(at, 'teamId'), `${join(at, 'teamId')}: a team id`);
      if (strategy === 'unassign' && (userId || teamId)) throw new Problem(join(at, 'strategy'), `${join(at, 'strategy')}: unassign names no user or team`);
      if (strategy === 'round_robin' && (!teamId || userId)) throw new Problem(join(at, 'teamId'), `${join(at, 'teamId')}: round_robin needs a team (and no user)`);
      if (!strategy && !userId && !teamId) throw new Problem(join(at, 'userId'), `${join(at, 'userId')}: name a user, a team or a strategy`);
      return { type: 'assign', ...(userId ? { userId: userId as string } : {}), ...(teamId ? { teamId: teamId as string } : {}), ...(strategy ? { strategy } : {}) };
    }
    case 'add_tag':
    case 'remove_tag':
      onlyKeys(value, at, ['type', 'tag']);
      return { type: type as 'add_tag', tag: text(value, at, 'tag', 100).trim() };
    case 'update_field': {
      onlyKeys(value, at, ['type', 'field', 'value']);
      const name = field(value, at, 'field');
      if (name.startsWith('vars.')) throw new Problem(join(at, 'field'), `${join(at, 'field')}: not a contact field`);
      if (value.value !== null && typeof value.value !== 'string') throw new Problem(join(at, 'value'), `${join(at, 'value')}: required, a text or null`);
      return { type: 'update_field', field: name, value: value.value as string | null };
    }
    case 'wait':
      onlyKeys(value, at, ['type', 'seconds']);
      return { type: 'wait', seconds: seconds(value, at, 'seconds') };
    case 'wait_for_reply': {
      onlyKeys(value, at, ['type', 'timeoutSeconds', 'onTimeout']);
      const step: Step = { type: 'wait_for_reply', timeoutSeconds: seconds(value, at, 'timeoutSeconds') };
      if (value.onTimeout !== undefined) step.onTimeout = checkSteps(value.onTimeout, join(at, 'onTimeout'), depth + 1, count);
      return step;
    }
    case 'branch': {
      onlyKeys(value, at, ['type', 'if', 'then', 'else']);
      if (value.if === undefined) throw new Problem(join(at, 'if'), `${join(at, 'if')}: required`);
      if (value.then === undefined) throw new Problem(join(at, 'then'), `${join(at, 'then')}: required (a list of steps)`);
      return {
        type: 'branch',
        if: checkCondition(value.if, join(at, 'if'), 0),
        then: checkSteps(value.then, join(at, 'then'), depth + 1, count),
        else: value.else === undefined ? [] : checkSteps(value.else, join(at, 'else'), depth + 1, count),
      };
    }
    case 'open_conversation':
    case 'close_conversation':
    case 'stop':
      onlyKeys(value, at, ['type']);
      return { type: type as 'stop' };
    case 'http_request': {
      onlyKeys(value, at, ['type', 'method', 'url', 'body', 'saveAs']);
      const method = value.method ?? 'GET';
      if (typeof method !== 'string' || !['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].includes(method)) throw new Problem(join(at, 'method'), `${join(at, 'method')}: GET, POST, PUT, PATCH or DELETE`);
      const url = text(value, at, 'url', 2000);
      if (!/^https?:\/\/[^\s]+$/i.test(url)) throw new Problem(join(at, 'url'), `${join(at, 'url')}: an http(s) URL`);
      if (value.saveAs !== undefined && (typeof value.saveAs !== 'string' || !SAVE_AS.test(value.saveAs))) {
        throw new Problem(join(at, 'saveAs'), `${join(at, 'saveAs')}: a name of letters, digits and _ (starting with a letter)`);
      }
      if (value.body !== undefined && JSON.stringify(value.body).length > 20_000) throw new Problem(join(at, 'body'), `${join(at, 'body')}: at most 20,000 characters`);
      return {
        type: 'http_request',
        method: method as 'GET',
        url,
        ...(value.body !== undefined ? { body: value.body } : {}),
        ...(value.saveAs ? { saveAs: value.saveAs as string } : {}),
      };
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Every step of a definition with the place it sits at (`steps.2.then.0`), depth first. */
export function* walkSteps(steps: Step[], at = 'steps'): Generator<{ step: Step; at: string }> {
  for (const [i, step] of steps.entries()) {
    const place = join(at, i);
    yield { step, at: place };
    if (step.type === 'branch') {
      yield* walkSteps(step.then, join(place, 'then'));
      yield* walkSteps(step.else ?? [], join(place, 'else'));
    }
    if (step.type === 'wait_for_reply') yield* walkSteps(step.onTimeout ?? [], join(place, 'onTimeout'));
  }
}

/** Every condition of a branch, nested ones included. */
export function* walkConditions(condition: Condition, at: string): Generator<{ condition: Condition; at: string }> {
  yield { condition, at };
  if (condition.type === 'all' || condition.type === 'any') for (const [i, c] of condition.conditions.entries()) yield* walkConditions(c, join(join(at, 'conditions'), i));
  if (condition.type === 'not') yield* walkConditions(condition.condition, join(at, 'condition'));
}

/**
 * A step that would start this same workflow again for the same contact: refused at save, the
 * loop it makes is certain. (Loops through other workflows are stopped at run time.)
 */
function loopOf(definition: Definition): DefinitionProblem | undefined {
  const { trigger } = definition;
  for (const { step, at } of walkSteps(definition.steps)) {
    const loops =
      (trigger.type === 'tag_added' && step.type === 'add_tag' && step.tag.toLowerCase() === trigger.tag.toLowerCase()) ||
      (trigger.type === 'tag_removed' && step.type === 'remove_tag' && step.tag.toLowerCase() === trigger.tag.toLowerCase()) ||
      (trigger.type === 'contact_field_changed' && step.type === 'update_field' && step.field === trigger.field);
    if (loops) return { field: at, message: `${at}: this step triggers the workflow again (a loop)` };
  }
  return undefined;
}

/** The whole definition checked; the first problem names its place (`steps.2.tag`). */
export function checkDefinition(input: { trigger?: unknown; steps?: unknown }): Checked<Definition> {
  try {
    if (input.trigger === undefined) throw new Problem('trigger', 'trigger: required');
    if (input.steps === undefined) throw new Problem('steps', 'steps: required');
    const trigger = checkTrigger(input.trigger);
    const steps = checkSteps(input.steps, 'steps', 0, { n: 0 });
    if (steps.length === 0) throw new Problem('steps', 'steps: at least one step');
    const definition = { trigger, steps };
    const loop = loopOf(definition);
    if (loop) return { ok: false, problem: loop };
    return { ok: true, value: definition };
  } catch (error) {
    if (error instanceof Problem) return { ok: false, problem: { field: error.field, message: error.message } };
    throw error;
  }
}

// ------------------------------------------------------------------ matching

/** Lower case, accents removed: "Café" and "cafe" are one word. */
export const foldText = (value: string) =>
  value
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();

const wordsOf = (value: string) => foldText(value).split(/[^\p{L}\p{N}]+/u).filter(Boolean);

/** A keyword (one or more words) found as whole words in the text, case- and accent-insensitive. */
export function matchesKeyword(text: string, keyword: string): boolean {
  const words = wordsOf(text);
  const wanted = wordsOf(keyword);
  if (wanted.length === 0) return false;
  for (let i = 0; i + wanted.length <= words.length; i++) {
    if (wanted.every((w, j) => words[i + j] === w)) return true;
  }
  return false;
}

/** A message_received trigger without keywords matches every message; with them, any one keyword. */
export const messageMatches = (trigger: { keywords?: string[] }, text: string) =>
  !trigger.keywords || trigger.keywords.length === 0 || trigger.keywords.some((k) => matchesKeyword(text, k));

// ------------------------------------------------------------------ conditions

export type BusinessHours = { days: number[]; start: string; end: string };

/** What a condition is evaluated against, read once per branch. */
export type ConditionScope = {
  fields: Record<string, unknown>;
  tags: string[];
  channel: string | null;
  now: Date;
  timeZone: string;
  businessHours: BusinessHours;
  replied: boolean;
};

/** The wall-clock weekday (0 = Sunday) and minutes after midnight in a time zone. */
export function localTime(now: Date, timeZone: string): { day: number; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '0';
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday'));
  return { day, minutes: Number(part('hour')) * 60 + Number(part('minute')) };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** From inclusive, to exclusive; a range past midnight (22:00–06:00) wraps; from = to is the whole day. */
function within(minutes: number, from: string, to: string) {
  const a = minutesOf(from);
  const b = minutesOf(to);
  if (a === b) return true;
  return a <= b ? minutes >= a && minutes < b : minutes >= a || minutes < b;
}

/** A dotted path into nested values (`vars.order.status`). */
export function valueAt(root: Record<string, unknown>, path: string): unknown {
  let current: unknown = root;
  for (const key of path.split('.')) {
    if (!isObject(current) && !Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

const asText = (value: unknown) => (value === undefined || value === null ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value));

export function evaluate(condition: Condition, scope: ConditionScope): boolean {
  switch (condition.type) {
    case 'field': {
      const value = asText(valueAt(scope.fields, condition.field));
      const wanted = condition.value ?? '';
      switch (condition.op) {
        case 'equals':
          return foldText(value) === foldText(wanted);
        case 'not_equals':
          return foldText(value) !== foldText(wanted);
        case 'contains':
          return foldText(value).includes(foldText(wanted));
        case 'is_set':
          return value.trim() !== '';
        case 'is_not_set':
          return value.trim() === '';
      }
      return false;
    }
    case 'tag': {
      const has = scope.tags.some((t) => t.toLowerCase() === condition.tag.toLowerCase());
      return condition.present === false ? !has : has;
    }
    case 'channel':
      return scope.channel === condition.channel;
    case 'time_of_day':
      return within(localTime(scope.now, scope.timeZone).minutes, condition.from, condition.to);
    case 'business_hours': {
      const { day, minutes } = localTime(scope.now, scope.timeZone);
      return scope.businessHours.days.includes(day) && within(minutes, scope.businessHours.start, scope.businessHours.end);
    }
    case 'replied':
      return scope.replied;
    case 'all':
      return condition.conditions.every((c) => evaluate(c, scope));
    case 'any':
      return condition.conditions.some((c) => evaluate(c, scope));
    case 'not':
      return !evaluate(condition.condition, scope);
  }
}

/** `{{contact.firstName}}`, `{{vars.order.status}}` replaced by their values (empty when absent). */
export const renderText = (template: string, scope: Record<string, unknown>) =>
  template.replace(/\{\{\s*([A-Za-z][\w.]*)\s*\}\}/g, (_, path: string) => asText(valueAt(scope, path)));

// ------------------------------------------------------------------ the compiled program

/**
 * A version's steps as a flat program, so a run's place is one number (`pc`). Deterministic:
 * the same version always compiles to the same program, so a resumed run continues where it was.
 */
export type Instruction =
  | { op: 'step'; step: Step; at: string }
  | { op: 'branch'; step: Extract<Step, { type: 'branch' }>; at: string; elseAt: number }
  | { op: 'wait_for_reply'; step: Extract<Step, { type: 'wait_for_reply' }>; at: string; replyAt: number }
  | { op: 'jump'; to: number };

export function compile(steps: Step[], at = 'steps', program: Instruction[] = []): Instruction[] {
  for (const [i, step] of steps.entries()) {
    const place = join(at, i);
    if (step.type === 'branch') {
      const branch: Extract<Instruction, { op: 'branch' }> = { op: 'branch', step, at: place, elseAt: -1 };
      program.push(branch);
      compile(step.then, join(place, 'then'), program);
      const jump: Extract<Instruction, { op: 'jump' }> = { op: 'jump', to: -1 };
      program.push(jump);
      branch.elseAt = program.length;
      compile(step.else ?? [], join(place, 'else'), program);
      jump.to = program.length;
    } else if (step.type === 'wait_for_reply') {
      // Reply: past the timeout steps; timeout: the next instruction (the timeout steps, if any).
      const wait: Extract<Instruction, { op: 'wait_for_reply' }> = { op: 'wait_for_reply', step, at: place, replyAt: -1 };
      program.push(wait);
      compile(step.onTimeout ?? [], join(place, 'onTimeout'), program);
      wait.replyAt = program.length;
    } else {
      program.push({ op: 'step', step, at: place });
    }
  }
  return program;
}

/** Steps that reach the contact or its conversation: where a shortcut run for a blocked contact ends (SPEC §2.6 item 7). */
export const touchesContact = (type: StepType) => type === 'send_message' || type === 'open_conversation' || type === 'close_conversation';
