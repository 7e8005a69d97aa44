import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** P5: the loader ≤ 10 KB gzip, the whole widget (loader + iframe html/js/css) ≤ 60 KB gzip. */
const LOADER_GZIP_LIMIT = 10 * 1024;
const WIDGET_GZIP_LIMIT = 60 * 1024;

const packageDir = join(import.meta.dirname, '..');
let outdir: string;
let sizes: { loaderGzip: number; widgetGzip: number; files: Record<string, { bytes: number; gzip: number }> };
const read = (file: string) => readFileSync(join(outdir, file), 'utf8');

beforeAll(() => {
  // A fresh build, in a directory of its own (dist/ may be in use by a running server).
  outdir = mkdtempSync(join(tmpdir(), 'us-widget-'));
  execFileSync(process.execPath, [join(packageDir, 'build.mjs'), '--outdir', outdir], { stdio: 'pipe' });
  sizes = JSON.parse(read('sizes.json'));
}, 60_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('widget bundle', () => {
  it(`keeps the loader under ${LOADER_GZIP_LIMIT} bytes gzip`, () => {
    expect(sizes.loaderGzip).toBe(sizes.files['loader.js']!.gzip);
    expect(sizes.loaderGzip).toBeLessThanOrEqual(LOADER_GZIP_LIMIT);
  });

  it(`keeps the whole widget under ${WIDGET_GZIP_LIMIT} bytes gzip`, () => {
    const parts = ['loader.js', 'frame.html', 'frame.js', 'frame.css'];
    expect(sizes.widgetGzip).toBe(parts.reduce((sum, f) => sum + sizes.files[f]!.gzip, 0));
    expect(sizes.widgetGzip).toBeLessThanOrEqual(WIDGET_GZIP_LIMIT);
  });

  it('ships no HTML parsing of data and no wildcard postMessage', () => {
    for (const file of ['loader.js', 'frame.js', 'index.js']) {
      const code = read(file);
      expect(code, file).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
      expect(code, file).not.toMatch(/postMessage\([^)]*['"]\*['"]\)/);
    }
    // The loader may run on pages in any encoding (GBK...): ASCII only.
    expect(/^[\x20-\x7e\s]*$/.test(read('loader.js'))).toBe(true);
  });

  it('points frame.html at its assets and pins a content security policy', () => {
    const html = read('frame.html');
    expect(html).toMatch(/<script src="frame\.js\?v=[0-9a-f]{10}" defer><\/script>/);
    expect(html).toMatch(/<link rel="stylesheet" href="frame\.css\?v=[0-9a-f]{10}">/);
    expect(html).toContain("script-src 'self'");
  });

  it('leaves React out of index.js', () => {
    const code = read('index.js');
    expect(code).toMatch(/from "react"/);
    expect(code).not.toContain('react.production');
  });
});
