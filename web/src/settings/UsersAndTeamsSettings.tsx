import { TeamsSection } from './TeamsSection.js';
import { UsersSection } from './UsersSection.js';

export function UsersAndTeamsSettings() {
  return (
    <div className="stack">
      <UsersSection />
      <TeamsSection />
    </div>
  );
}
