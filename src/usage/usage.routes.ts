import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import { MONTH_PATTERN } from './usage-month.rules.js';
import type { UsageService } from './usage.service.js';

const usage = { permission: 'usage.view' as const };

export function registerUsageRoutes({ app: root, services }: RouteContext<{ usage: UsageService }>) {
  const service = services.usage;
  const app = root.withTypeProvider<ZodTypeProvider>();

  app.get(
    '/api/v1/usage/mac',
    {
      config: usage,
      schema: {
        tags: ['usage'],
        summary: 'Monthly active contacts of a calendar month (UTC); the current month by default',
        querystring: z.strictObject({ month: z.string().regex(MONTH_PATTERN, 'a month as YYYY-MM').optional() }),
      },
    },
    async (request) => service.monthlyActiveContacts(actorOf(request), request.query.month),
  );

  app.get(
    '/api/v1/usage/mac/history',
    {
      config: usage,
      schema: {
        tags: ['usage'],
        summary: 'Monthly active contacts of the last months, newest first',
        querystring: z.strictObject({ months: z.coerce.number().int().min(1).max(36).default(12) }),
      },
    },
    async (request) => service.history(actorOf(request), request.query.months),
  );
}
