import { createLocalBus, createRedisBus, type EventBus } from './platform/bus.js';
import { type Clock, systemClock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import { type Database, openDatabase } from './platform/db/client.js';
import { buildApp } from './app.js';
import { createLogger, type Logger } from './platform/logging.js';

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
  built.services.workflowJobs.start();

  let closing: Promise<void> | undefined;
  return {
    ...built,
    database,
    bus,
    logger,
    async listen() {
      return built.app.listen({ port: config.port, host: config.host });
    },
    /** Stop accepting, let in-flight requests and jobs finish, then close the bus and database. */
    close() {
      closing ??= (async () => {
        await built.close();
        await bus.close();
        await database.close();
      })();
      return closing;
    },
  };
}
