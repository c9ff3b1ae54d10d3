import { rebuildProjectionsAt } from '../../audit/auditCommands.js';
import { loadConfig } from '../../config/config.js';
import { createProgressLine } from '../progressLine.js';
import { withExistingLedger } from '../withExistingLedger.js';

/** Prints the report on stdout. */
export async function run(): Promise<number> {
  return withExistingLedger(await loadConfig(), async (logins) => {
    const progress = createProgressLine(process.stderr);
    const started = Date.now();
    const report = await rebuildProjectionsAt(logins.system, ({ streams, events }) => {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      progress.show(`rebuilding: ${streams} streams, ${events} events, ${Math.round(events / seconds)} events/s`);
    });
    progress.finish(`rebuilt: ${report.streams} streams, ${report.events} events, ${report.eventsPerSecond} events/s`);
    console.log(JSON.stringify(report));
    return 0;
  });
}
