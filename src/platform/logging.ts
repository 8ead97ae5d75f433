import pino from 'pino';

export type Logger = pino.Logger;

/** Query parameters that are credentials: the WebSocket's `?token=`, a download link's `signature`. */
const secretParameters = /([?&](?:token|signature)=)[^&#]*/gi;

/** A URL as it may be written to a log: credentials in its query replaced. */
export const redactUrl = (url: string) => url.replace(secretParameters, '$1[redacted]');

/** Fastify's request serializer, with the URL redacted (with LOG_REQUESTS every request is logged). */
const serializeRequest = (request: { method: string; url: string; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
  method: request.method,
  url: redactUrl(request.url),
  host: request.host,
  remoteAddress: request.ip,
  remotePort: request.socket?.remotePort,
});

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.accessToken', '*.appSecret'],
      serializers: { req: serializeRequest },
    },
    destination,
  );
}
