import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A local mail sink standing in for the operator's relay: keeps what it is handed. */
export async function startMailSink() {
  const received: Array<{ to: string[]; raw: string }> = [];
  let refuse = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        // A final refusal (5xx), as a relay answers a recipient it will not take.
        if (refuse) return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
        received.push({ to: session.envelope.rcptTo.map((each) => each.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    refuse: (value: boolean) => {
      refuse = value;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The invitation link in a received mail (quoted-printable soft breaks undone). */
export const linkIn = (raw: string) => /https?:\/\/\S+\/invitation\/[\w-]+/.exec(raw.replace(/=\r?\n/g, ''))?.[0];
