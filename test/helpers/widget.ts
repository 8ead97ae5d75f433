import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Builds the website chat's widget as `npm run build` does (widget/dist/widget.js), for the tests that load it. */
export async function buildWidget() {
  const esbuild = await import('esbuild');
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  await esbuild.build({
    entryPoints: [path.join(root, 'widget', 'src', 'widget.ts')],
    outfile: path.join(root, 'widget', 'dist', 'widget.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020', 'safari15'],
    legalComments: 'none',
    logLevel: 'warning',
  });
}
