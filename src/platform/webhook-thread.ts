import { once } from 'node:events';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { bridgeBus, createPortBus, type EventBus } from './bus.js';
import { type Config, loadConfig } from './config.js';
import { createLogger, type Logger } from './logging.js';

/**
 * WEBHOOK_PORT: provider webhooks served by a thread of their own, on their own port, beside the
 * main thread's API. A thread has its own event loop and heap, so a flood of webhooks (spam, a
 * broadcast's receipts) neither queues agents' requests behind it nor fills their garbage
 * collector's young generation: with one event loop for both, 2,000 blocked messages a second
 * raised another conversation's p99 by 29–48 % on two cores (BENCHMARKS.md, Blocking). The thread is
 * the same server, as another instance behind a load balancer is: its own database pool, events
 * through Redis or, without it, through the main thread's bus. The proxy in front routes
 * `/webhooks/` to this port; the main port keeps serving them too.
 */
const ROLE = 'switchboard:webhooks';
type ThreadMessage = { thread: 'listening' | 'close' };
const isThreadMessage = (value: unknown, kind: ThreadMessage['thread']) =>
  typeof value === 'object' && value !== null && (value as ThreadMessage).thread === kind;

export type WebhookThread = { close(): Promise<void> };

/** Throws what is wrong with WEBHOOK_PORT in this configuration, before anything starts. */
export function checkWebhookThreadConfig(config: Config) {
  const port = config.webhookPort;
  if (port === undefined) return;
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`WEBHOOK_PORT must be a port number, not ${port}`);
  if (port === config.port) throw new Error('WEBHOOK_PORT must differ from PORT');
  if (!config.databaseUrl) throw new Error('WEBHOOK_PORT needs DATABASE_URL: the embedded database can be opened by one thread only');
}

/**
 * Starts the thread from `entry` (the program's entry module, which calls `runWebhookThread` when
 * `isWebhookThread()`) and answers once it listens. `onExit`: the thread ended other than by `close`.
 * The caller has checked the configuration first (`checkWebhookThreadConfig`), before anything started.
 */
export async function startWebhookThread(
  entry: URL,
  deps: { config: Config; bus: EventBus; logger: Logger; onExit: (error: unknown) => void },
): Promise<WebhookThread> {
  const { config, bus, logger } = deps;
  const worker = threadOf(entry);
  const unbridge = config.redisUrl ? () => undefined : bridgeBus(bus, worker);
  const listening = new Promise<void>((resolve, reject) => {
    const onMessage = (value: unknown) => {
      if (isThreadMessage(value, 'listening')) settle(resolve);
    };
    const onError = (error: unknown) => settle(() => reject(error));
    const onExit = (code: number) => settle(() => reject(new Error(`the webhook thread stopped before listening (exit code ${code})`)));
    const settle = (then: () => void) => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      then();
    };
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
  });
  try {
    await listening;
  } catch (error) {
    unbridge();
    await worker.terminate();
    throw error;
  }
  logger.info({ port: config.webhookPort }, 'webhook thread listening');

  let closing = false;
  let failure: unknown;
  worker.on('error', (error) => (failure = error));
  worker.on('exit', (code) => {
    if (!closing) deps.onExit(failure ?? new Error(`the webhook thread exited (code ${code})`));
  });
  return {
    async close() {
      if (closing) return;
      closing = true;
      const exited = once(worker, 'exit');
      worker.postMessage({ thread: 'close' } satisfies ThreadMessage);
      await exited;
      unbridge();
    },
  };
}

/** Under tsx (`npm run dev`, tests) the entry is TypeScript, and Node 20 does not give a worker the `--import` hooks of its parent. */
function threadOf(entry: URL) {
  const workerData = { role: ROLE };
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData });
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`, { eval: true, workerData });
}

export const isWebhookThread = () => !isMainThread && (workerData as { role?: string } | null)?.role === ROLE;

/** How the thread starts its server: the composition root's, passed in by the entry module. */
export type StartWebhookServer = (
  config: Config,
  options: { webhooksOnly: true; logger: Logger; bus?: EventBus },
) => Promise<{ listen(): Promise<unknown>; close(): Promise<void> }>;

/** Inside the thread: the server with webhook and health routes only, on WEBHOOK_PORT, until the main thread says close. */
export async function runWebhookThread(startServer: StartWebhookServer) {
  const port = parentPort!;
  const config = loadConfig();
  const server = await startServer(
    { ...config, port: config.webhookPort! },
    { webhooksOnly: true, logger: createLogger(config.logLevel).child({ thread: 'webhooks' }), bus: config.redisUrl ? undefined : createPortBus(port) },
  );
  port.on('message', (value: unknown) => {
    if (isThreadMessage(value, 'close')) void server.close().finally(() => port.close());
  });
  await server.listen();
  port.postMessage({ thread: 'listening' } satisfies ThreadMessage);
}
