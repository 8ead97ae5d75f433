import './platform/v8-flags.js';
import { loadConfig } from './platform/config.js';
import { checkWebhookThreadConfig, isWebhookThread, runWebhookThread, startWebhookThread, type WebhookThread } from './platform/webhook-thread.js';
import { startServer } from './server.js';
import { seedDemo } from './demo/demo.js';

if (isWebhookThread()) await runWebhookThread(startServer);
else await main();

async function main() {
  const startedAt = performance.now();
  const config = loadConfig();
  checkWebhookThreadConfig(config);
  const server = await startServer(config);
  const { logger, services } = server;

  const firstStart = !(await services.workspace.isSetUp());
  const { ownerEmail, ownerPassword, workspaceName } = config.bootstrap;
  if (firstStart && !config.demo && ownerEmail && ownerPassword) {
    await services.workspace.setup({ workspaceName: workspaceName ?? 'My workspace', email: ownerEmail, password: ownerPassword });
    logger.info({ email: ownerEmail }, 'workspace and owner created from OWNER_EMAIL');
  }

  await server.listen();
  let webhookThread: WebhookThread | undefined;
  if (config.webhookPort !== undefined) {
    webhookThread = await startWebhookThread(new URL(import.meta.url), {
      config,
      bus: server.bus,
      logger,
      onExit: (error) => {
        // Webhooks sent to its port would go unanswered: stop, so that the supervisor starts the process again.
        logger.fatal({ err: error }, 'the webhook thread stopped');
        process.exit(1);
      },
    });
  }
  logger.info(
    { url: config.publicUrl, database: server.database.engine, realtime: config.redisUrl ? 'redis' : 'in-process', webhookPort: config.webhookPort },
    `Switchboard ready in ${Math.round(performance.now() - startedAt)} ms`,
  );

  // Seeded once the server listens: the demo's replies go to the demo integration it serves itself.
  if (firstStart && config.demo) {
    const demo = await seedDemo(server.services, { publicUrl: config.publicUrl });
    logger.info({ email: demo.ownerEmail, password: demo.password }, 'demo workspace created: log in with these');
  }

  let signalled = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (signalled) process.exit(1);
      signalled = true;
      logger.info({ signal }, 'shutting down');
      // The thread first: its webhooks in flight publish through the main thread's bus.
      Promise.resolve(webhookThread?.close())
        .then(() => server.close())
        .then(
          () => process.exit(0),
          (error) => {
            logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
    });
  }
}
