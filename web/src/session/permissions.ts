import { type Action, grantOf, type Role } from '../../../src/platform/auth/permissions.js';

/** The server's SPEC §1 matrix, shared so the UI offers only what the API allows. */
export { type Action, canManageUser, roles, type Role } from '../../../src/platform/auth/permissions.js';

export const may = (role: Role, action: Action) => grantOf(role, action) === 'allow';
