import type { Queries } from '../db/queries.js';
import { z } from 'zod';
import { sql } from '../db/sql.js';
import type { StreamHead } from './checkpointsDigest.js';

const PAGE = 5_000;

const headRow = z.object({ tenant_id: z.string(), stream_id: z.string(), stream_version: z.number(), hash: z.string() });

/** Every head recorded by one checkpoint, in the byte order its digest was taken in, page by page. */
export async function forEachCheckpointHead(
  db: Queries,
  checkpointId: number,
  visit: (head: StreamHead) => void,
  options: { readonly tenantId?: string } = {},
): Promise<void> {
  const tenant = options.tenantId === undefined ? sql.fragment`` : sql.fragment`AND tenant_id = ${options.tenantId}`;
  let after: StreamHead | null = null;
  for (;;) {
    const cursor: ReturnType<typeof sql.fragment> = after
      ? sql.fragment`AND (tenant_id, stream_id) > (${after.tenantId}, ${after.streamId})`
      : sql.fragment``;
    const rows: readonly z.infer<typeof headRow>[] = await db.any(sql.type(headRow)`
      SELECT tenant_id, stream_id, stream_version, hash
      FROM ledger_checkpoint_heads
      WHERE checkpoint_id = ${checkpointId} ${tenant} ${cursor}
      ORDER BY tenant_id, stream_id
      LIMIT ${PAGE}`);
    for (const row of rows) {
      after = { tenantId: row.tenant_id, streamId: row.stream_id, version: row.stream_version, hash: row.hash };
      visit(after);
    }
    if (rows.length < PAGE) return;
  }
}
