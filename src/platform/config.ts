import path from 'node:path';
import { normaliseOrigin } from './auth/origin.rules.js';
import { MIN_PASSWORD_LENGTH } from './auth/passwords.js';

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  publicUrl: string;
  /**
   * Origins whose pages may use the session cookie for unsafe requests and the live WebSocket:
   * PUBLIC_URL's, and those listed in ALLOWED_ORIGINS (a dev server on another port, say).
   */
  allowedOrigins: string[];
  /**
   * Proxies whose `X-Forwarded-For` is believed (addresses or CIDR ranges, TRUSTED_PROXIES); none
   * by default, so a client cannot name its own address (login throttling counts by address).
   */
  trustedProxies: string[];
  /** Set: provider webhooks are also served on this port, by a thread of their own (PostgreSQL only). */
  webhookPort: number | undefined;
  smtpPort: number;
  /** The operator's relay for the system's own mail (invitations): `smtp://user:pass@host:587`. */
  smtpUrl: string | undefined;
  /** Sender of the system's mail. */
  mailFrom: string;
  logLevel: string;
  /** LOG_REQUESTS=true: every request is logged (its URL without credentials). */
  logRequests: boolean;
  /** Set when the server sits behind TLS, so session cookies are marked Secure. */
  secureCookies: boolean;
  bootstrap: { ownerEmail?: string; ownerPassword?: string; workspaceName?: string };
  demo: boolean;
  bodyLimitBytes: number;
  webDistDir: string;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env, argv: string[] = process.argv): Config {
  const port = Number(env.PORT ?? 3000);
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/$/, '');
  return {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: path.resolve(env.DATA_DIR ?? './data'),
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    publicUrl,
    allowedOrigins: [...new Set([originOfPublicUrl(publicUrl), ...listed(env.ALLOWED_ORIGINS).map(checkedOrigin)])],
    trustedProxies: listed(env.TRUSTED_PROXIES),
    webhookPort: env.WEBHOOK_PORT ? Number(env.WEBHOOK_PORT) : undefined,
    smtpPort: Number(env.SMTP_PORT ?? 2525),
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || `Switchboard <no-reply@${new URL(publicUrl).hostname}>`,
    logLevel: env.LOG_LEVEL ?? 'info',
    logRequests: env.LOG_REQUESTS === 'true',
    secureCookies: env.SECURE_COOKIES ? env.SECURE_COOKIES === 'true' : publicUrl.startsWith('https://'),
    bootstrap: {
      ownerEmail: env.OWNER_EMAIL || undefined,
      ownerPassword: checkedOwnerPassword(env.OWNER_PASSWORD || undefined),
      workspaceName: env.WORKSPACE_NAME || undefined,
    },
    demo: argv.includes('--demo') || env.DEMO === 'true',
    bodyLimitBytes: Number(env.BODY_LIMIT_BYTES ?? 1024 * 1024),
    webDistDir: path.resolve(env.WEB_DIST_DIR ?? 'web/dist'),
  };
}

const listed = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

function originOfPublicUrl(publicUrl: string): string {
  const origin = normaliseOrigin(publicUrl);
  if (!origin) throw new Error(`PUBLIC_URL: ${publicUrl} is not an http(s) URL`);
  return origin;
}

function checkedOrigin(text: string): string {
  const origin = normaliseOrigin(text);
  if (!origin) throw new Error(`ALLOWED_ORIGINS: ${text} is not an origin like https://app.example.com`);
  return origin;
}

/** The first owner's password is held to the rule every other password is (the API's `password` schema). */
function checkedOwnerPassword(password: string | undefined): string | undefined {
  if (password !== undefined && password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`OWNER_PASSWORD: at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return password;
}
