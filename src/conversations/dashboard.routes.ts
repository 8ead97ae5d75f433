import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, type RouteContext } from '../platform/http/app.js';
import type { DashboardService } from './dashboard.service.js';

const times = z.object({ median: z.number().nullable(), p90: z.number().nullable(), count: z.number().int() });
const channel = z.object({ id: z.string(), type: z.string(), name: z.string() }).nullable();
const openCounts = { open: z.number().int(), unassigned: z.number().int(), missed: z.number().int() };
const period = z.object({
  since: z.string(),
  firstResponse: times,
  resolution: times,
  byChannel: z.array(z.object({ channel, inbound: z.number().int(), outbound: z.number().int() })),
  inboundByHour: z.array(z.number().int()).length(24),
});

export function registerDashboardRoutes({ app: root, services }: RouteContext<{ dashboard: DashboardService }>) {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/dashboard',
    {
      config: { permission: 'dashboard.view' },
      schema: {
        tags: ['dashboard'],
        summary:
          'Owners and managers: open, unassigned and missed conversations by team and channel; first-response and resolution times (median, p90, in seconds), messages by channel and the contacts’ busiest hours, today and over 7 days',
        querystring: z.strictObject({
          todayStart: z.iso.datetime({ offset: true }).optional(),
          utcOffsetMinutes: z.coerce.number().int().min(-840).max(840).optional(),
        }),
        response: {
          200: z.object({
            generatedAt: z.string(),
            missedAfterSeconds: z.number().int(),
            open: z.object({
              ...openCounts,
              byTeam: z.array(z.object({ team: z.object({ id: z.string(), name: z.string() }).nullable(), ...openCounts })),
              byChannel: z.array(z.object({ channel, ...openCounts })),
            }),
            today: period,
            week: period,
          }),
        },
      },
    },
    async (request) => services.dashboard.figures(actorOf(request), request.query),
  );
}
