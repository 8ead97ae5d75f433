import { loadConfig } from './platform/config.js';
import { startServer } from './server.js';
import { seedDemo } from './workspace/demo.js';

const startedAt = performance.now();
const config = loadConfig();
const server = await startServer(config);
const { logger, services } = server;

const firstStart = !(await services.workspace.isSetUp());
const { ownerEmail, ownerPassword, workspaceName } = config.bootstrap;
if (firstStart && !config.demo && ownerEmail && ownerPassword) {
  await services.workspace.setup({ workspaceName: workspaceName ?? 'My workspace', email: ownerEmail, password: ownerPassword });
  logger.info({ email: ownerEmail }, 'workspace and owner created from OWNER_EMAIL');
}

await server.listen();
logger.info(
  { url: config.publicUrl, database: server.database.engine, realtime: config.redisUrl ? 'redis' : 'in-process' },
  `Switchboard ready in ${Math.round(performance.now() - startedAt)} ms`,
);

// Seeded once the server listens: the demo's replies go to the demo integration it serves itself.
if (firstStart && config.demo) {
  const demo = await seedDemo(server, { publicUrl: config.publicUrl });
  logger.info({ email: demo.ownerEmail, password: demo.password }, 'demo workspace created: log in with these');
}

let signalled = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (signalled) process.exit(1);
    signalled = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
