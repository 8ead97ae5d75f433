import path from 'node:path';
import { createBlockingService } from '../blocking/blocking.service.js';
import { createSpamService } from '../blocking/spam.service.js';
import { createChannelRegistry } from '../channels/channel-registry.js';
import { channelModules } from '../channels/channel-modules.js';
import { registerChannelRoutes } from '../channels/channels.routes.js';
import { createChannelsService } from '../channels/channels.service.js';
import { registerWebhookRoutes } from '../channels/webhooks.routes.js';
import { createIdentityService } from '../contacts/identity.service.js';
import { createFileAttachmentStore } from '../messages/attachment-store.js';
import { registerAttachmentRoutes } from '../messages/attachments.routes.js';
import { createAttachmentsService } from '../messages/attachments.service.js';
import { registerMessageRoutes } from '../messages/messages.routes.js';
import { createMessagesService } from '../messages/messages.service.js';
import { registerSavedReplyRoutes } from '../messages/saved-replies.routes.js';
import { createSavedRepliesService } from '../messages/saved-replies.service.js';
import type { EventBus } from '../platform/bus.js';
import type { Clock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import type { Db } from '../platform/db/client.js';
import type { AppContext } from '../platform/http/app.js';
import type { JobQueue } from '../platform/jobs.js';
import type { Logger } from '../platform/logging.js';
import { createServerSecrets } from '../platform/server-secrets.js';
import type { Gateway } from '../platform/realtime/gateway.js';
import type { UsageService } from '../usage/usage.service.js';
import type { WorkspaceService } from '../workspace/workspace.service.js';
import { registerConversationRoutes } from './conversations.routes.js';
import { createConversationsService } from './conversations.service.js';
import { registerDemoApiSink } from './inbox.demo.js';
import { createOnlineSince } from './online-since.js';

export type InboxServices = ReturnType<typeof createInboxServices>;

/** The Inbox's services (channels, conversations, messages), wired once by the app factory. */
export function createInboxServices(deps: {
  db: Db;
  bus: EventBus;
  clock: Clock;
  jobs: JobQueue;
  logger: Logger;
  config: Config;
  workspace: WorkspaceService;
  gateway: Gateway;
  usage: UsageService;
}) {
  const { db, bus, clock, jobs, logger, config, workspace, gateway, usage } = deps;
  const channels = createChannelsService({ db, bus, clock, registry: createChannelRegistry(channelModules), publicUrl: config.publicUrl });
  const identity = createIdentityService();
  const onlineSince = createOnlineSince({ bus, gateway, clock });
  const store = createFileAttachmentStore(path.join(config.dataDir, 'attachments'));
  const secrets = createServerSecrets(db);
  const attachments = createAttachmentsService({ db, clock, jobs, store, secrets, publicUrl: config.publicUrl });
  const conversations = createConversationsService({ db, bus, clock, jobs, workspace, onlineSince, attachments });
  const savedReplies = createSavedRepliesService({ db, bus, clock });
  // Between conversations and messages: receive() screens each inbound message for spam, which may block its contact.
  const blocking = createBlockingService({ db, bus, clock, workspace, conversations });
  const spam = createSpamService({ db, bus, clock, jobs, usage, blocking, channels, conversations, workspace });
  const messages = createMessagesService({
    db,
    bus,
    clock,
    jobs,
    logger,
    channels,
    conversations,
    identity,
    attachments,
    savedReplies,
    workspace,
    usage,
    spam,
  });
  return { channels, identity, conversations, attachments, savedReplies, messages, blocking, spam };
}

export function registerInboxRoutes(context: AppContext) {
  registerChannelRoutes(context);
  registerWebhookRoutes(context);
  registerConversationRoutes(context);
  registerMessageRoutes(context);
  registerAttachmentRoutes(context);
  registerSavedReplyRoutes(context);
  if (context.config.demo) registerDemoApiSink(context);
}
