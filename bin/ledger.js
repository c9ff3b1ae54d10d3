#!/usr/bin/env node
// `npx ledger …`. In a checkout (src/cli.ts there and the dev dependency tsx installed) it runs the
// TypeScript source through tsx's loader, so no build step is needed and a dist/ left over from an
// earlier `npm run build` is never run stale. Elsewhere (the image: dist/ only, no tsx) it runs the
// compiled dist/src/cli.js.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli.ts', import.meta.url);
const compiled = new URL('../dist/src/cli.js', import.meta.url);

async function loadTsx() {
  try {
    return await import('tsx/esm/api');
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

const tsx = existsSync(source) ? await loadTsx() : undefined;
if (tsx !== undefined) {
  tsx.register();
  await import(source.href);
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  process.stderr.write('ledger: neither the source with tsx (npm install) nor a build (npm run build) is here\n');
  process.exit(1);
}
