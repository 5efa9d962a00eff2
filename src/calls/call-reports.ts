/** The calls side of reports: other areas read call sessions through these, never through the table. */
export { callDays, callsByAgent, ringingNow, type CallAgentRow, type CallDay, type CallReportRange } from './call-report-table.ts';
