/**
 * Group commit: calls that arrive while a statement is in flight wait for it and then go out
 * together, as one statement. Nothing waits when the database is idle, and batches grow with the
 * load, so a flood costs one round trip per batch instead of one per item.
 *
 * `run` answers one result per input, in order. If it throws, every caller of that batch gets the
 * error: the batch is one statement, so none of it was stored.
 */
export function createGroupCommit<I, O>(run: (inputs: I[]) => Promise<O[]>, options: { maxBatch: number; concurrency: number }) {
  let queue: Array<{ input: I; resolve: (output: O) => void; reject: (error: unknown) => void }> = [];
  let inFlight = 0;

  function flush() {
    if (queue.length === 0 || inFlight >= options.concurrency) return;
    const batch = queue.slice(0, options.maxBatch);
    queue = queue.slice(batch.length);
    inFlight++;
    run(batch.map((item) => item.input))
      .then(
        (outputs) => batch.forEach((item, i) => item.resolve(outputs[i]!)),
        (error: unknown) => batch.forEach((item) => item.reject(error)),
      )
      .finally(() => {
        inFlight--;
        flush();
      });
  }

  return (input: I): Promise<O> =>
    new Promise<O>((resolve, reject) => {
      queue.push({ input, resolve, reject });
      // After this turn's other callbacks, so that requests parsed together are sent together.
      if (queue.length === 1) setImmediate(flush);
      else if (queue.length >= options.maxBatch) flush();
    });
}
