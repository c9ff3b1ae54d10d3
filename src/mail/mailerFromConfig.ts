import { join } from 'node:path';
import type { AppConfig } from '../config/config.js';
import { createEmlFileMailer } from './emlFileMailer.js';
import type { Mailer } from './mailer.js';
import { createSesMailer } from './sesMailer.js';

/**
 * SES when SES_FROM_ADDRESS is set; otherwise (never in production: the config refuses it) `.eml`
 * files under `<LEDGER_DATA_DIR>/mail/`, each logged. The SDK finds credentials itself (role,
 * profile, environment) and the region in AWS_REGION.
 */
export function mailerFromConfig(config: Pick<AppConfig, 'mail' | 'aws' | 'dataDir'>, log: { info(message: string): void }): Mailer {
  const { fromAddress, sesEndpointUrl } = config.mail;
  if (fromAddress === undefined) return createEmlFileMailer(join(config.dataDir, 'mail'), log);
  return createSesMailer({
    fromAddress,
    ...(config.aws.region === undefined ? {} : { region: config.aws.region }),
    ...(sesEndpointUrl === undefined ? {} : { endpoint: sesEndpointUrl }),
  });
}
