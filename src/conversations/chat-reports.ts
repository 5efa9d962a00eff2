/** The chat side of reports: other areas read the recorded facts and messages through these, never through the tables. */
export { chatByAgent, chatDays, type ChatAgentRow, type ChatDay, type ReportRange } from './fact-report-table.ts';
