import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tracingEnabled } from '../src/observability/tracing.ts';
import { eventually, login, newVisitorConversation, TestSocket, widgetKeyOf } from './harness.ts';
import { createSchema, postgresAvailable, REDIS_URL, type TestSchema } from './pg-schema.ts';
import { type ServerProcess, startProcess } from './process.ts';

/**
 * OpenTelemetry through the standard OTEL_* variables, exported for real (OTLP over HTTP/JSON)
 * to a collector in this test, from two server processes on PostgreSQL and Redis.
 */
interface CollectedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
}

/** A minimal OTLP/HTTP JSON collector: keeps every span it is sent. */
async function startCollector(): Promise<{ url: string; spans: CollectedSpan[]; server: Server }> {
  const spans: CollectedSpan[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const request = JSON.parse(body);
      for (const resourceSpans of request.resourceSpans ?? []) {
        const service = resourceSpans.resource?.attributes?.find(
          (a: { key: string }) => a.key === 'service.name',
        )?.value?.stringValue;
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) spans.push({ service, ...span });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, spans, server };
}

describe('tracingEnabled', () => {
  it('is off by default and follows the standard variables', () => {
    expect(tracingEnabled({})).toBe(false);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracingEnabled({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' })).toBe(true);
    expect(tracingEnabled({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(
      tracingEnabled({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }),
    ).toBe(false);
    expect(tracingEnabled({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toBe(
      false,
    );
  });
});

const available = await postgresAvailable();
const schemas: TestSchema[] = [];
const servers: Server[] = [];
afterAll(async () => {
  for (const server of servers) server.close();
  for (const schema of schemas) await schema.drop();
});

describe.runIf(available)('a trace across two nodes', () => {
  it('follows a message from the HTTP request on node A through the store, the bot and Redis to node B; logs carry the trace id', async () => {
    const collector = await startCollector();
    servers.push(collector.server);
    const schema = await createSchema('tracing');
    schemas.push(schema);
    const node = async (name: string): Promise<ServerProcess> =>
      startProcess({
        dataDir: await mkdtemp(join(tmpdir(), 'us-trace-')),
        env: {
          DATABASE_URL: schema.url,
          REDIS_URL,
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_SERVICE_NAME: name,
          OTEL_BSP_SCHEDULE_DELAY: '50',
        },
      });
    const a = await node('node-a');
    const b = await node('node-b');

    const admin = await login(b.url);
    const visitor = await newVisitorConversation(a.url, await widgetKeyOf(a.url, admin.token));
    const conversationId = visitor.conversation.id;
    const agentWs = await TestSocket.connect(b.wsUrl, admin.token);
    try {
      agentWs.send({ type: 'subscribe', conversationId, lastSeq: 0 });
      await agentWs.next((f) => f.type === 'subscribed');

      // The caller's trace: a W3C traceparent on the request.
      const traceId = randomBytes(16).toString('hex');
      const callerSpanId = randomBytes(8).toString('hex');
      const sent = await fetch(`${a.url}/api/v1/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${visitor.token}`,
          'content-type': 'application/json',
          traceparent: `00-${traceId}-${callerSpanId}-01`,
        },
        body: JSON.stringify({ text: 'Where is my parcel?', clientMessageId: 'traced-1' }),
      });
      expect(sent.status).toBe(201);
      await agentWs.next((f) => f.type === 'message.created' && f.message.text === 'Where is my parcel?');

      const traced = await eventually(() => {
        const spans = collector.spans.filter((s) => s.traceId === traceId);
        const names = new Set(spans.map((s) => `${s.service} ${s.name}`));
        const wanted = [
          'node-a POST /api/v1/conversations/:id/messages',
          'node-a message.store',
          'node-a bot.turn',
          'node-b bus.deliver',
        ];
        return wanted.every((n) => names.has(n)) ? spans : null;
      }, 15_000);

      const http = traced.find((s) => s.name === 'POST /api/v1/conversations/:id/messages')!;
      expect(http.parentSpanId).toBe(callerSpanId); // continues the caller's trace
      const byId = new Map(traced.map((s) => [s.spanId, s]));
      // The delivery on node B descends from the request on node A.
      let span = traced.find((s) => s.service === 'node-b' && s.name === 'bus.deliver');
      const chain: string[] = [];
      while (span) {
        chain.push(`${span.service} ${span.name}`);
        span = byId.get(span.parentSpanId);
      }
      expect(chain.at(-1)).toBe('node-a POST /api/v1/conversations/:id/messages');
      expect(traced.some((s) => s.name.startsWith('bot.step '))).toBe(true);

      // Log lines written inside the trace carry its id.
      const logged = a.stdout.filter((line) => line.includes(`"trace_id":"${traceId}"`));
      expect(logged.some((line) => line.includes('bot turn done'))).toBe(true);
    } finally {
      await agentWs.close();
    }
  }, 60_000);
});
