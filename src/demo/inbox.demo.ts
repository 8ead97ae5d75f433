import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../platform/errors.js';
import type { ChannelsService } from '../channels/channels.service.js';
import type { ConversationsService } from '../conversations/conversations.service.js';
import type { MessagesService } from '../messages/messages.service.js';
import type { Actor } from '../platform/auth/permissions.js';
import type { RouteContext } from '../platform/http/app.js';
import type { WorkspaceService } from '../workspace/workspace.service.js';

const DEMO_SINK_PATH = '/demo/api-channel-sink';

type Step =
  | { contact: string }
  | { reply: string; by: string }
  | { comment: string; by: string; mentions?: string[] };

type DemoConversation = {
  contact: { identifier: string; name: string; email?: string; phone?: string; language: string };
  steps: Step[];
  assignee?: string;
  team?: string;
  then?: 'close' | 'snooze';
};

const demoConversations: DemoConversation[] = [
  {
    contact: { identifier: 'demo-emma', name: 'Emma Johnson', email: 'emma.johnson@example.com', language: 'en' },
    steps: [{ contact: 'Hi! My order #4521 hasn’t arrived yet. Could you check where it is?' }],
  },
  {
    contact: { identifier: 'demo-oliver', name: 'Oliver Smith', phone: '+447700900123', language: 'en' },
    steps: [{ contact: 'I was charged twice for my subscription this month.' }],
    team: 'Billing',
  },
  {
    contact: { identifier: 'demo-lukas', name: 'Lukas Becker', email: 'lukas.becker@example.de', phone: '+4915112345678', language: 'de' },
    steps: [
      { contact: 'Hallo, ich habe zwei Rechnungen für dieselbe Bestellung bekommen.' },
      { reply: 'Hallo Lukas, danke für den Hinweis – ich prüfe das sofort.', by: 'jonas' },
      { contact: 'Danke! Die Bestellnummer ist 88120.' },
    ],
    assignee: 'jonas',
    team: 'Support',
  },
  {
    contact: { identifier: 'demo-anna', name: 'Anna Schmidt', email: 'anna.schmidt@example.de', language: 'de' },
    steps: [{ contact: 'Wann kommt die neue Kollektion in den Laden?' }],
    assignee: 'max',
  },
  {
    contact: { identifier: 'demo-chloe', name: 'Chloé Lefèvre', email: 'chloe.lefevre@example.fr', language: 'fr' },
    steps: [
      { contact: 'Bonjour, proposez-vous des tarifs pour les associations ?' },
      { comment: '@Camille Martin on a une remise associative ?', by: 'lea', mentions: ['camille'] },
      { reply: 'Bonjour Chloé, oui : 20 % sur tous les abonnements. Je vous envoie le détail.', by: 'lea' },
    ],
    assignee: 'lea',
    team: 'Sales',
  },
  {
    contact: { identifier: 'demo-marie', name: 'Marie Dubois', phone: '+33612345678', language: 'fr' },
    steps: [
      { contact: 'Ma facture de mars est introuvable dans mon espace client.' },
      { reply: 'Bonjour Marie, je viens de vous la renvoyer par e-mail.', by: 'camille' },
      { contact: 'Reçue, merci beaucoup !' },
    ],
    assignee: 'camille',
    then: 'close',
  },
  {
    contact: { identifier: 'demo-sofia', name: 'Sofía García', email: 'sofia.garcia@example.es', language: 'es' },
    steps: [
      { contact: '¿Puedo cambiar la dirección de envío de mi pedido?' },
      { reply: 'Claro, Sofía. ¿Cuál es la nueva dirección?', by: 'ravi' },
      { contact: 'Se la envío mañana por la mañana, gracias.' },
    ],
    assignee: 'ravi',
    team: 'Sales',
    then: 'snooze',
  },
  {
    contact: { identifier: 'demo-haruto', name: 'Haruto Sato', phone: '+819012345678', language: 'ja' },
    steps: [
      { contact: '注文をキャンセルしたいです。' },
      { reply: 'かしこまりました。ご注文をキャンセルしました。', by: 'aiko' },
      { contact: 'ありがとうございます！' },
    ],
    assignee: 'aiko',
    team: 'Support',
    then: 'close',
  },
];

/**
 * The demo API channel's integration, served by the server itself when it runs with the demo
 * flag: it checks the channel's signature, as a real integration would, and accepts the reply.
 */
export function registerDemoApiSink({ app: root, services }: RouteContext<{ channels: ChannelsService }>) {
  const { channels } = services;
  root.register(async (scope: FastifyInstance) => {
    // The signature covers the body exactly as sent.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_request, body, done) => done(null, body));
    const app = scope.withTypeProvider<ZodTypeProvider>();
    app.post(
      `${DEMO_SINK_PATH}/:channelId`,
      { config: { public: true }, schema: { hide: true, params: z.strictObject({ channelId: z.uuid() }) } },
      async (request) => {
        const channel = await channels.resolveForWebhook('api', request.params.channelId);
        if (!channel) throw notFound('Channel');
        const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const signed = channel.module.verifyWebhook({ rawBody, headers: request.headers, query: {}, url: request.url }, channel.row.settings);
        if (!signed) throw new AppError(401, 'invalid_signature', 'The signature does not match this channel');
        return { ok: true };
      },
    );
  });
}

/**
 * The Inbox's part of the demo workspace: an API channel and conversations in every state and
 * several languages, made through the same services a webhook and the API use. The channel
 * delivers replies to the demo integration at `publicUrl` (registerDemoApiSink), so they are sent
 * once the server listens there.
 */
export type DemoInboxServices = {
  workspace: WorkspaceService;
  channels: ChannelsService;
  messages: MessagesService;
  conversations: ConversationsService;
};

export async function seedInboxDemo(
  services: DemoInboxServices,
  owner: Actor,
  publicUrl: string,
) {
  const { workspace, channels, messages, conversations } = services;
  const users = (await workspace.listUsers(owner, { limit: 200 })).items;
  const teams = (await workspace.listTeams(owner)).items;
  const user = (name: string) => users.find((u) => u.email.startsWith(`${name}@`))!;
  const actorOf = (name: string): Actor => ({ userId: user(name).id, workspaceId: owner.workspaceId, role: user(name).role });

  // The demo's integration is this server (the sink below): its address, maybe localhost, is allowed as its own.
  await workspace.updateWorkspace(owner, { settings: { allowedPrivateHosts: [new URL(publicUrl).host] } });
  const created = await channels.create(owner, {
    type: 'api',
    name: 'Shop backend (API)',
    settings: { webhookUrl: `${publicUrl}${DEMO_SINK_PATH}`, secret: randomBytes(24).toString('base64url') },
  });
  // The integration finds the channel's secret by the id in its URL, known once the channel exists.
  const channel = await channels.update(owner, created.id, { settings: { webhookUrl: `${publicUrl}${DEMO_SINK_PATH}/${created.id}` } });
  const { row } = (await channels.resolve(owner.workspaceId, channel.id))!;

  let sequence = 0;
  for (const demo of demoConversations) {
    let conversationId: string | undefined;
    for (const step of demo.steps) {
      if ('contact' in step) {
        const received = await messages.receive(row, { providerMessageId: `demo-${++sequence}`, contact: demo.contact, text: step.contact });
        conversationId = received.conversationId;
      } else if ('reply' in step) {
        await messages.send(actorOf(step.by), conversationId!, { type: 'reply', text: step.reply });
      } else {
        const mentions = (step.mentions ?? []).map((name) => user(name).id);
        await messages.send(actorOf(step.by), conversationId!, { type: 'comment', text: step.comment, mentions });
      }
    }
    if (demo.assignee || demo.team) {
      await conversations.assign(owner, conversationId!, {
        assigneeId: demo.assignee ? user(demo.assignee).id : undefined,
        teamId: demo.team ? teams.find((t) => t.name === demo.team)!.id : undefined,
      });
    }
    if (demo.then === 'close') await conversations.close(owner, conversationId!);
    if (demo.then === 'snooze') {
      const tomorrowNine = new Date();
      tomorrowNine.setUTCDate(tomorrowNine.getUTCDate() + 1);
      tomorrowNine.setUTCHours(9, 0, 0, 0);
      await conversations.snooze(owner, conversationId!, tomorrowNine);
    }
  }
}
