import type http from 'node:http';

/** A request a simulator received, its JSON body parsed when it had one. */
export type RecordedRequest = { method: string; path: string; headers: http.IncomingHttpHeaders; body: string; json: any };

/**
 * What a provider simulator received, in order, and a way to wait for what a test expects (a send
 * happens after the API answered). Only Node's own modules: the demo bundles the simulators.
 */
export function createRequestLog() {
  const received: RecordedRequest[] = [];
  const waiters = new Set<() => void>();
  return {
    received,
    record(request: RecordedRequest) {
      received.push(request);
      for (const wake of waiters) wake();
    },
    /** The requests whose path ends with `suffix`. */
    requestsTo: (suffix: string) => received.filter((each) => new URL(each.path, 'http://simulator').pathname.endsWith(suffix)),
    /** Resolves once `check` holds of what the simulator received. */
    waitFor<T>(check: (requests: RecordedRequest[]) => T | undefined | false, timeoutMs = 5000): Promise<T> {
      const found = check(received);
      if (found) return Promise.resolve(found);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(wake);
          reject(new Error('the simulator did not receive what was expected in time'));
        }, timeoutMs);
        const wake = () => {
          const value = check(received);
          if (!value) return;
          clearTimeout(timer);
          waiters.delete(wake);
          resolve(value);
        };
        waiters.add(wake);
      });
    },
  };
}
