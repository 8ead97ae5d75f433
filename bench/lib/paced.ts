import net from 'node:net';

export type LoadResult = { requests: number; perSecond: number; non2xx: number; errors: number; latencyP50: number; latencyP99: number; answers: Buffer[] };

/**
 * Open loop over raw keep-alive sockets: request k is due at k / rate seconds and its latency
 * counts from then (no coordinated omission). The requests are built (and signed) before the
 * clock starts and answers are only framed, not parsed, so the generator takes as little of the
 * shared cores as it can. `keepAnswers` keeps each answer's body, in the order answered.
 */
export async function pacedLoad(url: URL, requests: Buffer[], options: { rate: number; connections: number; keepAnswers?: boolean }): Promise<LoadResult> {
  const total = requests.length;
  const latencies: number[] = [];
  const answers: Buffer[] = [];
  let non2xx = 0;
  let errors = 0;
  type Connection = { socket: net.Socket; due: number; buffered: Buffer };
  const idle: Connection[] = [];
  const waiting: number[] = [];
  let next = 0;
  const write = (connection: Connection, due: number) => {
    connection.due = due;
    connection.socket.write(requests[next++]!);
  };
  const connections = await Promise.all(
    Array.from(
      { length: options.connections },
      () =>
        new Promise<Connection>((resolve, reject) => {
          const socket = net.connect(Number(url.port), url.hostname, () => resolve(connection));
          socket.setNoDelay(true);
          const connection: Connection = { socket, due: 0, buffered: Buffer.alloc(0) };
          socket.once('error', reject);
          socket.on('data', (chunk: Buffer) => {
            connection.buffered = connection.buffered.length === 0 ? chunk : Buffer.concat([connection.buffered, chunk]);
            for (;;) {
              const headEnd = connection.buffered.indexOf('\r\n\r\n');
              if (headEnd < 0) return;
              const head = connection.buffered.subarray(0, headEnd).toString('latin1');
              const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
              if (connection.buffered.length < headEnd + 4 + length) return;
              if (options.keepAnswers) answers.push(Buffer.from(connection.buffered.subarray(headEnd + 4, headEnd + 4 + length)));
              connection.buffered = connection.buffered.subarray(headEnd + 4 + length);
              if (!head.startsWith('HTTP/1.1 2')) non2xx++;
              latencies.push(performance.now() - connection.due);
              const due = waiting.shift();
              if (due === undefined) idle.push(connection);
              else write(connection, due);
            }
          });
        }),
    ),
  );
  idle.push(...connections);
  for (const { socket } of connections) socket.on('error', () => errors++);
  const started = performance.now();
  let issued = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - started) * options.rate) / 1000) + 1);
      for (; issued < due; issued++) {
        const at = started + (issued * 1000) / options.rate;
        const connection = idle.pop();
        if (connection) write(connection, at);
        else waiting.push(at);
      }
      if (issued >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  const deadline = performance.now() + 30_000;
  while (latencies.length + errors < total && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  errors += total - latencies.length - errors;
  const seconds = (performance.now() - started) / 1000;
  for (const { socket } of connections) socket.destroy();
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]! * 100) / 100;
  return { requests: issued, perSecond: issued / seconds, non2xx, errors, latencyP50: at(50), latencyP99: at(99), answers };
}

/** A raw HTTP/1.1 POST, ready to write to a socket. */
export function rawPost(url: URL, headers: Record<string, string>, body: string): Buffer {
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return Buffer.from(`POST ${url.pathname} HTTP/1.1\r\nhost: ${url.host}\r\n${lines}content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
}
