import v8 from 'node:v8';

/**
 * V8 flags for the server, set before anything else runs (they hold for every thread). A flag
 * given on the command line wins: `node --allocation-site-pretenuring dist/main.mjs` keeps V8's default.
 *
 * `--no-allocation-site-pretenuring`: V8 starts allocating an object literal's objects straight
 * in the old generation once most of them outlived a young collection, and keeps that decision.
 * A burst of 50 concurrent webhooks was enough for the sites that build database rows. After
 * it, every message page's rows were old, kept their young strings and dates alive through young
 * collections, and were freed only by full collections: at 200 pages a second, 2.3 MB promoted
 * per young collection and 5–6 ms pauses instead of 1 ms (bench/gc.bench.ts, BENCHMARKS.md).
 * A request's objects live for one request, so the server does without it.
 */
if (!process.execArgv.some((arg) => /^--(no-)?allocation[-_]site[-_]pretenuring$/.test(arg))) {
  v8.setFlagsFromString('--no-allocation-site-pretenuring');
}
