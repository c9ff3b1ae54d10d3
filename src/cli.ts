import { type AppConfig, loadConfig } from './config/config.js';
import { ConfigError } from './config/errors.js';
import { migrate } from './db/migrate.js';
import { openDatabase } from './db/openDatabase.js';
import { runDevTokenCommand } from './identity/devTokenCommand.js';
import { type Logger, startLedger } from './main.js';

const USAGE = `usage: ledger <command>
  serve                  migrate, then serve HTTP on HOST:PORT
  migrate                apply pending migrations
  verify [--public-key FILE]   check every stream's hash chain, every projection against a rebuild, and the
                         signed checkpoints (against FILE, an auditor's copy of the public key, or the configured key)
  checkpoint             record a signed, hash-chained checkpoint of every stream's head (the server also takes one hourly)
  checkpoint --public-key   print the public key that verifies checkpoints (SPKI PEM), for auditors to keep
  replay <streamId> [--tenant T]   print each event of a stream and the state after it
  rebuild-projections    rebuild every read model from the event log
  reconcile [--older-than SECONDS]   ask the providers about payments still open after SECONDS (default 600)
  dev-token --tenant T [--groups admin,staff] [--sub S] [--email E] [--ttl SECONDS]`;

const log: Logger = {
  info: (msg) => console.error(msg),
  warn: (msg) => console.error(`WARNING: ${msg}`),
  error: (msg, err) => console.error(msg, err ?? ''),
};

async function serve(): Promise<void> {
  const config = await loadConfig();
  const ledger = await startLedger(config, log);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal}: stopping`);
    ledger.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Opens the configured database (joining or starting the embedded one), migrated, for one command. */
async function withDatabase<T>(config: AppConfig, work: (url: string) => Promise<T>): Promise<T> {
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database.url);
    return await work(database.url);
  } finally {
    await database.close();
  }
}

function reconcileAge(args: readonly string[]): number | undefined {
  const at = args.indexOf('--older-than');
  if (at < 0) return undefined;
  const value = args[at + 1];
  if (value === undefined || !/^\d+$/.test(value)) throw new ConfigError('--older-than takes a whole number of seconds', { keys: [] });
  return Number(value);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      await serve();
      return -1;
    case 'migrate': {
      const config = await loadConfig();
      const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
      try {
        console.log(JSON.stringify(await migrate(database.url)));
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'dev-token': {
      const config = await loadConfig();
      if (config.nodeEnv === 'production') throw new ConfigError('dev-token is not available in production', { keys: ['NODE_ENV'] });
      console.log(await runDevTokenCommand(args, config.dataDir));
      return 0;
    }
    case 'checkpoint': {
      const { checkpointSignerFromConfig } = await import('./audit/checkpointSignerFromConfig.js');
      const config = await loadConfig();
      const signer = await checkpointSignerFromConfig(config);
      if (args.includes('--public-key')) {
        process.stdout.write(signer.publicKeyPem);
        return 0;
      }
      const { runCheckpointCommand } = await import('./audit/checkpointsCommand.js');
      return withDatabase(config, (url) => runCheckpointCommand(url, signer));
    }
    case 'reconcile': {
      const config = await loadConfig();
      const olderThanSeconds = reconcileAge(args);
      const { runReconcileCommand } = await import('./payments/reconcileCommand.js');
      return withDatabase(config, async (url) => {
        console.log(JSON.stringify(await runReconcileCommand(url, config, olderThanSeconds, log)));
        return 0;
      });
    }
    case 'verify': {
      const { runVerifyCommand, trustedCheckpointKeyFor } = await import('./audit/auditCommands.js');
      const config = await loadConfig();
      const trustedKey = await trustedCheckpointKeyFor(args, config);
      return withDatabase(config, (url) => runVerifyCommand(url, trustedKey));
    }
    case 'replay':
    case 'rebuild-projections': {
      const { runAuditCommand } = await import('./audit/auditCommands.js');
      return withDatabase(await loadConfig(), (url) => runAuditCommand(command, args, url));
    }
    default:
      console.error(USAGE);
      return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    if (error instanceof ConfigError) console.error(`configuration error: ${error.message}`);
    else console.error(error);
    process.exit(1);
  },
);
