import { constants } from 'node:os';
import type { AppConfig } from '../config/config.js';
import { openExistingLedger } from '../db/openExistingLedger.js';
import type { DatabaseLogins } from '../db/roles.js';
import { createLedgerLogger, logLevelOf } from '../main.js';
import { stopOnSignal } from './stopOnSignal.js';

/** Stopping a one-shot command's embedded cluster takes far less; the server's deadline (API.md) bounds it too. */
const STOP_DEADLINE_MS = 10_000;

/**
 * Runs `work` against the ledger the configuration points at, which must already exist (a
 * `NoLedgerError` otherwise): joins or starts its embedded cluster, and stops what it started,
 * also when SIGINT or SIGTERM interrupts the work (exit code 128 + the signal's number).
 */
export async function withExistingLedger<T>(config: AppConfig, work: (logins: DatabaseLogins) => Promise<T>): Promise<T> {
  // Stderr: stdout carries only the command's result.
  const cliLog = createLedgerLogger(logLevelOf(config), 'stderr');
  const signals = stopOnSignal({ log: cliLog, deadlineMs: STOP_DEADLINE_MS, exitCode: (signal) => 128 + constants.signals[signal] });
  try {
    const database = await openExistingLedger(config, cliLog);
    signals.started({ stop: () => database.close() });
    try {
      return await work(database.logins);
    } finally {
      await database.close();
    }
  } finally {
    signals.release();
  }
}
