// Layering of the booking ledger, checked by `npm run lint:deps` (part of `npm test`). ADR 0025 says why.
//
//   src/domain        pure deciders: imports nothing of ours outside src/domain (libraries such as zod are fine)
//   src/db            the bottom of the infrastructure: pool, roles, migrations, the transaction helper and the
//                     NOTIFY after its COMMIT. Imports nothing of ours outside src/db.
//   src/ledger        the event log on top of src/db (append, read, hash chain)
//   projections/      read models; the log and the database below them, never a use case or HTTP
//   src/app           use cases: one per command or webhook flow; owns the transaction. Never HTTP.
//   src/audit, src/consumers
//                     use cases of their own (verify, rebuild, checkpoints; consumers of the global log):
//                     they may use src/app, never HTTP
//   src/http          the driving adapter (fastify): uses the use cases; only the composition root imports it
//   adapters          src/payments (Stripe, Mercado Pago), src/panel (the activity panel), src/identity (Cognito tokens, users' port),
//                     src/config (environment, Secrets Manager), src/fs (private files), src/mail (SES, .eml files), src/jobs (periodic
//                     runner): edge code the use cases call or the composition root wires; they never import
//                     src/app or src/http (a use case is handed to them, they do not reach for it)
//   src/composition.ts the composition root: wires every route, job and adapter; src/main.ts (the server) and
//                     src/cli.ts (the entry point) sit on it: these may import anything
//   test/             tests and their support code may import anything
//
// There is no baseline of known violations: a new one fails `npm test` until the code is fixed.

/** Where the program and the tests start. */
// src/cli.ts too: a launcher that imports it by computed URL (bin/ledger.js choosing source or build)
// is not followed by dependency-cruiser.
const ENTRY_POINTS = ['^bin/', '^src/cli[.]ts$', '[.]spec[.]ts$', '^test/bench/run[.]ts$', '^test/support/globalSetup[.]ts$'];

/** The composition root and the command line on top of it. */
const TOP = 'src/(main[.]ts|composition[.]ts|cli[.]ts|cli/)';

/** Edge adapters: never import a use case or HTTP. */
const ADAPTERS = '^src/(payments|identity|config|fs|jobs|panel|mail)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment: 'src/domain holds the deciders: no I/O, no clock, nothing of ours outside src/domain. Libraries are fine.',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: '[.]spec[.]ts$' },
      to: { pathNot: ['^src/domain/', 'node_modules'], dependencyTypesNot: ['core'] },
    },
    {
      name: 'domain-uses-no-node-io',
      comment: 'A decider that reads files, the network or the clock is no longer pure (node: built-ins are I/O).',
      severity: 'error',
      from: { path: '^src/domain/', pathNot: '[.]spec[.]ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'db-is-the-bottom',
      comment:
        'src/db is below the ledger and everything else: it imports nothing of ours outside src/db. ' +
        'The commit notice lives in src/db because the transaction helper, which owns COMMIT, sends it.',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: '^(src|projections)/', pathNot: '^src/db/' },
    },
    {
      name: 'ledger-below-use-cases',
      comment: 'The event log is infrastructure under the use cases and read models; it never imports them.',
      severity: 'error',
      from: { path: '^src/ledger/' },
      to: { path: `^(src/(app|http|audit|consumers|payments|identity|jobs)/|${TOP}|projections/)` },
    },
    {
      name: 'projections-below-use-cases',
      comment: 'Read models are written by use cases and read by HTTP; they import neither.',
      severity: 'error',
      from: { path: '^projections/', pathNot: '[.]spec[.]ts$' },
      to: { path: `^(src/(app|http|audit|payments|identity|jobs)/|${TOP})` },
    },
    {
      name: 'app-not-http',
      comment: 'Use cases know nothing of HTTP: a port they need is declared beside them or in the adapter it names.',
      severity: 'error',
      from: { path: '^src/app/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'adapters-not-app-or-http',
      comment:
        'Adapters (src/payments, src/identity, src/config, src/fs, src/jobs) are handed use cases by the composition root; they never import src/app or src/http.',
      severity: 'error',
      from: { path: ADAPTERS },
      to: { path: '^src/(app|http)/' },
    },
    {
      name: 'only-the-root-imports-http',
      comment: 'HTTP is the outermost layer: only the composition root (src/composition.ts, src/main.ts) and tests wire it.',
      severity: 'error',
      from: { path: '^(src|projections)/', pathNot: ['^src/http/', '^src/main[.]ts$', '^src/composition[.]ts$'] },
      to: { path: '^src/http/' },
    },
    {
      name: 'no-importing-the-entry-points',
      comment:
        'The composition root (src/composition.ts), the server (src/main.ts) and the command line (src/cli.ts, src/cli/) sit on top: only the server and the command line (and tests, scripts) import them.',
      severity: 'error',
      from: { path: '^(src|projections)/', pathNot: '^src/(cli[.]ts$|cli/|main[.]ts$)' },
      to: { path: `^${TOP}` },
    },
    {
      name: 'no-circular',
      comment: 'Cycles make the layering meaningless and import order fragile; type-only imports count too.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-orphans',
      comment:
        'A module nothing imports is dead code or an entry point. Entry points: specs, the CLI launcher (bin/), ' +
        'vitest.config.ts and its global setup, the bench runner (npm run bench), and its child processes.',
      severity: 'error',
      from: {
        orphan: true,
        pathNot: [
          '(^|/)[.][^/]+[.](c|m)?js$',
          '[.]d[.]ts$',
          '[.]spec[.]ts$',
          '^bin/',
          '^vitest[.]config[.]ts$',
          '^test/support/globalSetup[.]ts$',
          '^test/bench/run[.]ts$',
          '^eslint[.]config[.]js$',
        ],
      },
      to: {},
    },
    {
      name: 'no-unreachable',
      comment:
        'dependency-cruiser calls a module an orphan only when it imports nothing and nothing imports it; code ' +
        'that imports others but that no entry point reaches is dead just the same. Entry points: the CLI ' +
        'launcher (bin/ledger.js, which loads src/cli.ts), the specs, the bench runner and the test global setup.',
      severity: 'error',
      from: { path: ENTRY_POINTS },
      to: { path: '^(src|projections)/', pathNot: ['[.]spec[.]ts$', '^src/cli[.]ts$'], reachable: false },
    },
    {
      name: 'production-code-reachable-from-the-cli',
      comment:
        'Code under src/ and projections/ that only tests reach is test support: keep it in a testing/ folder or under ' +
        'test/, or delete it.',
      severity: 'error',
      from: { path: '^(bin/|src/cli[.]ts$)' },
      to: { path: '^(src|projections)/', pathNot: ['[.]spec[.]ts$', '/testing/', '^src/cli[.]ts$'], reachable: false },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing fails at run time (or names a package missing from package.json).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'Production code must not need a devDependency (the Docker image installs without them).',
      severity: 'error',
      from: { path: '^(src|projections)/', pathNot: ['[.]spec[.]ts$', '^src/domain/testing/', '^src/identity/testing/'] },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports are dependencies too (src/app importing a type from src/http is a layering error).
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
