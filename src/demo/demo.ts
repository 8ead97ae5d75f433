import type { ContactsService } from '../contacts/contacts.service.js';
import type { Role } from '../platform/auth/permissions.js';
import { seedDemoContacts } from './contacts.demo.js';
import { type DemoInboxServices, seedInboxDemo } from './inbox.demo.js';
import { type DemoWhatsAppServices, seedWhatsAppDemo } from './whatsapp.demo.js';

export const DEMO_PASSWORD = 'switchboard-demo';

const people: Array<{ name: string; email: string; role: Role }> = [
  { name: 'Olivia Owner', email: 'owner@demo.switchboard.local', role: 'owner' },
  { name: 'Max Müller', email: 'max@demo.switchboard.local', role: 'manager' },
  { name: 'Camille Martin', email: 'camille@demo.switchboard.local', role: 'manager' },
  { name: 'Aiko Tanaka', email: 'aiko@demo.switchboard.local', role: 'agent' },
  { name: 'Jonas Schmidt', email: 'jonas@demo.switchboard.local', role: 'agent' },
  { name: 'Léa Dubois', email: 'lea@demo.switchboard.local', role: 'agent' },
  { name: 'Ravi Patel', email: 'ravi@demo.switchboard.local', role: 'agent' },
];

/**
 * A living workspace for newcomers: users of each role and teams. Later modules add their demo
 * data here. `publicUrl`: where the server answers, for the demo integration behind its API channel.
 */
export async function seedDemo(services: DemoInboxServices & DemoWhatsAppServices & { contacts: ContactsService }, options: { publicUrl: string }) {
  const { workspace } = services;
  const [owner, ...others] = people;
  const created = await workspace.createWorkspaceWithOwner({
    workspaceName: 'Demo Company',
    email: owner!.email,
    password: DEMO_PASSWORD,
    name: owner!.name,
  });
  const actor = { userId: created.owner.id, workspaceId: created.workspace.id, role: 'owner' as const };
  const ids: Record<string, string> = { [owner!.email]: created.owner.id };
  for (const person of others) {
    const user = await workspace.createUser(actor, { ...person, password: DEMO_PASSWORD });
    ids[person.email] = user.id;
  }
  const id = (name: string) => ids[`${name}@demo.switchboard.local`]!;
  await workspace.createTeam(actor, { name: 'Support', memberIds: [id('aiko'), id('jonas'), id('max')] });
  await workspace.createTeam(actor, { name: 'Sales', memberIds: [id('lea'), id('ravi'), id('camille')] });
  await workspace.createTeam(actor, { name: 'Billing', memberIds: [id('jonas'), id('lea')] });
  await seedDemoContacts(services.contacts, actor, { count: 300, assigneeIds: Object.values(ids) });
  // The demo's API integration and WhatsApp simulator are this server, at PUBLIC_URL: usually a
  // private address, allowed as the workspace's own.
  await workspace.updateWorkspace(actor, { settings: { allowedPrivateHosts: [new URL(options.publicUrl).host] } });
  await seedInboxDemo(services, actor, options.publicUrl);
  await seedWhatsAppDemo(services, actor, options.publicUrl);
  return { workspaceId: created.workspace.id, actor, ownerEmail: owner!.email, password: DEMO_PASSWORD };
}
