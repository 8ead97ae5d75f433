import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Builds the website chat's widget (widget/dist/widget.js) as `npm run build` does, for the tests that load it. */
export async function buildWidget() {
  await promisify(execFile)(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--widget'], { cwd: root });
}
