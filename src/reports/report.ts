import type { Account } from '../accounts/account.ts';
import type { CallAgentRow, CallDay } from '../calls/call-reports.ts';
import type { ChatAgentRow, ChatDay } from '../conversations/chat-reports.ts';
import type { Schema } from '../contract/types.ts';
import type { ReportWindow } from './periods.ts';

export type Report = Schema<'Report'>;
export type ReportPeriod = Schema<'ReportPeriod'>;
export type ReportSummary = Schema<'ReportSummary'>;
export type ReportTimeseriesPoint = Schema<'ReportTimeseriesPoint'>;
export type ReportAgentBreakdownItem = Schema<'ReportAgentBreakdownItem'>;

const sum = <T>(rows: T[], of: (row: T) => number) => rows.reduce((n, row) => n + of(row), 0);
/** A whole percent of part in whole; 0 of nothing. */
const percent = (part: number, whole: number) => (whole ? Math.round((part * 100) / whole) : 0);
const average = (total: number, count: number, decimals = 0) => (count ? Number((total / count).toFixed(decimals)) : 0);

export const periodOf = (w: ReportWindow): ReportPeriod => ({ type: w.type, start: w.start.toISOString(), end: w.end.toISOString() });

/** One point per local day; the calls and chat series cover the same days in the same order. */
export function timeseriesOf(calls: CallDay[], chat: ChatDay[]): ReportTimeseriesPoint[] {
  return chat.map((day, i) => ({
    date: day.date, callsTotal: calls[i].incoming, callsAnswered: calls[i].answered, callsMissed: calls[i].missed,
    conversations: day.conversations, conversationsResolved: day.resolved, messages: day.messages,
  }));
}

/**
 * The summary is the sum of the days (and averages of their sums), so the cards and the chart
 * can never disagree; the flat fields and the nested objects are the same three objects.
 */
export function summaryOf(calls: CallDay[], chat: ChatDay[], queue: number): ReportSummary {
  const incoming = sum(calls, (d) => d.incoming);
  const answered = sum(calls, (d) => d.answered);
  const callSummary = {
    totalIncoming: incoming, totalAnswered: answered, totalMissed: sum(calls, (d) => d.missed), answerRate: percent(answered, incoming),
    avgDurationSeconds: average(sum(calls, (d) => d.durationSum), sum(calls, (d) => d.durationCount)),
    totalHandled: sum(calls, (d) => d.handled), currentQueueCount: queue,
  };
  const conversations = sum(chat, (d) => d.conversations);
  const closed = sum(chat, (d) => d.cohortClosedAtEnd);
  const chatSummary = {
    totalConversations: conversations,
    openConversations: conversations - closed,
    // No operation puts a conversation in `pending`, so none is ever counted there.
    pendingConversations: 0,
    resolvedConversations: sum(chat, (d) => d.resolved),
    closedConversations: closed,
    totalMessages: sum(chat, (d) => d.messages), agentMessages: sum(chat, (d) => d.agentMessages), visitorMessages: sum(chat, (d) => d.visitorMessages),
    conversationResolutionRate: percent(sum(chat, (d) => d.cohortResolved), conversations),
  };
  const ratings = sum(chat, (d) => d.ratings);
  const satisfaction = {
    avgRatingScore: average(sum(chat, (d) => d.ratingSum), ratings, 2), totalRatings: ratings,
    satisfactionRate: percent(sum(chat, (d) => d.ratingsSatisfied), ratings),
  };
  return { ...callSummary, ...chatSummary, ...satisfaction, calls: callSummary, chat: chatSummary, satisfaction };
}

/**
 * One row per account that can work (active), and per account with recorded work in the
 * period even if it is disabled now; by name. An id with work but no account (deleted) keeps its row.
 */
export function agentBreakdownOf(accounts: Account[], calls: CallAgentRow[], chat: ChatAgentRow[]): ReportAgentBreakdownItem[] {
  const callsOf = new Map(calls.map((r) => [r.agentId, r]));
  const chatOf = new Map(chat.map((r) => [r.agentId, r]));
  const known = new Set(accounts.map((a) => a.id));
  const worked = (id: string) => callsOf.has(id) || chatOf.has(id);
  const rows = [
    ...accounts.filter((a) => a.active || worked(a.id)).map((a) => ({ agentId: a.id, agentName: a.name, username: a.username })),
    ...[...new Set([...callsOf.keys(), ...chatOf.keys()])].filter((id) => !known.has(id)).sort().map((agentId) => ({ agentId })),
  ];
  return rows.map((row) => {
    const c = callsOf.get(row.agentId);
    const t = chatOf.get(row.agentId);
    return {
      ...row,
      callsHandled: c?.handled ?? 0, avgDurationSeconds: average(c?.durationSum ?? 0, c?.durationCount ?? 0),
      avgRating: average(t?.ratingSum ?? 0, t?.ratings ?? 0, 2), totalRatings: t?.ratings ?? 0,
      conversationsAssigned: t?.conversationsAssigned ?? 0,
    };
  });
}
