import { keyWrapperFromConfig } from '../../privacy/keyWrapperFromConfig.js';
import { createPersonalData } from '../../privacy/personalData.js';
import { checkpointSignerFromConfig } from '../../audit/checkpointSignerFromConfig.js';
import { verifyingKeyOf } from '../../audit/checkpointSigning.js';
import { composeLedger } from '../../composition.js';
import { mailerFromConfig } from '../../mail/mailerFromConfig.js';
import { loadConfig } from '../../config/config.js';
import { createCommandPool } from '../../db/commandPool.js';
import { createDatabasePool } from '../../db/pool.js';
import { SYSTEM_ROLE } from '../../db/roles.js';
import { runDueJobs } from '../../jobs/jobWorker.js';
import { createLedgerLogger, logLevelOf } from '../../main.js';
import { type CommandInput, numberFlag } from '../commandSpec.js';
import { withExistingLedger } from '../withExistingLedger.js';

/**
 * `ledger reconcile`: one reconciliation run against the configured providers, then the refunds it
 * asked for (and any a stopped server left due), so that the report means the providers were asked.
 */
export async function run(input: CommandInput): Promise<number> {
  const config = await loadConfig();
  // On stderr: stdout carries only the report.
  const cliLog = createLedgerLogger(logLevelOf(config), 'stderr');
  const olderThanSeconds = numberFlag(input, 'older-than');
  return withExistingLedger(config, async (logins) => {
    const pool = await createDatabasePool(logins.app, { maximumPoolSize: 4 });
    const systemPool = await createDatabasePool(logins.system, { maximumPoolSize: 2, role: SYSTEM_ROLE });
    const commands = createCommandPool(logins.app, { maximumPoolSize: 4 });
    try {
      const app = {
        pool,
        systemPool,
        commands,
        clock: () => new Date(),
        holdTtlSeconds: config.holdTtlSeconds,
        paymentGraceSeconds: config.paymentGraceSeconds,
        personalData: createPersonalData(pool, await keyWrapperFromConfig(config)),
      };
      const signer = await checkpointSignerFromConfig(config);
      // With the mailer, changes a reconciliation makes call for their customer e-mails; the server's workers send them.
      const mailer = mailerFromConfig(config, cliLog);
      const ledger = composeLedger(app, { ...config, trustedCheckpointKey: verifyingKeyOf(signer), mailer }, cliLog);
      const report = await ledger.reconcile(olderThanSeconds === undefined ? {} : { olderThanSeconds });
      const { sendRefund } = ledger.jobs;
      if (sendRefund) await runDueJobs({ connectionString: logins.system, handlers: { sendRefund }, log: cliLog });
      console.log(JSON.stringify(report));
      return 0;
    } finally {
      await commands.end();
      await systemPool.end();
      await pool.end();
    }
  });
}
