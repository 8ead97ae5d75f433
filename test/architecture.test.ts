import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The house is one-way (README, Layout): `platform/` imports no domain, and the folders of `src/`
 * form a graph without cycles. Files at the top of `src/` (the composition root, the process
 * entry) may import anything; nothing imports them but each other.
 */
const SRC = path.resolve(import.meta.dirname, '../src');

type Edge = { from: string; to: string; file: string; specifier: string };

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** Every module specifier a file names: static imports and re-exports (type-only ones included) and dynamic imports. */
export function specifiersOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

/** The folder of `src/` a file belongs to; files at the top of `src/` are the root ('.'). */
function floorOf(file: string): string {
  const relative = path.relative(SRC, file).split(path.sep);
  return relative.length === 1 ? '.' : relative[0]!;
}

function edges(): Edge[] {
  const result: Edge[] = [];
  for (const file of sourceFiles(SRC)) {
    for (const specifier of specifiersOf(fs.readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) continue;
      const target = path.resolve(path.dirname(file), specifier);
      if (!target.startsWith(SRC + path.sep)) continue;
      const from = floorOf(file);
      const to = floorOf(target);
      if (from !== to) result.push({ from, to, file: path.relative(SRC, file), specifier });
    }
  }
  return result;
}

const describeEdges = (list: Edge[]) => list.map((edge) => `${edge.file} imports ${edge.specifier}`).sort();

describe('the import graph of src/', () => {
  const all = edges();

  it('finds the imports it checks (the reader is not blind)', () => {
    expect(specifiersOf(`import type { A } from '../a.js';\nexport { b } from "./b.js";\nimport './c.js';\nawait import('../d.js');`)).toEqual([
      '../a.js',
      './b.js',
      './c.js',
      '../d.js',
    ]);
    expect(all.length).toBeGreaterThan(20);
  });

  it('platform/ imports no domain folder, not even a type', () => {
    expect(describeEdges(all.filter((edge) => edge.from === 'platform' && edge.to !== 'platform'))).toEqual([]);
  });

  it('nothing below the composition root imports it', () => {
    expect(describeEdges(all.filter((edge) => edge.to === '.' && edge.from !== '.'))).toEqual([]);
  });

  it('no two folders import each other, directly or around a cycle', () => {
    const graph = new Map<string, Set<string>>();
    for (const edge of all) {
      if (edge.from === '.' || edge.to === '.') continue;
      if (!graph.has(edge.from)) graph.set(edge.from, new Set());
      graph.get(edge.from)!.add(edge.to);
    }
    const reaches = (from: string, to: string, seen = new Set<string>()): boolean => {
      if (from === to) return true;
      if (seen.has(from)) return false;
      seen.add(from);
      return [...(graph.get(from) ?? [])].some((next) => reaches(next, to, seen));
    };
    // An edge is wrong when its target leads back to its source.
    const backwards = all.filter((edge) => edge.from !== '.' && edge.to !== '.' && reaches(edge.to, edge.from));
    expect(describeEdges(backwards)).toEqual([]);
  });
});
