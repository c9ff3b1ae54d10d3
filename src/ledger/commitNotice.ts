// The commit notice moved to src/db/commitNotice.ts (ADR 0025): it is the NOTIFY that follows a COMMIT,
// and the transaction helper in src/db, which owns COMMIT, sends it, so src/db no longer imports the
// ledger. This re-export keeps the importers that other work is changing (src/app/writeSet.ts,
// src/app/commandTransaction.ts, src/ledger/appendToStream.ts) compiling; point them at src/db and
// delete this file.
export { LOG_CHANNEL, NOTIFY_INTERVAL_MS, appendedIn, markAppended, noticeIfAppended, noticeLogCommitted } from '../db/commitNotice.js';
