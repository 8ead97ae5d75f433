import { once } from 'node:events';
import net from 'node:net';

/** A port free right now, so a server's PUBLIC_URL can name it before it listens. */
export async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
