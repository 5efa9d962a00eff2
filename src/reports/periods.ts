import { apiError } from '../http/api-error.ts';

export type PeriodType = 'today' | '7days' | '30days' | 'custom';

/**
 * The instants a report covers, half-open ([start, end)), in the tenant's zone, and the
 * local days that range touches: the timeseries has one point for each of them.
 */
export type ReportWindow = { type: PeriodType; start: Date; end: Date; timeZone: string; firstDay: string; lastDay: string };

export type PeriodQuery = { period?: PeriodType; startDate?: string; endDate?: string };

export const MAX_CUSTOM_DAYS = 366;

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();
function dayFormatter(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // en-CA writes dates as YYYY-MM-DD.
    formatter = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The calendar date of an instant in the zone, as YYYY-MM-DD. */
export const localDate = (instant: Date, timeZone: string): string => dayFormatter(timeZone).format(instant);

/** YYYY-MM-DD plus whole days, in calendar arithmetic (no zone involved). */
export const addDays = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * The first instant whose local date in the zone is `date`. Found by bisection on whole
 * seconds (zone offsets are whole seconds), so a day that starts at 01:00 because the clocks
 * jumped over midnight starts there, with no offset arithmetic to get wrong.
 */
export function startOfDay(date: string, timeZone: string): Date {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  // Every zone's offset lies within -12 h … +14 h; search a little wider.
  let lo = (utcMidnight - 15 * 3_600_000) / 1000;
  let hi = (utcMidnight + 13 * 3_600_000) / 1000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (localDate(new Date(mid * 1000), timeZone) >= date) hi = mid;
    else lo = mid;
  }
  return new Date(hi * 1000);
}

const invalid = (message: string) => apiError('REPORT_DATE_RANGE_INVALID', message);

/** A custom bound: a plain date is that local day (its start; for the end, the whole day), a date-time the instant itself. */
function customBound(value: string, timeZone: string, bound: 'start' | 'end'): Date {
  if (DATE_ONLY.test(value)) return startOfDay(bound === 'start' ? value : addDays(value, 1), timeZone);
  const instant = new Date(value);
  if (Number.isNaN(instant.getTime())) throw invalid(`${bound}Date is not a date or date-time`);
  return instant;
}

/**
 * The window of a report. `today`, `7days` and `30days` end with the tenant's current day and
 * go back one, seven or thirty local days; `custom` takes `startDate` and `endDate`.
 */
export function reportWindow(query: PeriodQuery, timeZone: string, now = new Date()): ReportWindow {
  const type = query.period ?? 'today';
  if (type !== 'custom') {
    const today = localDate(now, timeZone);
    const first = addDays(today, type === 'today' ? 0 : type === '7days' ? -6 : -29);
    return window(type, startOfDay(first, timeZone), startOfDay(addDays(today, 1), timeZone), timeZone);
  }
  if (!query.startDate || !query.endDate) throw invalid('A custom period needs startDate and endDate');
  const start = customBound(query.startDate, timeZone, 'start');
  const end = customBound(query.endDate, timeZone, 'end');
  // A plain end date includes its day, so it ends after any start on or before that day.
  if (DATE_ONLY.test(query.endDate) ? end <= start : end < start) throw invalid('endDate must not be before startDate');
  // An hour of slack: 366 local days are an hour longer than 366 × 24 h across a DST change.
  if (end.getTime() - start.getTime() > MAX_CUSTOM_DAYS * DAY_MS + 3_600_000) throw invalid(`A custom period covers at most ${MAX_CUSTOM_DAYS} days`);
  return window(type, start, end, timeZone);
}

function window(type: PeriodType, start: Date, end: Date, timeZone: string): ReportWindow {
  const firstDay = localDate(start, timeZone);
  // The last local day the range touches; an empty range touches none (lastDay before firstDay).
  const lastDay = end > start ? localDate(new Date(end.getTime() - 1), timeZone) : addDays(firstDay, -1);
  return { type, start, end, timeZone, firstDay, lastDay };
}

/** Every local day of the window, in order. */
export function daysOf(w: Pick<ReportWindow, 'firstDay' | 'lastDay'>): string[] {
  const days: string[] = [];
  for (let day = w.firstDay; day <= w.lastDay; day = addDays(day, 1)) days.push(day);
  return days;
}
