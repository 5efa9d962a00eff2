import type { Db } from '../db/database.ts';
import { iso } from '../db/rows.ts';
import type { ReceiptSide } from './conversation.ts';

type ReceiptRow = { delivered_seq: string; read_seq: string; delivered_at: Date | null; read_at: Date | null };

export type Marks = { deliveredSeq: number; readSeq: number; deliveredAt?: string; readAt?: string };

/**
 * Moves one side's marks up to `seq`, never down: GREATEST keeps the higher mark, and a read
 * mark carries the delivered mark with it (what was read was delivered). One upsert, so two
 * concurrent marks cannot lose each other.
 */
export async function raise(db: Db, tenantId: string, conversationId: string, side: ReceiptSide, mark: 'delivered' | 'read', seq: number): Promise<Marks> {
  const read = mark === 'read' ? seq : 0;
  const { rows } = await db.raw<{ rows: ReceiptRow[] }>(
    `INSERT INTO conversation_receipts AS r (conversation_id, side, tenant_id, delivered_seq, read_seq, delivered_at, read_at)
     VALUES (:conversationId, :side, :tenantId, :seq, :read, now(), CASE WHEN :read > 0 THEN now() END)
     ON CONFLICT (conversation_id, side) DO UPDATE SET
       delivered_seq = GREATEST(r.delivered_seq, EXCLUDED.delivered_seq),
       read_seq = GREATEST(r.read_seq, EXCLUDED.read_seq),
       delivered_at = CASE WHEN EXCLUDED.delivered_seq > r.delivered_seq THEN now() ELSE r.delivered_at END,
       read_at = CASE WHEN EXCLUDED.read_seq > r.read_seq THEN now() ELSE r.read_at END
     RETURNING delivered_seq, read_seq, delivered_at, read_at`,
    { conversationId, side, tenantId, seq, read } as never);
  const row = rows[0];
  return {
    deliveredSeq: Number(row.delivered_seq), readSeq: Number(row.read_seq),
    ...(row.delivered_at && { deliveredAt: iso(row.delivered_at)! }), ...(row.read_at && { readAt: iso(row.read_at)! }),
  };
}
