import { expect } from 'chai';
import http from 'node:http';
import { guardedPost } from '../../src/net/guarded-client.ts';
import { addressRefusal, guardedAgent, isGuardRefusal, parseAllowList, urlTargetRefusal } from '../../src/net/ssrf-guard.ts';
import { startSiblingApp, type SiblingApp } from '../support/sibling-app.ts';
import { useTestApp } from '../support/test-app.ts';
import { startReceiver, type Receiver } from '../support/webhook-receiver.ts';

describe('SSRF guard', () => {
  it('refuses every kind of non-public address, IPv4 and IPv6, and lets public ones through', () => {
    for (const address of [
      '127.0.0.1', '127.8.9.10', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '224.0.0.1', '255.255.255.255', '198.18.0.1', '::1', '::', 'fe80::1', 'fc00::1', 'fd12:3456::1', 'ff02::1',
      '::ffff:127.0.0.1', '::ffff:10.0.0.1', '2001:db8::1',
    ]) {
      expect(addressRefusal(address, []), address).to.be.a('string');
    }
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:4700:4700::1111']) {
      expect(addressRefusal(address, []), address).to.equal(undefined);
    }
  });

  it('lets through only what the allow-list names, by address or range', () => {
    const { entries, problems } = parseAllowList('127.0.0.1, 10.1.0.0/16, [::1], fd00::/8');
    expect(problems).to.deep.equal([]);
    expect(addressRefusal('127.0.0.1', entries)).to.equal(undefined);
    expect(addressRefusal('127.0.0.2', entries)).to.be.a('string');
    expect(addressRefusal('10.1.200.3', entries)).to.equal(undefined);
    expect(addressRefusal('10.2.0.1', entries)).to.be.a('string');
    expect(addressRefusal('::1', entries)).to.equal(undefined);
    expect(addressRefusal('fd00::5', entries)).to.equal(undefined);
    expect(addressRefusal('169.254.169.254', entries)).to.be.a('string');
  });

  it('refuses host names in the allow-list (a name can be re-pointed)', () => {
    expect(parseAllowList('localhost,10.0.0.0/33').problems).to.have.length(2);
  });

  it('resolves host names when a URL is saved: localhost is loopback', async () => {
    expect(await urlTargetRefusal(new URL('http://localhost:1/x'), [])).to.match(/localhost resolves to .*loopback/);
    expect(await urlTargetRefusal(new URL('http://localhost:1/x'), parseAllowList('127.0.0.1,::1').entries)).to.equal(undefined);
  });

  describe('at connect time', () => {
    let r: Receiver;
    before(async () => { r = await startReceiver(); });
    after(() => r.close());
    const post = (url: string, allowPrivate: string[]) =>
      guardedPost(url, { headers: {}, body: '{}', timeoutMs: 2000, maxResponseBytes: 100, allowPrivate });

    it('refuses a loopback receiver, by address or by name, without sending anything', async () => {
      const port = new URL(r.url).port;
      for (const url of [r.url, `http://localhost:${port}/hooks`]) {
        const result = await post(url, []);
        expect(result, url).to.include({ kind: 'error', refused: true });
      }
      expect(r.requests).to.have.length(0);
    });

    it('refuses the socket itself (request-filtering-agent), whatever the caller checked before', async () => {
      const { port } = new URL(r.url);
      const attempt = (allow: string[]) => new Promise<Error | number>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port, path: '/', method: 'POST', agent: guardedAgent('http:', '127.0.0.1', allow) });
        req.on('error', resolve);
        req.on('response', (res) => { res.resume(); resolve(res.statusCode!); });
        req.end();
      });
      const refused = await attempt([]);
      expect(refused).to.be.instanceOf(Error);
      expect(isGuardRefusal(refused as Error)).to.equal(true);
      expect(r.requests).to.have.length(0);
      expect(await attempt(['127.0.0.1'])).to.equal(200);
      r.requests.length = 0;
    });

    it('reaches it when the allow-list names it', async () => {
      const result = await post(r.url, ['127.0.0.1']);
      expect(result).to.include({ kind: 'response', status: 200 });
      expect(r.requests).to.have.length(1);
    });
  });

  describe('when a webhook is saved, without an allow-list', () => {
    const app = useTestApp();
    let strict: SiblingApp;
    before(async () => { strict = await startSiblingApp(app, { WEBHOOK_ALLOWED_PRIVATE_HOSTS: '' }); });
    after(() => strict.stop());

    it('refuses loopback, private, link-local and IPv6 loopback receivers, and names resolving to them', async () => {
      const tenant = await app.seed.tenant();
      const key = await app.seed.serverKey(tenant.id, ['server:webhook:write']);
      for (const url of [
        'http://127.0.0.1:8080/x', 'http://10.0.0.1/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/x',
        'http://localhost:8080/x', 'http://[::ffff:127.0.0.1]/x', 'http://2130706433/x', 'http://0.0.0.0/x',
      ]) {
        const res = await strict.request('/api/server/webhooks', {
          method: 'POST', headers: { authorization: `Bearer ${key.secret}` }, json: { url, events: ['contact.created'] },
        });
        expect(res.status, url).to.equal(400);
        expect(res.body.code, url).to.equal('SERVER_WEBHOOK_VALIDATION_FAILED');
        expect(res.body.details.join(), url).to.match(/not reachable from here/);
      }
    });
  });
});
