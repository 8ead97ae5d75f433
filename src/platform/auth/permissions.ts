import { forbidden } from '../errors.js';

export const roles = ['owner', 'manager', 'agent'] as const;
export type Role = (typeof roles)[number];

export type Action =
  | 'inbox.use'
  | 'inbox.block'
  | 'contacts.module'
  | 'contacts.removeChannel'
  | 'contacts.delete'
  | 'conversations.delete'
  | 'contacts.merge'
  | 'workspace.manage'
  | 'users.resetPassword'
  | 'usage.view'
  | 'dashboard.view';

/** `setting` means allowed only when a workspace setting (and the rule named there) allows it. */
export type Grant = 'allow' | 'deny' | 'setting';

/** SPEC §1, row by row. */
export const permissionMatrix: Record<Action, Record<Role, Grant>> = {
  'inbox.use': { owner: 'allow', manager: 'allow', agent: 'allow' },
  'inbox.block': { owner: 'allow', manager: 'allow', agent: 'allow' },
  'contacts.module': { owner: 'allow', manager: 'allow', agent: 'deny' },
  'contacts.removeChannel': { owner: 'allow', manager: 'allow', agent: 'deny' },
  'contacts.delete': { owner: 'allow', manager: 'allow', agent: 'setting' },
  'conversations.delete': { owner: 'allow', manager: 'allow', agent: 'setting' },
  'contacts.merge': { owner: 'allow', manager: 'allow', agent: 'setting' },
  'workspace.manage': { owner: 'allow', manager: 'allow', agent: 'deny' },
  'users.resetPassword': { owner: 'allow', manager: 'deny', agent: 'deny' },
  'usage.view': { owner: 'allow', manager: 'deny', agent: 'deny' },
  // The team's figures (issue 19): for those who run the team.
  'dashboard.view': { owner: 'allow', manager: 'allow', agent: 'deny' },
};

export const grantOf = (role: Role, action: Action): Grant => permissionMatrix[action][role];

/** Throws 403 unless the role may do the action outright. Conditional grants are checked by their domain. */
export function assertAllowed(role: Role, action: Action): void {
  if (grantOf(role, action) !== 'allow') {
    throw forbidden('forbidden', `Your role (${role}) may not do this (${action})`);
  }
}

/** Managers manage users, but never owners: they cannot create, change or remove one. */
export function canManageUser(actorRole: Role, targetRole: Role): boolean {
  if (actorRole === 'owner') return true;
  if (actorRole === 'manager') return targetRole !== 'owner';
  return false;
}

/**
 * Who is acting: every service call carries it, and every query is scoped by its workspace.
 * `loaded` is what authentication already read (workspace settings, team ids), so services need
 * not read it again within the request.
 */
export type Actor = {
  userId: string;
  workspaceId: string;
  role: Role;
  loaded?: {
    user: { id: string; email: string; name: string; role: Role; language: string | null; createdAt: Date };
    workspace: { id: string; name: string; settings: Record<string, unknown> };
    teamIds: string[];
  };
};
