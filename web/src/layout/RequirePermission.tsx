import type { ReactNode } from 'react';
import { type Action, may } from '../session/permissions.js';
import { useSession } from '../session/session.js';
import { NotAllowed } from './NotAllowed.js';

export function RequirePermission({ action, children }: { action: Action; children: ReactNode }) {
  const { user } = useSession();
  return may(user.role, action) ? children : <NotAllowed />;
}
