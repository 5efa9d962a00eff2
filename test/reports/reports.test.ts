import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { operatorIn } from '../../src/audit/actor.ts';
import { runCli } from '../../src/cli.ts';
import { findTenantBySlug, setTenantTimezone } from '../../src/tenants/tenants.ts';
import { expectContract } from '../support/contract.ts';
import { startSiblingApp } from '../support/sibling-app.ts';
import { useTestApp } from '../support/test-app.ts';
import { adminSdk, adminTokenOf, historyOf, serverReports, zonedTenant } from './report-support.ts';

type Point = { date: string; [k: string]: number | string };
const custom = (startDate: string, endDate: string, extra: Record<string, string> = {}) => ({ period: 'custom', startDate, endDate, ...extra });
const byDate = (points: Point[], key: string) => Object.fromEntries(points.map((p) => [p.date, p[key]]));
const total = (points: Point[], key: string) => points.reduce((n, p) => n + Number(p[key]), 0);

describe('Reports', () => {
  const app = useTestApp();

  describe('days in the tenant\'s zone', () => {
    it('buckets America/New_York across the November DST change, midnight by midnight', async () => {
      const tenant = await zonedTenant(app, 'America/New_York');
      const h = historyOf(app, tenant.id);
      for (const at of [
        '2024-11-02T23:59:30-04:00', // Saturday, a few seconds before midnight (EDT)
        '2024-11-03T00:00:30-04:00', // Sunday, just after midnight
        '2024-11-03T01:30:00-04:00', // 01:30 the first time (EDT)
        '2024-11-03T01:30:00-05:00', // 01:30 again, an hour later (EST)
        '2024-11-03T23:59:00-05:00', // the end of the 25-hour Sunday
        '2024-11-04T00:00:10-05:00', // Monday
      ]) await h.conversation(new Date(at).toISOString());
      const get = await serverReports(app, tenant.id);
      const res = await get('timeseries', custom('2024-11-02', '2024-11-04'));
      expect(res.status, res.text).to.equal(200);
      expectContract(res, 'getServerReportTimeseries');
      expect(res.body.data.period).to.deep.equal({ type: 'custom', start: '2024-11-02T04:00:00.000Z', end: '2024-11-05T05:00:00.000Z' });
      expect(byDate(res.body.data.timeseries, 'conversations')).to.deep.equal({ '2024-11-02': 1, '2024-11-03': 4, '2024-11-04': 1 });
    });

    it('buckets Asia/Kolkata on its half-hour offset', async () => {
      const tenant = await zonedTenant(app, 'Asia/Kolkata');
      const h = historyOf(app, tenant.id);
      await h.conversation('2024-03-10T18:29:59Z'); // 23:59:59 IST, March 10
      await h.conversation('2024-03-10T18:30:00Z'); // 00:00:00 IST, March 11
      await h.conversation('2024-03-09T18:29:59Z'); // March 9: outside
      const res = await (await serverReports(app, tenant.id))('timeseries', custom('2024-03-10', '2024-03-11'));
      expect(res.body.data.period).to.include({ start: '2024-03-09T18:30:00.000Z', end: '2024-03-11T18:30:00.000Z' });
      expect(byDate(res.body.data.timeseries, 'conversations')).to.deep.equal({ '2024-03-10': 1, '2024-03-11': 1 });
    });

    it('buckets UTC at UTC midnight, with a point for every day, zero days included', async () => {
      const tenant = await zonedTenant(app, 'UTC');
      const h = historyOf(app, tenant.id);
      await h.conversation('2024-06-01T23:59:59.999Z');
      await h.conversation('2024-06-04T00:00:00Z');
      const res = await (await serverReports(app, tenant.id))('timeseries', custom('2024-06-01', '2024-06-05'));
      expect(byDate(res.body.data.timeseries, 'conversations')).to.deep.equal({
        '2024-06-01': 1, '2024-06-02': 0, '2024-06-03': 0, '2024-06-04': 1, '2024-06-05': 0,
      });
      for (const point of res.body.data.timeseries) expect(point).to.include({ callsTotal: 0, messages: 0, conversationsResolved: 0 });
    });

    it('takes date-times as exact half-open instants', async () => {
      const tenant = await zonedTenant(app, 'UTC');
      const h = historyOf(app, tenant.id);
      await h.conversation('2024-06-01T10:00:00Z');
      await h.conversation('2024-06-01T12:00:00Z');
      const res = await (await serverReports(app, tenant.id))('summary', custom('2024-06-01T10:00:00Z', '2024-06-01T12:00:00Z'));
      expect(res.body.data.period).to.include({ start: '2024-06-01T10:00:00.000Z', end: '2024-06-01T12:00:00.000Z' });
      expect(res.body.data.summary.totalConversations).to.equal(1);
    });

    it('computes today, 7days and 30days from local midnight in the tenant\'s zone', async () => {
      const tenant = await zonedTenant(app, 'Asia/Kolkata');
      const get = await serverReports(app, tenant.id);
      const localTime = (iso: string) => new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Kolkata', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
      for (const [period, days] of [['today', 1], ['7days', 7], ['30days', 30]] as const) {
        const res = await get('timeseries', { period });
        expect(res.status, res.text).to.equal(200);
        const { start, end } = res.body.data.period;
        expect([localTime(start), localTime(end)]).to.deep.equal(['00:00', '00:00']);
        expect(Date.parse(end) - Date.parse(start)).to.equal(days * 86_400_000);
        expect(res.body.data.timeseries).to.have.length(days);
        expect(Date.parse(start)).to.be.at.most(Date.now()).and.to.be.below(Date.parse(end));
      }
    });
  });

  describe('definitions', () => {
    /** A day of known history in UTC: June 1 and 2 are the period; June 3 is after it. */
    async function knownHistory() {
      const tenant = await zonedTenant(app, 'UTC');
      const ana = await app.seed.account(tenant.id, { role: 'agent' });
      const ben = await app.seed.account(tenant.id, { role: 'agent' });
      const h = historyOf(app, tenant.id);
      const c1 = await h.conversation('2024-06-01T09:00:00Z');
      const c2 = await h.conversation('2024-06-01T10:00:00Z');
      const c3 = await h.conversation('2024-06-02T11:00:00Z');
      const before = await h.conversation('2024-05-31T12:00:00Z');
      await h.fact(c1, 'assigned', '2024-06-01T09:05:00Z', { agentId: ana.id });
      await h.fact(c2, 'assigned', '2024-06-01T10:05:00Z', { agentId: ana.id });
      await h.fact(c3, 'assigned', '2024-06-02T11:05:00Z', { agentId: ben.id });
      // c1: resolved in the period, reopened after it. c2: resolved, reopened and resolved again in it.
      await h.fact(c1, 'resolved', '2024-06-01T09:30:00Z', { agentId: ana.id, value: 1800 });
      await h.fact(c1, 'reopened', '2024-06-03T08:00:00Z');
      await h.fact(c2, 'resolved', '2024-06-01T10:30:00Z', { agentId: ana.id, value: 1800 });
      await h.fact(c2, 'reopened', '2024-06-02T08:00:00Z');
      await h.fact(c2, 'resolved', '2024-06-02T09:00:00Z', { agentId: ana.id, value: 82800 });
      // Created before the period, resolved in it: a resolution of the period, not one of its conversations.
      await h.fact(before, 'resolved', '2024-06-02T12:00:00Z', { agentId: ben.id, value: 86400 });
      for (const [sender, at] of [['visitor', '2024-06-01T09:01:00Z'], ['visitor', '2024-06-01T09:02:00Z'], ['agent', '2024-06-01T09:10:00Z'],
        ['system', '2024-06-02T00:00:00Z'], ['visitor', '2024-06-02T11:01:00Z'], ['agent', '2024-06-02T11:10:00Z']] as const) {
        await h.message(c1, sender, at, sender === 'agent' ? ana.id : undefined);
      }
      await h.message(c1, 'visitor', '2024-06-03T00:00:00Z'); // after the period
      await h.rating(c1, 5, '2024-06-01T09:31:00Z', ana.id);
      await h.rating(c2, 3, '2024-06-01T10:31:00Z', ana.id);
      await h.rating(c3, 4, '2024-06-02T11:31:00Z');
      await h.call(c1, { startedAt: '2024-06-01T09:20:00Z', answeredBy: ana.id, answeredAfter: 10, lasting: 60 });
      await h.call(c2, { startedAt: '2024-06-01T10:20:00Z', answeredBy: ben.id, answeredAfter: 5, lasting: 30 });
      await h.call(c2, { startedAt: '2024-06-02T10:40:00Z', status: 'missed' });
      // Rang out long ago but no sweep marked it yet: missed all the same.
      await h.call(c3, { startedAt: '2024-06-02T11:20:00Z', status: 'started' });
      await h.call(c3, { startedAt: '2024-06-02T11:40:00Z', direction: 'outbound', startedBy: ana.id, answeredBy: crypto.randomUUID(), answeredAfter: 3, lasting: 120 });
      // Ringing now: the queue, whatever the period.
      await h.call(before, { startedAt: new Date().toISOString(), status: 'started', ringDeadline: new Date(Date.now() + 60_000).toISOString() });
      return { tenant, ana, ben, c1, c2, c3 };
    }

    it('counts calls, chat and satisfaction from what was recorded, the flat fields equal to the nested ones', async () => {
      const { tenant } = await knownHistory();
      const res = await (await serverReports(app, tenant.id))('summary', custom('2024-06-01', '2024-06-02'));
      expect(res.status, res.text).to.equal(200);
      expectContract(res, 'getServerReportSummary');
      const { summary } = res.body.data;
      expect(summary.calls).to.deep.equal({
        totalIncoming: 4, totalAnswered: 2, totalMissed: 2, answerRate: 50, avgDurationSeconds: 70, totalHandled: 3, currentQueueCount: 1,
      });
      expect(summary.chat).to.deep.equal({
        totalConversations: 3, openConversations: 1, pendingConversations: 0, resolvedConversations: 3, closedConversations: 2,
        totalMessages: 6, agentMessages: 2, visitorMessages: 3, conversationResolutionRate: 67,
      });
      expect(summary.satisfaction).to.deep.equal({ avgRatingScore: 4, totalRatings: 3, satisfactionRate: 67 });
      for (const part of ['calls', 'chat', 'satisfaction']) expect(summary).to.include(summary[part]);
    });

    it('keeps a resolution in its period after the conversation is reopened later', async () => {
      const { tenant } = await knownHistory();
      const get = await serverReports(app, tenant.id);
      const inPeriod = (await get('summary', custom('2024-06-01', '2024-06-01'))).body.data.summary;
      expect(inPeriod).to.include({ totalConversations: 2, resolvedConversations: 2, closedConversations: 2, openConversations: 0, conversationResolutionRate: 100 });
      // Reading again once the reopening (June 3) is inside the period: June 1 still has its resolutions.
      const longer = (await get('summary', custom('2024-06-01', '2024-06-03'))).body.data;
      expect(byDate(longer.timeseries, 'conversationsResolved')).to.deep.equal({ '2024-06-01': 2, '2024-06-02': 1, '2024-06-03': 0 });
      expect(longer.summary).to.include({ resolvedConversations: 3, closedConversations: 1, openConversations: 2 });
    });

    it('sums the timeseries to the summary totals', async () => {
      const { tenant } = await knownHistory();
      const { summary, timeseries } = (await (await serverReports(app, tenant.id))('summary', custom('2024-05-25', '2024-06-05'))).body.data;
      expect(timeseries).to.have.length(12);
      expect({
        callsTotal: summary.totalIncoming, callsAnswered: summary.totalAnswered, callsMissed: summary.totalMissed,
        conversations: summary.totalConversations, conversationsResolved: summary.resolvedConversations, messages: summary.totalMessages,
      }).to.deep.equal(Object.fromEntries(['callsTotal', 'callsAnswered', 'callsMissed', 'conversations', 'conversationsResolved', 'messages']
        .map((key) => [key, total(timeseries, key)])));
    });

    it('breaks the work down by agent, and narrows the report to one agent', async () => {
      const { tenant, ana, ben } = await knownHistory();
      const get = await serverReports(app, tenant.id);
      const { agentBreakdown } = (await get('summary', custom('2024-06-01', '2024-06-02'))).body.data;
      const row = (id: string) => agentBreakdown.find((r: { agentId: string }) => r.agentId === id);
      expect(row(ana.id)).to.deep.equal({
        agentId: ana.id, agentName: ana.name, username: ana.username, callsHandled: 2, avgDurationSeconds: 90, avgRating: 4, totalRatings: 2, conversationsAssigned: 2,
      });
      expect(row(ben.id)).to.include({ callsHandled: 1, avgDurationSeconds: 30, totalRatings: 0, conversationsAssigned: 1 });
      expect(row(tenant.owner.id)).to.include({ callsHandled: 0, conversationsAssigned: 0 });

      const mine = (await get('summary', custom('2024-06-01', '2024-06-02', { agentId: ana.id }))).body.data;
      expect(mine.agentBreakdown.map((r: { agentId: string }) => r.agentId)).to.deep.equal([ana.id]);
      expect(mine.summary).to.include({ totalConversations: 2, resolvedConversations: 2, agentMessages: 2, visitorMessages: 0, totalRatings: 2, avgRatingScore: 4, totalHandled: 2 });
    });

    it('counts what happens through the API: a visitor chats, an agent accepts, replies and closes, the visitor rates', async () => {
      const tenant = await zonedTenant(app, 'Europe/Berlin');
      const { agentTokenOf, visitorOf, SESSION_HEADER } = await import('../conversations/chat-support.ts');
      const agent = await app.seed.account(tenant.id, { role: 'agent' });
      const token = await agentTokenOf(app, tenant.id, agent.id);
      const inbox = (method: string, path: string, json?: unknown) =>
        app.request(`/api/agent-sdk${path}`, { method, headers: { [SESSION_HEADER]: token }, ...(json !== undefined && { json }) });
      await inbox('PATCH', '/presence', { status: 'available' });
      const visitor = await visitorOf(app, tenant.slug);
      const { conversationId } = await visitor.conversation();
      await visitor.send(conversationId, { body: 'Hello' });
      expect((await inbox('POST', `/conversations/${conversationId}/assign`, {})).status).to.equal(200);
      expect((await inbox('POST', `/conversations/${conversationId}/messages`, { body: 'How can I help?' })).status).to.equal(201);
      expect((await visitor.send(conversationId, { body: 'Thanks', messageType: 'rating', metadata: { score: 5 } })).status).to.equal(201);
      expect((await inbox('POST', `/conversations/${conversationId}/close`)).status).to.equal(200);

      const { summary, agentBreakdown } = (await (await serverReports(app, tenant.id))('summary', { period: 'today' })).body.data;
      expect(summary).to.include({ totalConversations: 1, resolvedConversations: 1, closedConversations: 1, totalMessages: 3, agentMessages: 1, visitorMessages: 2, totalRatings: 1, avgRatingScore: 5, satisfactionRate: 100, conversationResolutionRate: 100 });
      expect(agentBreakdown.find((r: { agentId: string }) => r.agentId === agent.id)).to.include({ conversationsAssigned: 1, totalRatings: 1, avgRating: 5 });
    });
  });

  describe('surfaces, isolation and limits', () => {
    it('answers the Server API and the Admin SDK with identical numbers', async () => {
      const tenant = await zonedTenant(app, 'America/New_York');
      const h = historyOf(app, tenant.id);
      const c = await h.conversation('2024-11-03T05:30:00Z');
      await h.message(c, 'visitor', '2024-11-03T05:31:00Z');
      await h.call(c, { startedAt: '2024-11-03T05:32:00Z', status: 'missed' });
      const server = await serverReports(app, tenant.id);
      const admin = adminSdk(app, await adminTokenOf(app, tenant.id, tenant.owner.id));
      for (const [path, serverOp, adminOp] of [['summary', 'getServerReportSummary', 'getAdminReportSummary'], ['timeseries', 'getServerReportTimeseries', 'getAdminReportTimeseries']]) {
        const [a, b] = [await server(path, custom('2024-11-01', '2024-11-30')), await admin(`reports/${path}`, custom('2024-11-01', '2024-11-30'))];
        expect([a.status, b.status], b.text).to.deep.equal([200, 200]);
        expectContract(a, serverOp);
        expectContract(b, adminOp);
        expect(b.body.data).to.deep.equal(a.body.data);
      }
    });

    it('never shows one tenant another tenant\'s data or agents', async () => {
      const [one, two] = [await zonedTenant(app, 'UTC'), await zonedTenant(app, 'UTC')];
      const agentOfTwo = await app.seed.account(two.id, { role: 'agent' });
      for (const [tenant, n] of [[one, 1], [two, 3]] as const) {
        const h = historyOf(app, tenant.id);
        for (let i = 0; i < n; i += 1) {
          const c = await h.conversation('2024-06-01T12:00:00Z');
          await h.message(c, 'visitor', '2024-06-01T12:01:00Z');
          const agentId = tenant === two ? agentOfTwo.id : undefined;
          await h.call(c, { startedAt: '2024-06-01T12:02:00Z', answeredBy: agentId, answeredAfter: 1, lasting: 10 });
          await h.rating(c, 5, '2024-06-01T12:03:00Z', agentId);
        }
      }
      const [r1, r2] = [await (await serverReports(app, one.id))('summary', custom('2024-06-01', '2024-06-01')), await (await serverReports(app, two.id))('summary', custom('2024-06-01', '2024-06-01'))];
      expect([r1.body.data.summary.totalConversations, r1.body.data.summary.totalMessages, r1.body.data.summary.totalIncoming]).to.deep.equal([1, 1, 1]);
      expect([r2.body.data.summary.totalConversations, r2.body.data.summary.totalMessages, r2.body.data.summary.totalRatings]).to.deep.equal([3, 3, 3]);
      expect(r1.body.data.agentBreakdown.map((r: { agentId: string }) => r.agentId)).to.not.include(agentOfTwo.id);
      const foreign = await (await serverReports(app, one.id))('summary', { agentId: agentOfTwo.id });
      expect(foreign.status).to.equal(404);
      expect(foreign.body.code).to.equal('NOT_FOUND');
      expect((await (await serverReports(app, one.id))('timeseries', { agentId: 'not-an-id' })).status).to.equal(404);
    });

    it('refuses bad ranges with REPORT_DATE_RANGE_INVALID', async () => {
      const tenant = await zonedTenant(app, 'UTC');
      const get = await serverReports(app, tenant.id);
      for (const query of <Record<string, string>[]>[
        { period: 'custom' }, { period: 'custom', startDate: '2024-06-01' }, custom('2024-06-02', '2024-06-01'),
        custom('2024-01-01', '2025-01-01'), custom('yesterday', '2024-06-01'), custom('2024-02-30', '2024-03-01'), custom('2024-06-01T10:00:00', '2024-06-02'),
      ]) {
        const res = await get('summary', query);
        expect(res.status, JSON.stringify(query)).to.equal(400);
        expect(res.body.code, JSON.stringify(query)).to.equal('REPORT_DATE_RANGE_INVALID');
      }
      const leap = await get('timeseries', custom('2024-01-01', '2024-12-31'));
      expect(leap.status).to.equal(200);
      expect(leap.body.data.timeseries).to.have.length(366);
      expect((await get('summary', { period: 'yearly' })).body.code).to.equal('REPORT_DATE_RANGE_INVALID');
    });

    it('needs the reports scope on the Server API', async () => {
      const tenant = await zonedTenant(app, 'UTC');
      const key = await app.seed.serverKey(tenant.id, ['server:tenant:read']);
      const res = await app.request('/api/server/reports/summary', { headers: { authorization: `Bearer ${key.secret}` } });
      expect(res.status).to.equal(403);
      expect(res.body.code).to.equal('SERVER_API_SCOPE_DENIED');
    });

    it('limits report reads per tenant across both surfaces', async () => {
      const sibling = await startSiblingApp(app, { REPORTS_PER_TENANT_PER_MINUTE: '3' });
      try {
        const tenant = await zonedTenant(app, 'UTC');
        const other = await zonedTenant(app, 'UTC');
        const key = await app.seed.serverKey(tenant.id, ['server:reports:read']);
        const token = await adminTokenOf(app, tenant.id, tenant.owner.id);
        const server = () => sibling.request('/api/server/reports/summary', { headers: { authorization: `Bearer ${key.secret}` } });
        const admin = () => sibling.request('/api/admin-sdk/reports/timeseries', { headers: { 'x-ringnity-sdk-session': token } });
        expect([(await server()).status, (await admin()).status, (await server()).status]).to.deep.equal([200, 200, 200]);
        const limited = await admin();
        expect(limited.status).to.equal(429);
        expect(limited.body.code).to.equal('RATE_LIMITED');
        expect(Number(limited.headers.get('retry-after'))).to.be.within(1, 60);
        const otherKey = await app.seed.serverKey(other.id, ['server:reports:read']);
        expect((await sibling.request('/api/server/reports/summary', { headers: { authorization: `Bearer ${otherKey.secret}` } })).status).to.equal(200);
      } finally {
        await sibling.stop();
      }
    });
  });

  describe('message counts', () => {
    // A deterministic spread of instants and ranges (a linear congruential sequence), so a failure repeats.
    const sequence = (seed: number) => () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
    const QUARTER = 900_000;

    it('counts exactly for any range: whole quarter hours from the rollup, the edges message by message', async () => {
      const tenant = await zonedTenant(app, 'Asia/Kathmandu'); // +05:45: local midnight is 18:15 UTC
      const h = historyOf(app, tenant.id);
      const [ana, ben] = [await app.seed.account(tenant.id, { role: 'agent' }), await app.seed.account(tenant.id, { role: 'agent' })];
      const base = Date.parse('2024-06-01T17:00:00Z');
      const conversations = [await h.conversation(new Date(base).toISOString()), await h.conversation(new Date(base).toISOString())];
      const random = sequence(7);
      const midnight = base + 5 * QUARTER;
      const instants = [base, base + 1, midnight - 1, midnight, midnight + 1, base + 4 * QUARTER - 1,
        ...Array.from({ length: 40 }, () => base + Math.floor(random() * 12 * QUARTER))];
      const senders = ['visitor', ana.id, ben.id, 'system'] as const;
      const written = instants.map((at, i) => ({ at, sender: senders[i % senders.length], conversationId: conversations[i % 2] }));
      const [single, together] = [written.slice(0, 30), written.slice(30)];
      for (const m of single) {
        const type = m.sender === 'visitor' || m.sender === 'system' ? m.sender : 'agent';
        await h.message(m.conversationId, type, new Date(m.at).toISOString(), type === 'agent' ? m.sender : undefined);
      }
      // Several messages of several buckets and conversations in one statement.
      await app.deps.db('messages').insert(together.map((m, i) => ({
        id: crypto.randomUUID(), tenant_id: tenant.id, conversation_id: m.conversationId, seq: String(1000 + i),
        sender_type: m.sender === 'visitor' || m.sender === 'system' ? m.sender : 'agent', sender_id: m.sender === 'visitor' ? crypto.randomUUID() : m.sender === 'system' ? null : m.sender,
        message_type: m.sender === 'system' ? 'system' : 'text', body: 'x', created_at: new Date(m.at).toISOString(),
      })));
      const get = await serverReports(app, tenant.id);
      const expected = (start: number, end: number, agentId?: string) => {
        const inRange = written.filter((m) => m.at >= start && m.at < end && (!agentId || m.sender === agentId));
        return {
          totalMessages: inRange.length, agentMessages: inRange.filter((m) => m.sender === ana.id || m.sender === ben.id).length,
          visitorMessages: inRange.filter((m) => m.sender === 'visitor').length,
        };
      };
      for (let i = 0; i < 12; i++) {
        const [a, b] = [base - QUARTER + Math.floor(random() * 14 * QUARTER), base - QUARTER + Math.floor(random() * 14 * QUARTER)];
        const [start, end] = [Math.min(a, b), Math.max(a, b)];
        const agentId = i % 3 === 0 ? ana.id : undefined;
        const res = await get('summary', custom(new Date(start).toISOString(), new Date(end).toISOString(), agentId ? { agentId } : {}));
        expect(res.status, res.text).to.equal(200);
        const { totalMessages, agentMessages, visitorMessages } = res.body.data.summary;
        expect({ totalMessages, agentMessages, visitorMessages }, `${new Date(start).toISOString()} – ${new Date(end).toISOString()}`)
          .to.deep.equal(expected(start, end, agentId));
      }
      const days = (await get('timeseries', custom('2024-06-01', '2024-06-02'))).body.data.timeseries;
      expect(byDate(days, 'messages')).to.deep.equal({
        '2024-06-01': written.filter((m) => m.at < midnight).length, '2024-06-02': written.filter((m) => m.at >= midnight).length,
      });
    });

    it('loses no count when many messages of one tenant are sent at once', async () => {
      const tenant = await zonedTenant(app, 'UTC');
      const { visitorOf } = await import('../conversations/chat-support.ts');
      const visitors = await Promise.all(Array.from({ length: 4 }, () => visitorOf(app, tenant.slug)));
      const conversations = await Promise.all(visitors.map(async (v) => ({ v, id: (await v.conversation()).conversationId })));
      const sends = await Promise.all(conversations.flatMap(({ v, id }) => Array.from({ length: 5 }, (_, i) => v.send(id, { body: `m${i}` }))));
      expect(sends.map((r) => r.status)).to.deep.equal(sends.map(() => 201));
      const { summary } = (await (await serverReports(app, tenant.id))('summary', { period: 'today' })).body.data;
      expect(summary).to.include({ totalMessages: 20, visitorMessages: 20 });
      const stored = await app.deps.db('message_buckets').where({ tenant_id: tenant.id }).sum({ n: 'messages' }).first();
      expect(Number(stored?.n)).to.equal(20);
    });
  });

  describe('export', () => {
    async function exportable() {
      const tenant = await zonedTenant(app, 'UTC');
      const agent = await app.seed.account(tenant.id, { role: 'agent' });
      const trickster = await app.seed.account(tenant.id, { role: 'agent' });
      await app.deps.db('accounts').where({ id: trickster.id }).update({ name: '=HYPERLINK("http://evil.example","x")' });
      const h = historyOf(app, tenant.id);
      const c = await h.conversation('2024-06-01T08:00:00Z');
      await h.fact(c, 'assigned', '2024-06-01T08:01:00Z', { agentId: agent.id });
      await h.message(c, 'visitor', '2024-06-01T08:02:00Z');
      await h.rating(c, 4, '2024-06-01T08:03:00Z', agent.id);
      await h.call(c, { startedAt: '2024-06-02T08:00:00Z', answeredBy: agent.id, answeredAfter: 2, lasting: 42 });
      return { tenant, get: await serverReports(app, tenant.id), agent, trickster };
    }

    it('answers a downloadable JSON envelope by default', async () => {
      const { tenant, get } = await exportable();
      const res = await get('export', custom('2024-06-01', '2024-06-03'));
      expect(res.status, res.text).to.equal(200);
      expectContract(res, 'exportServerReport');
      expect(res.body.data.format).to.equal('json');
      expect(res.headers.get('content-disposition')).to.equal(`attachment; filename="ringnity-report-${tenant.slug}-2024-06-01-to-2024-06-03.json"`);
      const summary = await get('summary', custom('2024-06-01', '2024-06-03'));
      expect(res.body.data.report).to.deep.equal(summary.body.data);
    });

    it('answers CSV that parses back to the JSON export, with formulas escaped', async () => {
      const { tenant, get, trickster } = await exportable();
      const json = (await get('export', custom('2024-06-01', '2024-06-03'))).body.data.report;
      const res = await get('export', custom('2024-06-01', '2024-06-03', { format: 'csv' }));
      expect(res.status).to.equal(200);
      expect(res.headers.get('content-type')).to.equal('text/csv; charset=utf-8');
      expect(res.headers.get('content-disposition')).to.equal(`attachment; filename="ringnity-report-${tenant.slug}-2024-06-01-to-2024-06-03.csv"`);
      const records: string[][] = parse(res.text, { relax_column_count: true, skip_empty_lines: false });
      const gap = records.findIndex((r) => r.length === 1 && r[0] === '');
      const [dayHeader, ...days] = records.slice(0, gap);
      const [agentHeader, ...agents] = records.slice(gap + 1);
      const asObjects = (header: string[], rows: string[][]) => rows.map((row) => Object.fromEntries(header.map((h, i) => [h, row[i]])));
      const numbers = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
      expect(asObjects(dayHeader, days)).to.deep.equal(json.timeseries.map(numbers));
      const unescaped = asObjects(agentHeader, agents).map((a) => ({ ...a, agentName: a.agentName.replace(/^'(?=[=+\-@])/, '') }));
      expect(unescaped).to.deep.equal(json.agentBreakdown.map(numbers));
      expect(res.text).to.include(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
      expect(agents.find((a) => a[0] === trickster.id)![1].startsWith("'=")).to.equal(true);
    });
  });

  it('keeps tenant time zones to IANA names', async () => {
    const tenant = await app.seed.tenant();
    for (const zone of ['Mars/Olympus_Mons', '+05:30', 'EST5EDT;', '']) {
      await setTenantTimezone(app.deps.db, operatorIn(tenant.id), tenant.id, zone).then(
        () => expect.fail(`${zone} was accepted`),
        (err) => expect(err.code).to.equal('VALIDATION_FAILED'),
      );
    }
    expect((await setTenantTimezone(app.deps.db, operatorIn(tenant.id), tenant.id, 'asia/kolkata')).timezone).to.be.oneOf(['Asia/Kolkata', 'Asia/Calcutta']);
    expect(await runCli(['tenant:set-timezone', '--tenant', tenant.slug, '--timezone', 'Europe/Berlin'], app.deps)).to.deep.equal({ slug: tenant.slug, timezone: 'Europe/Berlin' });
    const created = await runCli(['tenant:create', '--slug', `tz-${tenant.slug}`, '--name', 'Zoned', '--owner-email', `tz-${tenant.ownerEmail}`,
      '--owner-password', 'a-long-enough-password', '--timezone', 'America/New_York'], app.deps);
    expect((await findTenantBySlug(app.deps.db, created.slug as string))!.timezone).to.equal('America/New_York');
  });
});
