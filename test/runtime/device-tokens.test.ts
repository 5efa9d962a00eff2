import { expect } from 'chai';
import { expectContract } from '../support/contract.ts';
import { useTestApp } from '../support/test-app.ts';

const fcm = (seed: string) => `${seed}:${'x'.repeat(150)}`;

describe('Runtime SDK: device push tokens', () => {
  const app = useTestApp();

  async function visitorSession(slug: string): Promise<string> {
    const res = await app.request('/api/sdk/session', { method: 'POST', json: { slug } });
    return res.body.data.sessionToken;
  }
  const call = (method: string, token: string, json: object) =>
    app.request('/api/sdk/devices/push-token', { method, headers: { 'x-ringnity-sdk-session': token }, json });
  const rowsOf = (tenantId: string) => app.deps.db('device_push_tokens').where({ tenant_id: tenantId }).orderBy('created_at');

  it('registers a token, and re-registering the device refreshes it in place', async () => {
    const tenant = await app.seed.tenant();
    const session = await visitorSession(tenant.slug);
    const first = await call('POST', session, { platform: 'android', token: fcm('one'), deviceId: 'phone-1', appId: 'com.shop.app' });
    expect(first.status, first.text).to.equal(201);
    expectContract(first, 'registerDevicePushToken');
    expect(first.body.data.device).to.include({ clientId: tenant.id, provider: 'fcm', audience: 'visitor', callMode: 'basic', enabled: true, deviceId: 'phone-1' });

    const refreshed = await call('POST', session, { platform: 'android', token: fcm('two'), deviceId: 'phone-1' });
    expect(refreshed.body.data.device.id).to.equal(first.body.data.device.id);
    expect(Date.parse(refreshed.body.data.device.lastSeenAt)).to.be.at.least(Date.parse(first.body.data.device.lastSeenAt));
    const rows = await rowsOf(tenant.id);
    expect(rows.map((r) => r.token)).to.deep.equal([fcm('two')]);
  });

  it('moves a token to its new owner and device instead of keeping two rows', async () => {
    const tenant = await app.seed.tenant();
    const [alice, bob] = [await visitorSession(tenant.slug), await visitorSession(tenant.slug)];
    await call('POST', alice, { platform: 'ios', provider: 'apns', token: 'AB'.repeat(32), deviceId: 'ipad' });
    const moved = await call('POST', bob, { platform: 'ios', provider: 'apns', token: 'ab'.repeat(32), deviceId: 'ipad-2' });
    expect(moved.status).to.equal(201);
    const rows = await rowsOf(tenant.id);
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ token: 'ab'.repeat(32), device_id: 'ipad-2' });
    expect(rows[0].owner_id).to.not.equal(null);
  });

  it('keeps one row under concurrent registrations of the same token', async () => {
    const tenant = await app.seed.tenant();
    const session = await visitorSession(tenant.slug);
    const results = await Promise.all(Array.from({ length: 6 }, () => call('POST', session, { platform: 'android', token: fcm('race') })));
    expect(results.map((r) => r.status)).to.deep.equal(Array(6).fill(201));
    expect(await rowsOf(tenant.id)).to.have.length(1);
  });

  it('refuses malformed tokens and an audience the session is not', async () => {
    const tenant = await app.seed.tenant();
    const session = await visitorSession(tenant.slug);
    for (const [body, code] of [
      [{ platform: 'android', token: 'short' }, 'SDK_DEVICE_TOKEN_INVALID'],
      [{ platform: 'ios', provider: 'apns', token: 'not-hex'.repeat(10) }, 'SDK_DEVICE_TOKEN_INVALID'],
      [{ platform: 'android', token: fcm('a'), audience: 'agent' }, 'VALIDATION_FAILED'],
      [{ platform: 'android', token: fcm('a'), agentId: crypto.randomUUID() }, 'VALIDATION_FAILED'],
    ] as const) {
      const res = await call('POST', session, body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.code).to.equal(code);
      expectContract(res, 'registerDevicePushToken');
    }
    expect(await rowsOf(tenant.id)).to.have.length(0);
  });

  it('unregisters by token or by the caller\'s device, idempotently', async () => {
    const tenant = await app.seed.tenant();
    const [mine, theirs] = [await visitorSession(tenant.slug), await visitorSession(tenant.slug)];
    await call('POST', mine, { platform: 'android', token: fcm('mine'), deviceId: 'd1' });
    await call('POST', theirs, { platform: 'android', token: fcm('theirs'), deviceId: 'd1-other' });

    const byDevice = await call('DELETE', mine, { deviceId: 'd1' });
    expect(byDevice.status).to.equal(200);
    expectContract(byDevice, 'unregisterDevicePushToken');
    expect(byDevice.body.data.disabled).to.equal(1);
    expect((await call('DELETE', mine, { deviceId: 'd1' })).body.data.disabled).to.equal(0);
    // Another visitor's device id is not the caller's to switch off.
    expect((await call('DELETE', mine, { deviceId: 'd1-other' })).body.data.disabled).to.equal(0);
    expect((await call('DELETE', mine, { token: fcm('theirs') })).body.data.disabled).to.equal(1);
    expect((await rowsOf(tenant.id)).map((r) => r.enabled)).to.deep.equal([false, false]);
    expect((await call('DELETE', mine, {})).status).to.equal(400);
  });
});
