import type Router from '@koa/router';
import type { Context } from 'koa';
import type { RouteDeps } from '../deps.ts';
import { inputOf, operation } from '../contract/operations.ts';
import { reply } from '../http/reply.ts';
import { reportLimits } from '../runtime/rate-limits.ts';
import { reportCsv } from './report-csv.ts';
import { exportReport, getReport, getReportTimeseries, type ReportQuery } from './reports.ts';

/** The three report operations of one surface, by operationId, and where each finds its tenant. */
export type ReportSurface = {
  summary: 'getServerReportSummary' | 'getAdminReportSummary';
  timeseries: 'getServerReportTimeseries' | 'getAdminReportTimeseries';
  export: 'exportServerReport' | 'exportAdminReport';
  tenantOf(ctx: Context): string;
};

/** A date the schema refuses is a bad range, like one the period rules refuse. */
const reportInputCode = (problems: string[]) =>
  problems.some((p) => /^query\.(startDate|endDate|period)\b/.test(p)) ? 'REPORT_DATE_RANGE_INVALID' as const : 'VALIDATION_FAILED' as const;

/**
 * Registers summary, timeseries and export for a surface: both surfaces call the same service
 * with the same query, so a dashboard and a backend read the same numbers. Every report read
 * counts against the tenant's per-minute budget; answers are private and never cached.
 */
export function reportOperations(deps: RouteDeps, router: Router, surface: ReportSurface): void {
  const { db } = deps;
  const limits = reportLimits(db, deps.config.reports.perTenantPerMinute);
  const checked = { ...deps, input: { code: reportInputCode } };
  const queryOf = (ctx: Context): ReportQuery => {
    const { period, startDate, endDate, agentId } = inputOf<'getServerReportSummary'>(ctx).query;
    return { period, startDate, endDate, agentId };
  };
  const limited = async (ctx: Context) => {
    const tenantId = surface.tenantOf(ctx);
    await limits.report(tenantId);
    ctx.set('Cache-Control', 'private, no-store');
    return tenantId;
  };

  operation(checked, router, surface.summary, async (ctx) => {
    reply<'getServerReportSummary'>(ctx, 200, await getReport(db, await limited(ctx), queryOf(ctx)));
  });

  operation(checked, router, surface.timeseries, async (ctx) => {
    reply<'getServerReportTimeseries'>(ctx, 200, await getReportTimeseries(db, await limited(ctx), queryOf(ctx)));
  });

  operation(checked, router, surface.export, async (ctx) => {
    const format = inputOf<'exportServerReport'>(ctx).query.format ?? 'json';
    const { report, exportedAt, filename } = await exportReport(db, await limited(ctx), queryOf(ctx));
    ctx.set('Content-Disposition', `attachment; filename="${filename(format)}"`);
    if (format === 'csv') {
      ctx.type = 'text/csv; charset=utf-8';
      ctx.body = reportCsv(report);
      return;
    }
    reply<'exportServerReport'>(ctx, 200, { report, exportedAt, format });
  });
}
