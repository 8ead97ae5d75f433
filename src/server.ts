import { createLocalBus, createRedisBus, type EventBus } from './platform/bus.js';
import { type Clock, systemClock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import { type Database, openDatabase } from './platform/db/client.js';
import { buildApp } from './app.js';
import { createLogger, type Logger } from './platform/logging.js';
import { createSmtpListener } from './channels/email/smtp-listener.js';

export type Server = Awaited<ReturnType<typeof startServer>>;

/** Everything one process runs: database, bus, HTTP + WebSocket, job workers. */
export async function startServer(
  config: Config,
  options: { logger?: Logger; clock?: Clock; database?: Database; bus?: EventBus; webhooksOnly?: boolean } = {},
) {
  const logger = options.logger ?? createLogger(config.logLevel);
  const database = options.database ?? (await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir }));
  const bus: EventBus = options.bus ?? (config.redisUrl ? await createRedisBus(config.redisUrl) : createLocalBus());
  const built = await buildApp({ config, database, bus, clock: options.clock ?? systemClock, logger, webhooksOnly: options.webhooksOnly });
  built.services.jobs.start();
  built.services.workflows.start();

  // Inbound mail (email channels): the process's own SMTP listener, stored through the same sink as webhooks.
  const smtp = options.webhooksOnly ? undefined : createSmtpListener({ channels: built.services.channels, sink: built.services.messages, logger });
  let smtpListening = false;
  let smtpPort: number | undefined;
  /** Starts the SMTP listener on `SMTP_PORT` (or `port`: tests pass 0); answers the port. */
  async function listenSmtp(port = config.smtpPort) {
    if (!smtp) throw new Error('this process serves webhooks only');
    const bound = await smtp.listen(port, config.host);
    smtpListening = true;
    smtpPort = bound;
    logger.info({ port: bound }, 'smtp listener ready');
    return bound;
  }

  let closing: Promise<void> | undefined;
  return {
    ...built,
    database,
    bus,
    logger,
    async listen() {
      const address = await built.app.listen({ port: config.port, host: config.host });
      // The webhook thread serves webhooks only: mail comes to the main thread's listener.
      if (smtp) await listenSmtp();
      return address;
    },
    listenSmtp,
    /** The port the SMTP listener is bound to, once it listens. */
    smtpPort: () => smtpPort,
    /** Stop accepting, let in-flight requests and jobs finish, then close the bus and database. */
    close() {
      closing ??= (async () => {
        if (smtp && smtpListening) await smtp.close();
        await built.close();
        await bus.close();
        await database.close();
      })();
      return closing;
    },
  };
}
