import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, login, startServer, type TestServer } from './harness.ts';

let srv: TestServer;
beforeAll(async () => {
  srv = await startServer();
});
afterAll(() => srv.close());

describe('service endpoints', () => {
  it('documents every /api/v1 route of the contract in OpenAPI 3, with request schemas', async () => {
    const { status, body } = await api(srv.url, 'GET', '/api/v1/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    const routes = Object.entries(body.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /api/v1/signup',
        'POST /api/v1/auth/login',
        'GET /api/v1/me',
        'GET /api/v1/agents',
        'POST /api/v1/agents',
        'PATCH /api/v1/agents/{id}',
        'POST /api/v1/widget/session',
        'POST /api/v1/conversations',
        'GET /api/v1/conversations',
        'GET /api/v1/conversations/{id}',
        'GET /api/v1/conversations/{id}/messages',
        'POST /api/v1/conversations/{id}/messages',
        'POST /api/v1/conversations/{id}/handoff',
        'POST /api/v1/conversations/{id}/assign',
        'POST /api/v1/conversations/{id}/resolve',
        'POST /api/v1/conversations/{id}/rating',
      ]),
    );
    const send = body.paths['/api/v1/conversations/{id}/messages'].post;
    expect(send.requestBody.content['application/json'].schema.required).toEqual(['text']);
    expect(Object.keys(send.responses)).toEqual(expect.arrayContaining(['200', '201']));
  });

  it('answers health, readiness and metrics', async () => {
    expect((await api(srv.url, 'GET', '/healthz')).status).toBe(200);
    const ready = await api(srv.url, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({
      status: 'ready',
      down: [],
      // The shipped config's provider has no key in tests: no provider, the rule engine answers.
      redis: 'not used',
      bot: { enabled: true, providers: [] },
    });
    await login(srv.url);
    const response = await fetch(`${srv.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('us_ws_connections');
    expect(text).toMatch(
      /us_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/auth\/login",status="200"\} 1/,
    );
  });

  it('reports 503 with what is down when the database does not answer', async () => {
    const down = await startServer();
    await down.server.store.close();
    const ready = await api(down.url, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'unavailable', down: ['database'] });
    await down.server.http.close();
  });
});
