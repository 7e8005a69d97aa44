// Builds unique-support-web into dist/ (or `--outdir DIR`):
//   loader.js   the <script> merchants paste (IIFE, ASCII-only so any page encoding works)
//   frame.html, frame.js, frame.css   the chat inside the iframe, served from the server origin
//   index.js    ESM for bundlers: ChatWidget (React, external) and createWidget
//   sizes.json  raw and gzip bytes of each file; `widget` = loader + frame html/js/css
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const flag = process.argv.indexOf('--outdir');
const outdir = resolve(flag > 0 ? process.argv[flag + 1] : join(here, 'dist'));
const src = (path) => join(here, 'src', path);
const browsers = ['es2020', 'chrome90', 'edge90', 'firefox90', 'safari15'];
const common = { bundle: true, minify: true, legalComments: 'none', target: browsers, logLevel: 'warning' };

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

await Promise.all([
  build({ ...common, entryPoints: [src('loader.ts')], outfile: join(outdir, 'loader.js'), format: 'iife' }),
  build({
    ...common,
    entryPoints: [src('frame/main.ts')],
    outfile: join(outdir, 'frame.js'),
    format: 'iife',
    charset: 'utf8',
  }),
  build({
    ...common,
    entryPoints: [src('frame/frame.css')],
    outfile: join(outdir, 'frame.css'),
    charset: 'utf8',
  }),
  build({
    bundle: true,
    entryPoints: [src('index.ts')],
    outfile: join(outdir, 'index.js'),
    format: 'esm',
    platform: 'browser',
    target: browsers,
    external: ['react', 'react/*'],
    logLevel: 'warning',
  }),
]);

// frame.html names its assets with a content hash, so a new build is never mixed with a cached one.
const version = (file) =>
  createHash('sha256')
    .update(readFileSync(join(outdir, file)))
    .digest('hex')
    .slice(0, 10);
const html = readFileSync(src('frame/frame.html'), 'utf8')
  .replace('{{CSS}}', `frame.css?v=${version('frame.css')}`)
  .replace('{{JS}}', `frame.js?v=${version('frame.js')}`);
writeFileSync(join(outdir, 'frame.html'), html);

const files = ['loader.js', 'frame.html', 'frame.js', 'frame.css', 'index.js'];
const sizes = {};
for (const file of files) {
  const bytes = readFileSync(join(outdir, file));
  sizes[file] = { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
}
const widget = ['loader.js', 'frame.html', 'frame.js', 'frame.css'].reduce(
  (sum, f) => sum + sizes[f].gzip,
  0,
);
const report = { files: sizes, loaderGzip: sizes['loader.js'].gzip, widgetGzip: widget };
writeFileSync(join(outdir, 'sizes.json'), `${JSON.stringify(report, null, 2)}\n`);
for (const file of files)
  console.log(
    `${file.padEnd(12)} ${String(sizes[file].bytes).padStart(7)} B  ${String(sizes[file].gzip).padStart(6)} B gzip`,
  );
console.log(`widget (loader + frame) ${widget} B gzip`);
