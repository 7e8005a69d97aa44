import { execFileSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, login } from './harness.ts';
import { REPO_ROOT, startProcess } from './process.ts';

/**
 * `npm start` runs the server bundle (packages/server/dist, built by `npm install` and before
 * every start): the same server, with its pages, its database and its lazily loaded parts.
 */
describe('the bundle npm start runs', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['packages/server/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  });

  it('starts, serves the demo page, the console and the API, and stops cleanly', async () => {
    const server = await startProcess({ dataDir: await mkdtemp(join(tmpdir(), 'us-start-')), bundle: true });
    expect((await api(server.url, 'GET', '/readyz')).body).toMatchObject({
      status: 'ready',
      redis: 'not used',
    });
    for (const page of ['/', '/console/']) {
      const res = await fetch(`${server.url}${page}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
    }
    const admin = await login(server.url);
    expect((await api(server.url, 'GET', '/api/v1/me', { token: admin.token })).status).toBe(200);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
