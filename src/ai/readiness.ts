import type { Db } from '../db/database.ts';
import { hasReady } from './knowledge-table.ts';

/** Whether the tenant has knowledge ready to answer from: what makes AI chat ready (service capabilities read it). */
export const hasReadyKnowledge = (db: Db, tenantId: string): Promise<boolean> => hasReady(db, tenantId);
