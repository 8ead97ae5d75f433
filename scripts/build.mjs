// Builds the web app into web/dist when it is missing or older than its sources, or always with --force.
// Runs on `npm install` (prepare) and before `npm start`, so a fresh clone serves a current web app.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'web');
const builtIndex = path.join(web, 'dist', 'index.html');

function newestSource(directory) {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const full = path.join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const force = process.argv.includes('--force');
if (!force && existsSync(builtIndex) && statSync(builtIndex).mtimeMs >= newestSource(web)) process.exit(0);

let vite;
try {
  vite = await import('vite');
} catch {
  console.error('Cannot build the web app: vite is not installed. Run `npm install` with dev dependencies, or ship a built web/dist.');
  process.exit(1);
}
await vite.build({ configFile: path.join(web, 'vite.config.ts'), logLevel: 'warn' });
console.log('Built the web app into web/dist');
