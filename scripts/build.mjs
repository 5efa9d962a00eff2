// Compiles the server to JavaScript in dist/ (`npm run build`), for a production start with no
// TypeScript loader: `node dist/src/main.js`. dist/ mirrors the project's layout, so the code
// finds its files beside it as it does in the source tree: compiled src/ and migrations/, and
// copies of config/, views/ and the contract (openapi/).
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, process.argv[2] ?? 'dist');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

rmSync(outDir, { recursive: true, force: true });
const compiled = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: root, stdio: 'inherit' });
if (compiled.status !== 0) {
  console.error('build failed: the TypeScript compiler reported errors');
  process.exit(1);
}
for (const folder of ['config', 'views', 'openapi']) cpSync(path.join(root, folder), path.join(outDir, folder), { recursive: true });
// The compiled files are ES modules wherever dist/ is copied to.
writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ type: 'module', private: true }, null, 2)}\n`);
console.log(`built ${path.relative(root, outDir)}/: start it with \`node ${path.relative(root, outDir)}/src/main.js\``);
