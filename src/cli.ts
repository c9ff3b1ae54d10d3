import { runCommandLine } from './cli/runCommandLine.js';

// `npx ledger …` (bin/ledger.js) and `npm run ledger -- …` both run this file.
const outcome = await runCommandLine(process.argv.slice(2));
// process.exit, not exitCode: the embedded cluster's exit hooks would otherwise decide the code.
if (outcome !== 'serving') process.exit(outcome);
