import path from 'node:path';

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  publicUrl: string;
  /** Set: provider webhooks are also served on this port, by a thread of their own (PostgreSQL only). */
  webhookPort: number | undefined;
  smtpPort: number;
  /** The operator's relay for the system's own mail (invitations): `smtp://user:pass@host:587`. */
  smtpUrl: string | undefined;
  /** Sender of the system's mail. */
  mailFrom: string;
  logLevel: string;
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
    webhookPort: env.WEBHOOK_PORT ? Number(env.WEBHOOK_PORT) : undefined,
    smtpPort: Number(env.SMTP_PORT ?? 2525),
    smtpUrl: env.SMTP_URL || undefined,
    mailFrom: env.MAIL_FROM || `Switchboard <no-reply@${new URL(publicUrl).hostname}>`,
    logLevel: env.LOG_LEVEL ?? 'info',
    secureCookies: env.SECURE_COOKIES ? env.SECURE_COOKIES === 'true' : publicUrl.startsWith('https://'),
    bootstrap: {
      ownerEmail: env.OWNER_EMAIL || undefined,
      ownerPassword: env.OWNER_PASSWORD || undefined,
      workspaceName: env.WORKSPACE_NAME || undefined,
    },
    demo: argv.includes('--demo') || env.DEMO === 'true',
    bodyLimitBytes: Number(env.BODY_LIMIT_BYTES ?? 1024 * 1024),
    webDistDir: path.resolve(env.WEB_DIST_DIR ?? 'web/dist'),
  };
}
