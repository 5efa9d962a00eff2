import type { Readable } from 'node:stream';
import type { TenantActor } from '../audit/actor.ts';
import { recordAiUsage } from '../billing/ai-usage.ts';
import { getPlatformAiPricing } from '../billing/ai-pricing.ts';
import type { AiSettings } from '../config.ts';
import type { Db } from '../db/database.ts';
import { apiError } from '../http/api-error.ts';
import { requireAi } from './ai-access.ts';

/** An SDP offer is a few kilobytes; this leaves room for many candidates and codecs. */
export const MAX_SDP_BYTES = 64 * 1024;

/**
 * The header in which a realtime provider may report the voice seconds of the session it
 * answered (for prepaid or fixed-length sessions); when present they are metered at once.
 */
export const VOICE_SECONDS_HEADER = 'x-usage-voice-seconds';

/** The request body as text, refused past `max` bytes without reading the rest. */
export async function readText(body: Readable, max: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of body) {
    size += (part as Buffer).length;
    if (size > max) throw apiError('PAYLOAD_TOO_LARGE', `An SDP offer is limited to ${max} bytes`);
    parts.push(part as Buffer);
  }
  return Buffer.concat(parts).toString('utf8');
}

/**
 * Forwards the visitor's SDP offer to the OpenAI-Realtime-style endpoint (`POST` with the
 * offer as `application/sdp`, the model from the AI pricing settings) and answers its SDP.
 * Without AI_REALTIME_URL: AI_NOT_READY. AI voice in the plan and switched on, and the voice
 * quota and balance rules, are checked before the provider is called.
 */
export async function createAiVisitorRealtimeCall(deps: { db: Db; settings: AiSettings }, actor: TenantActor, offer: string): Promise<string> {
  const url = deps.settings.realtimeUrl;
  if (!url) throw apiError('AI_NOT_READY', 'No realtime AI provider is configured (AI_REALTIME_URL)');
  if (!/^v=0\r?\n/.test(offer.trimStart())) throw apiError('VALIDATION_FAILED', 'The request is invalid', { details: ['body must be an SDP offer (starting with "v=0")'] });
  await requireAi({ db: deps.db, realtimeConfigured: true }, actor.tenantId, 'ai_voice');
  const { settings: pricing } = await getPlatformAiPricing(deps.db);
  const target = new URL(url);
  if (!target.searchParams.has('model')) target.searchParams.set('model', pricing.voiceModel);
  let res: Response;
  try {
    res = await fetch(target, {
      method: 'POST', body: offer, signal: AbortSignal.timeout(deps.settings.timeoutMs),
      headers: { 'content-type': 'application/sdp', ...(deps.settings.apiKey && { authorization: `Bearer ${deps.settings.apiKey}` }) },
    });
  } catch (err) {
    throw apiError('SERVICE_UNAVAILABLE', `The realtime AI provider did not answer: ${(err as Error).message}`);
  }
  const answer = await res.text();
  if (!res.ok || !/^v=0\r?\n/.test(answer.trimStart())) throw apiError('SERVICE_UNAVAILABLE', `The realtime AI provider refused the offer (HTTP ${res.status})`);
  const seconds = Number(res.headers.get(VOICE_SECONDS_HEADER));
  if (Number.isSafeInteger(seconds) && seconds > 0) {
    await deps.db.transaction((trx) => recordAiUsage(trx, actor.tenantId, { voiceSeconds: seconds }));
  }
  return answer;
}
