import type { Schema } from '../contract/types.ts';

export type AlertLevel = Schema<'AiBillingAlertLevel'>;

/**
 * How urgently a tenant's balance needs attention, against the pricing's
 * `lowBalanceThresholdCents` (L): `empty` at 0 or below, `critical` below a quarter of L,
 * `low` below L, else `ok`.
 */
export function alertLevel(balanceCents: number, lowThresholdCents: number): AlertLevel {
  if (balanceCents <= 0) return 'empty';
  if (balanceCents * 4 < lowThresholdCents) return 'critical';
  if (balanceCents < lowThresholdCents) return 'low';
  return 'ok';
}

/** Most urgent first: the overview's order. */
export const ALERT_ORDER: readonly AlertLevel[] = ['empty', 'critical', 'low', 'ok'];
