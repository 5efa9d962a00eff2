import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const SRC = path.join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sourceFiles(full);
    return /\.(ts|mjs)$/.test(entry.name) ? [full] : [];
  });
}

/** Every relative module a file imports or re-exports, resolved to an absolute path. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g)]
    .map((m) => path.resolve(path.dirname(file), m[1]));
}

/** `src/accounts/account-table.ts` → `src/accounts`; undefined for anything not a table module. */
const tableOwner = (target: string) =>
  target.startsWith(SRC + path.sep) && /-table\.ts$/.test(target) ? path.dirname(target) : undefined;

describe('architecture', () => {
  const files = ['src', 'test', 'bench', 'scripts'].flatMap((d) => sourceFiles(path.join(ROOT, d)));

  it('finds the table modules it guards (the scan itself works)', () => {
    const imported = files.flatMap(importsOf).filter((t) => tableOwner(t));
    expect(imported.map((t) => path.relative(ROOT, t))).to.include('src/accounts/account-table.ts');
  });

  it('lets only the folder that owns a table import its table module', () => {
    const foreign = files.flatMap((file) => importsOf(file)
      .filter((target) => {
        const owner = tableOwner(target);
        return owner && path.dirname(file) !== owner && !path.dirname(file).startsWith(owner + path.sep);
      })
      .map((target) => `${path.relative(ROOT, file)} → ${path.relative(ROOT, target)}`));
    expect(foreign, 'import the folder\'s service module instead').to.deep.equal([]);
  });
});
