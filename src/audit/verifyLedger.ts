import type { DatabasePool } from '../db/pool.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import { enterTenant, withSystemTransaction } from '../db/transaction.js';
import { type ChainBreak, findChainBreak } from '../ledger/hashChain.js';
import { createProjectionWriter } from '../../projections/projectionWriter.js';
import type { StreamProjection } from '../../projections/declaredProjection.js';
import { inlineProjections } from '../aggregates/index.js';
import { forEachStream } from './streamsOfLog.js';
import type { CheckpointVerifyingKey } from './checkpointSigning.js';
import { type CheckpointReport, startCheckpointCheck } from './checkpointsVerify.js';

export type ProjectionMismatch = {
  readonly projection: string;
  readonly key: Readonly<Record<string, unknown>>;
  /** live: the row is only in the live table; rebuilt: only in the rebuild; differs: in both, unequal. */
  readonly kind: 'only_live' | 'only_rebuilt' | 'differs';
};

export type VerificationReport = {
  readonly ok: boolean;
  readonly streams: number;
  readonly events: number;
  readonly brokenChains: readonly ChainBreak[];
  readonly projectionMismatches: readonly ProjectionMismatch[];
  /** Streams rewritten since the latest signed checkpoint, and breaks in the checkpoint chain. */
  readonly checkpoints: CheckpointReport;
};

export type VerifyOptions = {
  /** Only this tenant's streams and projection rows (an auditor sees their own tenant alone). */
  readonly tenantId?: string;
  /** Every checkpoint must carry a valid signature by this key. */
  readonly trustedCheckpointKey?: CheckpointVerifyingKey;
  /** Told after each stream how far the walk has come (a terminal's progress line). */
  readonly onProgress?: (progress: VerifyProgress) => void;
};

export type VerifyProgress = { readonly streams: number; readonly events: number };

const scratchTable = (projection: StreamProjection) => `verify_${projection.table}`;

const keyRow = z.object({ key: z.record(z.string(), z.unknown()), only_live: z.boolean(), only_rebuilt: z.boolean() });

/**
 * Proves the ledger from its events alone: every stream's hash chain must verify, and every inline
 * projection rebuilt from the log into scratch tables must equal the live table row for row. Runs in
 * one REPEATABLE READ snapshot: projections commit with their events, so the two must agree exactly.
 * Roles (ADR 0014): the checkpoint chain and its heads digest span every tenant, so they are read
 * as the system role; a tenant's verify then drops to the application role in that tenant, so
 * row-level security scopes the log and the live tables to it, whatever the filters below say.
 */
export async function verifyLedger(pool: DatabasePool, options: VerifyOptions = {}): Promise<VerificationReport> {
  const inScope = (tenantId: string) => options.tenantId === undefined || tenantId === options.tenantId;
  // One snapshot across tenants (system work, ADR 0014): what is compared must not move meanwhile.
  return withSystemTransaction(
    pool,
    async (tx) => {
      const checkpointCheck = await startCheckpointCheck(tx, {
        ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }),
        ...(options.trustedCheckpointKey ? { trustedKey: options.trustedCheckpointKey } : {}),
      });
      if (options.tenantId !== undefined) await enterTenant(tx, options.tenantId);
      for (const projection of inlineProjections) {
        await tx.query(sql.typeAlias('void')`
          CREATE TEMP TABLE ${sql.identifier([scratchTable(projection)])}
          (LIKE ${sql.identifier([projection.table])} INCLUDING ALL) ON COMMIT DROP`);
      }
      const brokenChains: ChainBreak[] = [];
      const writer = createProjectionWriter(tx, scratchTable);
      let streams = 0;
      let events = 0;
      await forEachStream(tx, async (tenantId, streamId, streamEvents) => {
        if (!inScope(tenantId)) return;
        checkpointCheck.visit(tenantId, streamId, streamEvents);
        streams += 1;
        events += streamEvents.length;
        const chainBreak = findChainBreak(streamEvents);
        if (chainBreak) brokenChains.push(chainBreak);
        await writer.project(tenantId, streamId, streamEvents);
        options.onProgress?.({ streams, events });
      });
      await writer.flush();
      const projectionMismatches: ProjectionMismatch[] = [];
      for (const projection of inlineProjections) {
        const table = sql.identifier([projection.table]);
        const live =
          options.tenantId === undefined
            ? sql.fragment`(SELECT * FROM ${table}) AS live_rows`
            : sql.fragment`(SELECT * FROM ${table} WHERE tenant_id = ${options.tenantId}) AS live_rows`;
        const rebuilt = sql.identifier([scratchTable(projection)]);
        const keyJson = sql.join(
          projection.key.map((column) => sql.fragment`${column}::text, d.${sql.identifier([column])}`),
          sql.fragment`, `,
        );
        const rows = await tx.any(sql.type(keyRow)`
          WITH only_live AS (SELECT * FROM ${live} EXCEPT SELECT * FROM ${rebuilt}),
               only_rebuilt AS (SELECT * FROM ${rebuilt} EXCEPT SELECT * FROM ${live}),
               live_keys AS (SELECT jsonb_build_object(${keyJson}) AS key FROM only_live d),
               rebuilt_keys AS (SELECT jsonb_build_object(${keyJson}) AS key FROM only_rebuilt d)
          SELECT COALESCE(l.key, r.key) AS key, r.key IS NULL AS only_live, l.key IS NULL AS only_rebuilt
          FROM live_keys l FULL OUTER JOIN rebuilt_keys r ON l.key = r.key`);
        for (const row of rows) {
          projectionMismatches.push({
            projection: projection.table,
            key: row.key,
            kind: row.only_live ? 'only_live' : row.only_rebuilt ? 'only_rebuilt' : 'differs',
          });
        }
      }
      const checkpoints = checkpointCheck.finish();
      return {
        ok: brokenChains.length === 0 && projectionMismatches.length === 0 && checkpoints.ok,
        streams,
        events,
        brokenChains,
        projectionMismatches,
        checkpoints,
      };
    },
    { repeatableRead: true },
  );
}
