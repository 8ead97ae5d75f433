import { describe, expect, it } from 'vitest';
import { createGroupCommit } from './group-commit.js';

/** A statement the test finishes by hand, recording the batches it was given. */
function fakeStatement() {
  const batches: number[][] = [];
  const pending: Array<() => void> = [];
  const run = (inputs: number[]) => {
    batches.push(inputs);
    return new Promise<string[]>((resolve, reject) => {
      pending.push(() => (inputs.includes(-1) ? reject(new Error('deadlock')) : resolve(inputs.map((n) => `stored ${n}`))));
    });
  };
  const finishNext = async () => {
    pending.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { run, batches, finishNext };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('group commit', () => {
  it('sends calls of the same turn together, and those made while it is in flight as the next batch', async () => {
    const statement = fakeStatement();
    const call = createGroupCommit(statement.run, { maxBatch: 100, concurrency: 1 });
    const first = [1, 2, 3].map(call);
    await tick();
    const second = [4, 5].map(call);
    await tick();
    expect(statement.batches).toEqual([[1, 2, 3]]);
    await statement.finishNext();
    expect(statement.batches).toEqual([[1, 2, 3], [4, 5]]);
    await statement.finishNext();
    expect(await Promise.all([...first, ...second])).toEqual(['stored 1', 'stored 2', 'stored 3', 'stored 4', 'stored 5']);
  });

  it('never puts more than maxBatch in one statement, and runs up to `concurrency` at once', async () => {
    const statement = fakeStatement();
    const call = createGroupCommit(statement.run, { maxBatch: 2, concurrency: 2 });
    const all = [1, 2, 3, 4, 5].map(call);
    await tick();
    expect(statement.batches).toEqual([[1, 2], [3, 4]]);
    await statement.finishNext();
    expect(statement.batches).toEqual([[1, 2], [3, 4], [5]]);
    await statement.finishNext();
    await statement.finishNext();
    expect(await Promise.all(all)).toHaveLength(5);
  });

  it('fails every call of a failed batch, and only those', async () => {
    const statement = fakeStatement();
    const call = createGroupCommit(statement.run, { maxBatch: 100, concurrency: 1 });
    const failed = [7, -1].map((n) => call(n).then(() => 'stored', (error: Error) => error.message));
    await tick();
    const later = call(8);
    await statement.finishNext();
    await statement.finishNext();
    expect(await Promise.all(failed)).toEqual(['deadlock', 'deadlock']);
    expect(await later).toBe('stored 8');
  });
});
