import path from 'node:path';
import { registerBlockingRoutes } from './blocking/blocking.routes.js';
import { createBlockingService } from './blocking/blocking.service.js';
import { createSpamService } from './blocking/spam.service.js';
import { channelModules } from './channels/channel-modules.js';
import { createChannelRegistry } from './channels/channel-registry.js';
import { registerChannelRoutes } from './channels/channels.routes.js';
import { createChannelsService } from './channels/channels.service.js';
import { registerWebchatRoutes, type WebchatPorts } from './channels/webchat/webchat.routes.js';
import { registerWebhookRoutes } from './channels/webhooks.routes.js';
import { registerContactsRoutes } from './contacts/contacts.routes.js';
import { createContactsService } from './contacts/contacts.service.js';
import { createIdentityService } from './contacts/identity.service.js';
import { canReachContact, canSeeConversation, type ConversationViewer } from './conversations/conversation-visibility.rules.js';
import { registerDashboardRoutes } from './conversations/dashboard.routes.js';
import { createDashboardService } from './conversations/dashboard.service.js';
import { registerConversationRoutes } from './conversations/conversations.routes.js';
import { createConversationsService } from './conversations/conversations.service.js';
import { createOnlineSince } from './conversations/online-since.js';
import { registerDemoApiSink } from './demo/inbox.demo.js';
import { registerDemoMetaSimulator } from './demo/whatsapp.demo.js';
import { registerMergingRoutes } from './merging/merging.routes.js';
import { createMergingService } from './merging/merging.service.js';
import { createFileAttachmentStore } from './messages/attachment-store.js';
import { registerAttachmentRoutes } from './messages/attachments.routes.js';
import { createAttachmentsService } from './messages/attachments.service.js';
import { registerMessageRoutes, registerWindowRoutes } from './messages/messages.routes.js';
import { createMessagesService } from './messages/messages.service.js';
import { registerSavedReplyRoutes } from './messages/saved-replies.routes.js';
import { createSavedRepliesService } from './messages/saved-replies.service.js';
import { registerTemplateRoutes } from './messages/templates.routes.js';
import { createTemplatesService } from './messages/templates.service.js';
import { createAuthService, type Principal } from './platform/auth/auth.service.js';
import type { EventBus } from './platform/bus.js';
import type { Clock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import type { Database } from './platform/db/client.js';
import { createHttpApp, registerOpenApiRoute, routeNotFound, serveWebApp } from './platform/http/app.js';
import { registerAuthRoutes, registerHealthRoutes, registerPlatformRoutes } from './platform/http/platform.routes.js';
import { createJobQueue } from './platform/jobs.js';
import type { Logger } from './platform/logging.js';
import { createMailer } from './platform/mailer.js';
import { createGateway } from './platform/realtime/gateway.js';
import { createServerSecrets } from './platform/server-secrets.js';
import { registerUsageRoutes } from './usage/usage.routes.js';
import { createUsageService } from './usage/usage.service.js';
import { registerInvitationRoutes } from './workspace/invitations.routes.js';
import { createInvitationsService } from './workspace/invitations.service.js';
import { registerAccountRoutes, registerWorkspaceRoutes } from './workspace/workspace.routes.js';
import { createWorkspaceService } from './workspace/workspace.service.js';
import { registerWorkflowRoutes } from './workflows/workflows.routes.js';
import { createWorkflowsService } from './workflows/workflows.service.js';

export type AppDeps = {
  config: Config;
  database: Database;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  /** Serve provider webhooks and health checks only: the webhook thread (see platform/webhook-thread.ts). */
  webhooksOnly?: boolean;
};

export type Services = ReturnType<typeof createServices>;

/** A connected user as the visibility rules see them. */
const viewerOf = (principal: Principal): ConversationViewer => ({
  userId: principal.user.id,
  role: principal.user.role,
  teamIds: principal.teamIds,
  agentsSeeAll: principal.workspace.settings.agentsSeeAll !== false,
});

/**
 * The composition root: every service, built in the order of the floors (README, Layout), each
 * handed what it needs. A lower domain that must make a higher one act receives a port here (a
 * function it declares itself) or reacts to an event after commit.
 */
export function createServices({ config, database, bus, clock, logger }: Omit<AppDeps, 'webhooksOnly'>) {
  const { db } = database;
  // platform
  const auth = createAuthService({ db, clock });
  bus.subscribe((event) => {
    if (/^(user|team|workspace|sessions)\./.test(event.type)) auth.forgetWorkspace(event.workspaceId);
  });
  const jobs = createJobQueue({ db, clock, bus, logger });
  // Login throttling keeps a row per account and address tried: forgotten rows go every quarter hour.
  jobs.every('auth.forget-login-attempts', 15 * 60_000, () => auth.forgetQuietLoginAttempts());
  const gateway = createGateway({
    bus,
    auth,
    clock,
    allowedOrigins: config.allowedOrigins,
    canSee: (principal, conversation) => canSeeConversation(viewerOf(principal), conversation),
    canReachContact: (principal, contact) => canReachContact(viewerOf(principal), contact),
  });
  const secrets = createServerSecrets(db);
  // workspace
  const workspace = createWorkspaceService({ db, bus, clock, auth });
  const invitations = createInvitationsService({ db, bus, clock, mailer: createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom }), publicUrl: config.publicUrl });
  // usage, channels
  const usage = createUsageService({ db, clock });
  const registry = createChannelRegistry(channelModules);
  const channels = createChannelsService({ db, bus, clock, registry, workspace, publicUrl: config.publicUrl });
  // contacts' identities (the contacts service itself waits for its ports below)
  const identity = createIdentityService();
  // conversations (the attachments port is the messages floor's, built first: it needs nothing above it)
  const store = createFileAttachmentStore(path.join(config.dataDir, 'attachments'));
  // Attachments and conversations need each other (deleting a conversation deletes its files; a sent
  // file is downloaded by whoever sees its conversation): the latter is looked up when a file is opened.
  const attachments = createAttachmentsService({
    db,
    clock,
    jobs,
    store,
    secrets,
    publicUrl: config.publicUrl,
    conversations: { requireVisible: (actor, conversationId) => conversations.requireVisible(actor, conversationId) },
  });
  const onlineSince = createOnlineSince({ bus, gateway, clock });
  const conversations = createConversationsService({ db, bus, clock, jobs, workspace, onlineSince, attachments });
  const dashboard = createDashboardService({ db, clock, workspace });
  // blocking: receive() screens each inbound message for spam, which may block its contact
  // Blocking stops the contact's workflows in its own transaction: the workflows service is built last, looked up when a block happens.
  const blocking = createBlockingService({
    db,
    bus,
    clock,
    workspace,
    conversations,
    workflows: { stopRunsOfContact: (tx, input) => workflows.stopRunsOfContact(tx, input) },
  });
  const spam = createSpamService({ db, bus, clock, jobs, usage, blocking, channels, conversations, workspace });
  // messages
  const savedReplies = createSavedRepliesService({ db, bus, clock });
  const templates = createTemplatesService({ db, bus, clock, channels });
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
    templates,
    workspace,
    usage,
    spam,
  });
  // contacts, with its ports to blocking and attachments
  const contacts = createContactsService({
    db,
    bus,
    clock,
    jobs,
    workspace,
    blocking,
    attachments,
    visibility: conversations,
    dataDir: config.dataDir,
    firstContactBy: (type) => registry.get(type)?.firstContact?.field,
  });
  // merging: moves identities, conversations and messages between contacts, above every domain it moves
  const merging = createMergingService({ db, bus, clock, jobs, workspace, contacts, conversations });
  // workflows: above every domain they act through; triggered by events after commit
  // Runs advance from their own rows (claimed with a lease), not through the job queue: a burst of runs neither waits behind nor holds up bulk jobs and deliveries.
  const workflows = createWorkflowsService({ db, bus, clock, logger, workspace, contacts, conversations, messages, isOnline: (userId) => gateway.isOnline(userId) });

  // the website chat's visitors: their history, conversation and files live on the floors above channels
  const webchat: WebchatPorts = {
    historyOf: (channel, identifier, query) => messages.historyOfIdentity(channel, identifier, query),
    conversationOf: (channel, identifier) => messages.conversationOfIdentity(channel, identifier),
    attachReceived: (channel, messageId, file) => messages.attachReceived(channel, messageId, file),
    linksOf: (workspaceId, messageId) => messages.linksOf(workspaceId, messageId),
    requireVisibleConversation: (actor, conversationId) => conversations.requireVisible(actor, conversationId),
  };

  return {
    auth,
    jobs,
    secrets,
    webchat,
    workspace,
    invitations,
    gateway,
    contacts,
    usage,
    channels,
    identity,
    conversations,
    dashboard,
    attachments,
    savedReplies,
    templates,
    messages,
    blocking,
    spam,
    merging,
    workflows,
  };
}

/** The whole app on one database and bus: the server, the webhook thread and the tests build it here. */
export async function buildApp(deps: AppDeps) {
  const { config, database, bus, clock } = deps;
  const services = createServices(deps);
  const { app, routes } = await createHttpApp({ config, logger: deps.logger, auth: services.auth });
  const context = { app, config, db: database.db, bus, clock, services: { ...services, inbound: services.messages } };

  registerHealthRoutes(app, database);
  if (deps.webhooksOnly) {
    registerWebhookRoutes(context);
    app.setNotFoundHandler((request, reply) => routeNotFound(reply, request.method, request.url.split('?')[0]!));
  } else {
    // The order of registration is the order of the OpenAPI document's paths.
    registerAuthRoutes(context);
    registerAccountRoutes(context);
    registerPlatformRoutes(context);
    registerWorkspaceRoutes(context);
    registerContactsRoutes(context);
    registerChannelRoutes(context);
    registerWebhookRoutes(context);
    registerWebchatRoutes(context);
    registerConversationRoutes(context);
    registerMessageRoutes(context);
    registerAttachmentRoutes(context);
    registerSavedReplyRoutes(context);
    if (config.demo) registerDemoApiSink(context);
    if (config.demo) registerDemoMetaSimulator(context);
    registerBlockingRoutes(context);
    registerUsageRoutes(context);
    registerTemplateRoutes(context);
    registerWindowRoutes(context);
    registerDashboardRoutes(context);
    registerInvitationRoutes(context);
    registerMergingRoutes(context);
    registerWorkflowRoutes(context);
    services.gateway.register(app);
    await serveWebApp(app, config.webDistDir);
    registerOpenApiRoute(app);
  }

  await app.ready();

  return {
    app,
    services,
    routes,
    async close() {
      services.gateway.close();
      services.workflows.close();
      await app.close();
      await services.jobs.stop();
      await services.workflows.stop();
      await services.workflows.settled();
    },
  };
}
