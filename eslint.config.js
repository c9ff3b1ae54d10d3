// @ts-check
// ESLint 9 flat config: typescript-eslint's strict and stylistic type-checked sets, tuned where this
// codebase is deliberately different (each tuning says why). `npm run lint`, part of `npm test`. ADR 0025.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const tests = ['test/**', '**/*.spec.ts'];

/** @type {import('@typescript-eslint/utils').TSESLint.FlatConfig.Rules} */
const tunedRules = {
  // Types are `type` aliases throughout (unions, intersections and objects alike, as in STYLE.md);
  // interfaces for the object-shaped ones would only add a second way to say the same thing.
  '@typescript-eslint/consistent-type-definitions': ['error', 'type'],
  // Numbers in messages (`only ${held} seat(s) are held`, ports in URLs) are what a template is for;
  // objects, undefined and null in a string are still errors.
  '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
  // Request bodies, provider forms and env maps are Record<string, …>: bracket access says "a key from
  // outside" there, dot access a known field.
  '@typescript-eslint/dot-notation': ['error', { allowIndexSignaturePropertyAccess: true }],
  // `(head) => digest.add(head)` and `() => resolve()` callbacks are the codebase's habit and read fine;
  // `return voidCall()` inside a block is still flagged.
  '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
  // `async () => undefined` is how a no-op satisfies a Promise-returning port here; a forgotten await
  // is no-floating-promises' and no-misused-promises' job, and those stay on.
  '@typescript-eslint/require-await': 'off',
  // Conflicts with no-non-null-assertion, which stays on outside tests: where `!` is forbidden, a cast
  // that names the type (`keys().next().value as string`) is what is left.
  '@typescript-eslint/non-nullable-type-assertion-style': 'off',
  // `_reply`, `_event`: a parameter a signature requires but the body does not use.
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'all' }],
};

/** @type {import('@typescript-eslint/utils').TSESLint.FlatConfig.Rules} */
const testRules = {
  // Tests read untyped JSON (inject() and fetch bodies, the fake providers' forms) and assert on it with
  // expect: typing every response would restate the API inside the tests. Production code keeps these
  // rules, and parses what it reads with zod.
  '@typescript-eslint/no-unsafe-member-access': 'off',
  '@typescript-eslint/no-unsafe-assignment': 'off',
  '@typescript-eslint/no-unsafe-argument': 'off',
  '@typescript-eslint/no-unsafe-call': 'off',
  '@typescript-eslint/no-unsafe-return': 'off',
  '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowAny: true }],
  // With noUncheckedIndexedAccess, `rows[0]!` after `expect(rows).toHaveLength(1)` is the idiom: a wrong
  // assumption fails the test, which is what a test is for.
  '@typescript-eslint/no-non-null-assertion': 'off',
  // Tests take a key out of a valid input to build an invalid one (`delete env[missing]`).
  '@typescript-eslint/no-dynamic-delete': 'off',
};

const presets = [eslint.configs.recommended, ...tseslint.configs.strictTypeChecked, ...tseslint.configs.stylisticTypeChecked];

export default tseslint.config(
  // Generated: clients/ledger-api.d.ts by `npm run openapi:client`.
  { ignores: ['node_modules/', 'dist/', 'web/dist/', 'coverage/', '.ledger/', '.test-pg/', 'clients/ledger-api.d.ts'] },
  ...presets,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', '*.cjs', 'bin/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: tunedRules,
  },
  { files: tests, rules: testRules },
  { files: ['**/*.js', '**/*.cjs'], ...tseslint.configs.disableTypeChecked },
  // Plain JavaScript here runs on Node (bin/ledger.js, the configs): its globals, which the TypeScript files get from @types/node.
  { files: ['**/*.js', '**/*.cjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } } },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
);
