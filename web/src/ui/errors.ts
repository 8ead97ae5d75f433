import { ApiError } from '../api.js';
import { isMessageKey, type Language, type Translate } from '../i18n/i18n.js';

type I18n = { t: Translate; language: Language };

/** What went wrong, in the reader's language when we know the code, else in the server's words. */
export function errorMessage(error: unknown, { t, language }: I18n): string {
  if (!(error instanceof ApiError)) return t('error.unexpected');
  if (error.code === 'missing_field') return t('error.missing_field');
  const fieldKey = `error.field.${fieldName(error)}`;
  if (error.code === 'invalid_field' && isMessageKey(fieldKey)) return t(fieldKey);
  const key = `error.${error.code}`;
  if (isMessageKey(key)) return t(key, { when: retryAfter(error, language) });
  return error.message.replace(/^[\w.]+: /, '');
}

/** Conflicts the API reports without a field, but which a person fixes in one. */
const fieldOfCode: Record<string, string> = { email_taken: 'email', team_name_taken: 'name' };

/** `settings.missedAfterSeconds` → `missedAfterSeconds`, `tags.2` → `tags`: forms name their fields by the last part that is a name. */
function fieldName(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  return error.field ? error.field.split('.').filter((part) => !/^\d+$/.test(part)).at(-1) : fieldOfCode[error.code];
}

function retryAfter(error: ApiError, language: Language): string {
  const seconds = Number(error.details.retryAfterSeconds ?? 0);
  const format = new Intl.RelativeTimeFormat(language, { numeric: 'always' });
  return seconds < 60 ? format.format(Math.max(1, seconds), 'second') : format.format(Math.ceil(seconds / 60), 'minute');
}

/** Splits an API error between the form's fields (shown beside the field) and the form as a whole. */
export function formErrors(error: unknown, i18n: I18n, fields: readonly string[]) {
  const message = error ? errorMessage(error, i18n) : undefined;
  const field = fieldName(error);
  const onField = field !== undefined && fields.includes(field);
  return {
    of: (name: string) => (onField && field === name ? message : undefined),
    general: onField ? undefined : message,
  };
}
