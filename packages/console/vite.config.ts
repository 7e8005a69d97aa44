import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

// The console is served by the server at /console (SPA fallback to index.html).
// `npx vite` in this folder gives a dev server proxying the API and the WebSocket to CONSOLE_API.
const api = process.env.CONSOLE_API ?? 'http://localhost:8080';
const BASE = '/console/';
/** Target P5 (docs: /work/shared/spec/targets.md): console first load ≤ 300 KB gzip. */
const BUDGET_BYTES = 300 * 1024;

/**
 * After the build: the gzip size of what the browser loads first (the JS and CSS that
 * index.html references, module preloads included), printed and written to dist/sizes.json.
 */
function firstLoadSize(): Plugin {
  let outDir = 'dist';
  return {
    name: 'first-load-size',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir.startsWith('/')
        ? config.build.outDir
        : join(config.root, config.build.outDir);
    },
    closeBundle() {
      const html = readFileSync(join(outDir, 'index.html'), 'utf8');
      const files = new Set<string>();
      for (const match of html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)) files.add(match[1]!);
      const assets = [...files].map((url) => {
        const bytes = readFileSync(join(outDir, url.startsWith(BASE) ? url.slice(BASE.length) : url));
        return { file: url, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
      });
      const gzip = assets.reduce((n, a) => n + a.gzip, 0);
      const raw = assets.reduce((n, a) => n + a.bytes, 0);
      const report = {
        firstLoad: {
          gzipBytes: gzip,
          rawBytes: raw,
          budgetGzipBytes: BUDGET_BYTES,
          withinBudget: gzip <= BUDGET_BYTES,
        },
        assets,
      };
      writeFileSync(join(outDir, 'sizes.json'), `${JSON.stringify(report, null, 2)}\n`);
      const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
      console.log(
        `\nconsole first load: ${kb(gzip)} gzip (${kb(raw)} raw), budget ${kb(BUDGET_BYTES)} → dist/sizes.json`,
      );
      if (gzip > BUDGET_BYTES)
        throw new Error(`console first load ${kb(gzip)} gzip is over the ${kb(BUDGET_BYTES)} budget`);
    },
  };
}

export default defineConfig({
  base: BASE,
  oxc: { jsx: { runtime: 'automatic' } },
  plugins: [firstLoadSize()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: api, changeOrigin: true },
      '/readyz': { target: api, changeOrigin: true },
      '/widget': { target: api, changeOrigin: true },
      '/ws': { target: api.replace(/^http/, 'ws'), ws: true, changeOrigin: true },
    },
  },
});
