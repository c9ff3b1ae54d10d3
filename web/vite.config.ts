import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The backoffice web app, served by the ledger under /backoffice/ (src/http/routes/backofficeApp.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/backoffice/',
  // Preact's JSX runtime, without a framework plugin: the app uses no hot reload or compat layer.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // Nothing inlined as data: URLs or inline scripts, so the page runs under a `'self'`-only CSP.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
