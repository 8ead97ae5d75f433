/**
 * Where the visitor's token is kept. The script runs in the host page, so its storage is the
 * site's own (first-party): a browser that blocks or partitions third-party storage (Safari,
 * Chrome's partitioning) keeps it like any of the site's values. localStorage first; where that
 * is refused (storage disabled, some private modes), a first-party cookie; else this page only.
 */
export type KeptValues = { get(key: string): string | null; set(key: string, value: string): void };

const memory = new Map<string, string>();

function cookieGet(key: string): string | null {
  const prefix = `${encodeURIComponent(key)}=`;
  const found = document.cookie.split('; ').find((part) => part.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : null;
}

function cookieSet(key: string, value: string) {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = `${encodeURIComponent(key)}=${encodeURIComponent(value)}; Max-Age=${400 * 24 * 3600}; Path=/; SameSite=Lax${secure}`;
}

export function keptValues(): KeptValues {
  return {
    get(key) {
      try {
        const value = localStorage.getItem(key);
        if (value !== null) return value;
      } catch {
        // Refused: the cookie or memory below.
      }
      try {
        const value = cookieGet(key);
        if (value !== null) return value;
      } catch {
        // No cookies either.
      }
      return memory.get(key) ?? null;
    },
    set(key, value) {
      memory.set(key, value);
      try {
        localStorage.setItem(key, value);
        return;
      } catch {
        // Refused: keep it in a cookie instead.
      }
      try {
        if (value.length < 3800) cookieSet(key, value);
      } catch {
        // Memory only: this page keeps the chat, a reload starts anew.
      }
    },
  };
}
