/**
 * The contact filter as the API reads it (SPEC §2.3): the list's query string, a bulk action's
 * `filter` and a segment's saved filter are the same object. The page keeps it in the URL, so a
 * filtered list can be reloaded and shared.
 */
const singleFilterKeys = [
  'q',
  'blocked',
  'assigneeId',
  'channel',
  'conversationStatus',
  'createdFrom',
  'createdTo',
  'lastInteractionFrom',
  'lastInteractionTo',
] as const;

type SingleKey = (typeof singleFilterKeys)[number];
export type CustomFieldFilterKey = `cf.${string}`;

export type ContactFilter = { [key in SingleKey]?: string } & { tag?: string[] } & { [key: CustomFieldFilterKey]: string | undefined };

export type ContactSort = 'name' | 'created' | 'lastInteraction';
export type SortOrder = 'asc' | 'desc';

export const customFieldFilterKey = (key: string): CustomFieldFilterKey => `cf.${key}`;

/** The filter without empty values, tags in a stable order: what is sent, saved and compared. */
export function cleanFilter(filter: ContactFilter): ContactFilter {
  const clean: ContactFilter = {};
  for (const [key, value] of Object.entries(filter)) {
    if (key === 'tag') {
      const tags = [...new Set(value as string[])].sort((a, b) => a.localeCompare(b));
      if (tags.length) clean.tag = tags;
    } else if (typeof value === 'string' && value.trim() !== '') {
      (clean as Record<string, string>)[key] = value;
    }
  }
  return clean;
}

export function filterFromParams(params: URLSearchParams): ContactFilter {
  const filter: Record<string, string | string[]> = { tag: params.getAll('tag') };
  for (const [key, value] of params) {
    if ((singleFilterKeys as readonly string[]).includes(key) || key.startsWith('cf.')) filter[key] = value;
  }
  return cleanFilter(filter as ContactFilter);
}

/** The filter as query parameters (a tag filter repeats `tag`). */
export function filterParams(filter: ContactFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(cleanFilter(filter))) {
    for (const each of Array.isArray(value) ? value : [value]) params.append(key, String(each));
  }
  return params;
}

/** A saved segment's filter as the page holds it: tags always a list, values as text. */
export function filterFromSaved(saved: Record<string, unknown>): ContactFilter {
  const filter: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(saved)) {
    if (key === 'tag') filter.tag = (Array.isArray(value) ? value : [value]).map(String);
    else if (value !== null && value !== undefined) filter[key] = String(value);
  }
  return cleanFilter(filter as ContactFilter);
}

export function sameFilter(a: ContactFilter, b: ContactFilter): boolean {
  const canonical = (filter: ContactFilter) => {
    const params = filterParams(filter);
    params.sort();
    return params.toString();
  };
  return canonical(a) === canonical(b);
}

export const isFiltered = (filter: ContactFilter) => Object.keys(cleanFilter(filter)).length > 0;
