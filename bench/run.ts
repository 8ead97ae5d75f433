/**
 * Runs the benchmarks named on the command line (all when none): `npm run bench -- foundation`.
 * Each bench module exports `run()` answering its figures; they are printed as a table.
 */
const available: Record<string, () => Promise<{ run: () => Promise<Record<string, unknown>> }>> = {
  foundation: () => import('./foundation.bench.js'),
  blocking: () => import('./blocking.bench.js'),
  gc: () => import('./gc.bench.js'),
  merging: () => import('./merging.bench.js'),
  'meta-webhooks': () => import('./meta-webhooks.bench.js'),
  'bots-webhooks': () => import('./bots-webhooks.bench.js'),
  email: () => import('./email.bench.js'),
  'security-headers': () => import('./security-headers.bench.js'),
  workflows: () => import('./workflows.bench.js'),
  'wechat-sms': () => import('./wechat-sms.bench.js'),
  webchat: () => import('./webchat.bench.js'),
};

const names = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
for (const name of names.length ? names : Object.keys(available)) {
  const load = available[name];
  if (!load) {
    console.error(`unknown benchmark ${name}; known: ${Object.keys(available).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  console.log(`\n## ${name}  (${new Date().toISOString()}, node ${process.version})`);
  const results = await (await load()).run();
  for (const [figure, value] of Object.entries(results)) console.log(`| ${figure} | ${value} |`);
}
