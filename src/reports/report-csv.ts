import { stringify, type Stringifier } from 'csv-stringify';
import type { Report } from './report.ts';

export const DAY_COLUMNS = ['date', 'callsTotal', 'callsAnswered', 'callsMissed', 'conversations', 'conversationsResolved', 'messages'] as const;
export const AGENT_COLUMNS = [
  'agentId', 'agentName', 'username', 'callsHandled', 'avgDurationSeconds', 'avgRating', 'totalRatings', 'conversationsAssigned',
] as const;

/**
 * The report as CSV (RFC 4180, CRLF): a header row and one row per day, an empty line, then
 * the agent section with its own header row. A cell starting with `=`, `+`, `-`, `@`, tab or
 * carriage return gets a leading `'`, so a spreadsheet shows it as text instead of running it
 * as a formula (an agent named `=HYPERLINK(…)`). Rows are written into the stream as it is
 * read, so a slow client holds back the writer, not memory.
 */
export function reportCsv(report: Report): Stringifier {
  const csv = stringify({ escape_formulas: true, record_delimiter: 'windows' });
  const rows: unknown[][] = [
    [...DAY_COLUMNS],
    ...report.timeseries.map((point) => DAY_COLUMNS.map((c) => point[c] ?? 0)),
    [],
    [...AGENT_COLUMNS],
    ...report.agentBreakdown.map((agent) => AGENT_COLUMNS.map((c) => agent[c] ?? '')),
  ];
  let next = 0;
  const pump = () => {
    while (next < rows.length) {
      if (!csv.write(rows[next++])) {
        csv.once('drain', pump);
        return;
      }
    }
    csv.end();
  };
  pump();
  return csv;
}

/** `ringnity-report-acme-2024-11-01-to-2024-11-30.csv`: the tenant and the local days covered. */
export const exportFilename = (slug: string, firstDay: string, lastDay: string, extension: 'csv' | 'json') =>
  `ringnity-report-${slug}-${firstDay}-to-${lastDay}.${extension}`;
