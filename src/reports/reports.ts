import { findAccountById, listTenantAccounts } from '../accounts/accounts.ts';
import { callDays, callsByAgent, ringingNow } from '../calls/call-reports.ts';
import { chatByAgent, chatDays } from '../conversations/chat-reports.ts';
import type { Db } from '../db/database.ts';
import { isUuid } from '../db/rows.ts';
import { apiError } from '../http/api-error.ts';
import type { Tenant } from '../tenants/tenant.ts';
import { requireTenant } from '../tenants/tenants.ts';
import { exportFilename } from './report-csv.ts';
import { reportWindow, type PeriodQuery, type ReportWindow } from './periods.ts';
import { agentBreakdownOf, periodOf, summaryOf, timeseriesOf, type Report, type ReportPeriod, type ReportTimeseriesPoint } from './report.ts';

/** What both surfaces take: the period, and optionally one agent of the tenant. */
export type ReportQuery = PeriodQuery & { agentId?: string };

type Scope = { tenant: Tenant; window: ReportWindow; range: ReportWindow & { agentId?: string } };

/** The tenant, the window in its zone, and the agent filter, checked: another tenant's agent is not found. */
async function scopeOf(db: Db, tenantId: string, query: ReportQuery, now: Date): Promise<Scope> {
  const tenant = await requireTenant(db, tenantId);
  const window = reportWindow(query, tenant.timezone, now);
  if (query.agentId !== undefined) {
    const agent = isUuid(query.agentId) ? await findAccountById(db, query.agentId) : undefined;
    if (agent?.tenantId !== tenantId) throw apiError('NOT_FOUND', 'No agent with this id in this workspace');
  }
  return { tenant, window, range: { ...window, ...(query.agentId !== undefined && { agentId: query.agentId }) } };
}

/** Period, summary, agent breakdown and timeseries: what getServerReportSummary and getAdminReportSummary answer. */
export async function getReport(db: Db, tenantId: string, query: ReportQuery, now = new Date()): Promise<Report> {
  return (await buildReport(db, tenantId, query, now)).report;
}

export type ReportExport = { report: Report; exportedAt: string; filename: (extension: 'csv' | 'json') => string };

/** The whole report for download, with a filename naming the tenant and the local days it covers. */
export async function exportReport(db: Db, tenantId: string, query: ReportQuery, now = new Date()): Promise<ReportExport> {
  const { tenant, window, report } = await buildReport(db, tenantId, query, now);
  return { report, exportedAt: now.toISOString(), filename: (extension) => exportFilename(tenant.slug, window.firstDay, window.lastDay, extension) };
}

async function buildReport(db: Db, tenantId: string, query: ReportQuery, now: Date): Promise<{ tenant: Tenant; window: ReportWindow; report: Report }> {
  const { tenant, window, range } = await scopeOf(db, tenantId, query, now);
  const [calls, chat, queue, callAgents, chatAgents, accounts] = await Promise.all([
    callDays(db, tenantId, range), chatDays(db, tenantId, range), ringingNow(db, tenantId),
    callsByAgent(db, tenantId, range), chatByAgent(db, tenantId, range), listTenantAccounts(db, tenantId),
  ]);
  const staff = query.agentId === undefined ? accounts : accounts.filter((a) => a.id === query.agentId);
  const report = {
    period: periodOf(window),
    summary: summaryOf(calls, chat, queue),
    agentBreakdown: agentBreakdownOf(staff, callAgents, chatAgents),
    timeseries: timeseriesOf(calls, chat),
  };
  return { tenant, window, report };
}

/** The period and its daily points: what the timeseries operations answer. */
export async function getReportTimeseries(db: Db, tenantId: string, query: ReportQuery, now = new Date()): Promise<{ period: ReportPeriod; timeseries: ReportTimeseriesPoint[] }> {
  const { window, range } = await scopeOf(db, tenantId, query, now);
  const [calls, chat] = await Promise.all([callDays(db, tenantId, range), chatDays(db, tenantId, range)]);
  return { period: periodOf(window), timeseries: timeseriesOf(calls, chat) };
}

/** Tells SDK launch checks whether reports answer: they do, for every tenant and plan. */
export const reportsReadiness = () => ({ available: true });
