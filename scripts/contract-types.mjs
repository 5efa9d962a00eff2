// Generates src/contract/openapi-types.ts from openapi/openapi.yaml with openapi-typescript.
// `--check` generates into a temporary file instead and exits 1 when the committed file differs,
// so the types can't drift from the contract. Both modes share the options below.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONTRACT = 'openapi/openapi.yaml';
const TARGET = 'src/contract/openapi-types.ts';
// A `default` does not make a field present: request bodies are validated, not filled in.
const OPTIONS = ['--default-non-nullable', 'false'];

const require = createRequire(import.meta.url);
const pkgFile = require.resolve('openapi-typescript/package.json');
const cli = path.join(path.dirname(pkgFile), JSON.parse(readFileSync(pkgFile, 'utf8')).bin['openapi-typescript']);

function generate(output) {
  const run = spawnSync(process.execPath, [cli, CONTRACT, ...OPTIONS, '--output', output], { cwd: root, encoding: 'utf8' });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    console.error(`openapi-typescript failed on ${CONTRACT}`);
    process.exit(1);
  }
}

if (process.argv.includes('--check')) {
  const dir = mkdtempSync(path.join(tmpdir(), 'contract-types-'));
  try {
    const fresh = path.join(dir, 'openapi-types.ts');
    generate(fresh);
    const committed = path.join(root, TARGET);
    if (!existsSync(committed) || readFileSync(committed, 'utf8') !== readFileSync(fresh, 'utf8')) {
      console.error(`${TARGET} is out of date with ${CONTRACT}: run \`npm run contract:types\` and commit the result.`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} else {
  generate(path.join(root, TARGET));
  console.log(`${TARGET} generated from ${CONTRACT}`);
}
