import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { projectRoot } from '../../src/config.ts';
import { waitForOutput } from '../support/spawn.ts';
import { freePort } from '../support/test-app.ts';

describe('the production build', function () {
  this.timeout(180_000);
  // Inside the project, so the compiled code resolves node_modules as dist/ does.
  const outDir = path.join('.tmp', `build-test-${process.pid}`);
  let dataDir: string;
  before(() => { dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringnity-build-')); });
  after(() => {
    rmSync(path.join(projectRoot, outDir), { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('compiles to JavaScript that starts in production mode without a TypeScript loader and answers /readyz', async () => {
    const build = spawnSync(process.execPath, ['scripts/build.mjs', outDir], { cwd: projectRoot, encoding: 'utf8' });
    expect(build.status, build.stdout + build.stderr).to.equal(0);
    for (const file of ['src/main.js', 'src/cli.js', 'migrations/001-app-secrets.js', 'views/login.ejs', 'openapi/openapi.yaml', 'config/production.json']) {
      expect(existsSync(path.join(projectRoot, outDir, file)), file).to.equal(true);
    }

    const port = await freePort();
    // Plain node, started away from the project folder: nothing may be found relative to the working directory.
    const server = spawn(process.execPath, [path.join(projectRoot, outDir, 'src', 'main.js')], {
      cwd: dataDir,
      env: {
        PATH: process.env.PATH, NODE_ENV: 'production', PORT: String(port), ISSUER: `http://localhost:${port}`,
        DATA_DIR: dataDir, ALLOW_EMBEDDED_DATABASE: 'true', LOG_LEVEL: 'info',
      },
    });
    try {
      await waitForOutput(server, '"listening"', 60_000);
      const ready = await fetch(`http://localhost:${port}/readyz`);
      expect(ready.status).to.equal(200);
      expect(await ready.json()).to.deep.equal({ status: 'ok', checks: { database: 'ok', migrations: 'ok', signingKeys: 'ok' } });
      const login = await fetch(`http://localhost:${port}/oauth/authorize?client_id=unknown&response_type=code&scope=openid`, { headers: { accept: 'text/html' } });
      expect(login.status, 'the provider renders its error page from the compiled views').to.equal(400);
      expect(await login.text()).to.match(/<html/i);
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('close', resolve));
    }
  });
});
