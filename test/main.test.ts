import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { runEntry, waitForOutput } from './support/spawn.ts';
import { freePort } from './support/test-app.ts';

describe('the server process', function () {
  this.timeout(60_000);
  let dataDir: string;
  beforeEach(() => { dataDir = mkdtempSync(path.join(os.tmpdir(), 'ringnity-proc-')); });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  const env = (extra: Record<string, string> = {}) => ({ NODE_ENV: 'test', LOG_LEVEL: 'info', DATA_DIR: dataDir, ...extra });

  for (const [name, value, message, extra] of [
    ['PORT', 'eighty', /PORT must be an integer/],
    ['ISSUER', 'not a url', /ISSUER must be an absolute http\(s\) URL/],
    ['LOG_LEVEL', 'chatty', /LOG_LEVEL must be one of/],
    ['TRUST_PROXY', 'maybe', /TRUST_PROXY must be true or false/],
    ['DATABASE_URL', 'mysql://x', /DATABASE_URL must be a postgres/],
    ['NODE_ENV', 'staging', /NODE_ENV must be one of/],
    ['DEMO', 'true', /DEMO must not be enabled when NODE_ENV=production/, { NODE_ENV: 'production' }],
  ] as Array<[string, string, RegExp, Record<string, string>?]>) {
    it(`refuses a bad ${name} with one line naming it and exit code 1`, async () => {
      const res = await runEntry('src/main.ts', [], env({ ...extra, [name]: value })).finished;
      expect(res.code).to.equal(1);
      // oidc-provider's own Node 20 runtime warning may precede it (README: Node 22 LTS recommended).
      const lines = res.stderr.trim().split('\n').filter((l) => !l.startsWith('oidc-provider WARNING: Unsupported runtime'));
      expect(lines).to.have.length(1);
      expect(res.stderr).to.match(message);
    });
  }

  it('refuses production mistakes (an http issuer, the embedded database) in one line naming both and exit code 1', async () => {
    const res = await runEntry('src/main.ts', [], env({ NODE_ENV: 'production', ISSUER: 'http://id.example.com' })).finished;
    expect(res.code).to.equal(1);
    const lines = res.stderr.trim().split('\n').filter((l) => !l.startsWith('oidc-provider WARNING: Unsupported runtime'));
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/ISSUER must be https when NODE_ENV=production .*ALLOW_INSECURE_ISSUER=true.*; DATABASE_URL must be set when NODE_ENV=production .*ALLOW_EMBEDDED_DATABASE=true/);
  });

  it('refuses to open an embedded database another process holds', async () => {
    const first = runEntry('src/main.ts', [], env({ PORT: String(await freePort()) }));
    try {
      await waitForOutput(first, '"listening"');
      const second = await runEntry('src/main.ts', [], env({ PORT: String(await freePort()) })).finished;
      expect(second.code).to.equal(1);
      expect(second.stderr).to.match(/is in use by process \d+/);
    } finally {
      first.kill('SIGTERM');
      await first.finished;
    }
  });

  it('finishes a request in flight on SIGTERM, then exits 0 and releases the database', async () => {
    const port = await freePort();
    const server = runEntry('src/main.ts', [], env({ PORT: String(port) }));
    await waitForOutput(server, '"listening"');

    // A request whose body is still arriving when the signal comes.
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const body = '{"x":1}';
    socket.write(`POST /api/sdk/health HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n{"x"`);
    const response = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (d) => { text += d; if (text.includes('\r\n\r\n')) resolve(text); });
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.kill('SIGTERM');
    await waitForOutput(server, 'shutting down');
    socket.write(':1}');
    expect(await response).to.match(/^HTTP\/1.1 405/);
    socket.destroy();
    const exit = await server.finished;
    expect(exit.code).to.equal(0);

    // The lock is gone: the database opens again.
    const again = runEntry('src/main.ts', [], env({ PORT: String(await freePort()) }));
    await waitForOutput(again, '"listening"');
    again.kill('SIGTERM');
    expect((await again.finished).code).to.equal(0);
  });
});
