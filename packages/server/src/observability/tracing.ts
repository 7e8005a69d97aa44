import {
  type Attributes,
  type Context,
  context,
  INVALID_SPAN_CONTEXT,
  isSpanContextValid,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';

/**
 * OpenTelemetry tracing, off by default. It starts when the standard variables ask for an
 * exporter (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or
 * `OTEL_TRACES_EXPORTER` other than `none`) and `OTEL_SDK_DISABLED` is not `true`; the official
 * NodeSDK then reads the rest (`OTEL_EXPORTER_OTLP_PROTOCOL`, `OTEL_SERVICE_NAME`, sampling...).
 * Off, every span below is the API's no-op: no exporter, no context manager, no cost to speak of.
 *
 * One trace per message: the HTTP request (a W3C `traceparent` header continues the caller's
 * trace) or WebSocket frame that sent it, its storing, its delivery on every node (the trace
 * context travels in the Redis bus envelope), and the bot turn it started with each pipeline
 * step and provider call.
 */
export const tracer = trace.getTracer('unique-support');

/** Set once the SDK runs: until then `inSpan` calls straight through (the message path stays lean). */
let started = false;
const idle = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

export function tracingEnabled(env: NodeJS.ProcessEnv): boolean {
  if (env.OTEL_SDK_DISABLED?.toLowerCase() === 'true') return false;
  const exporters = env.OTEL_TRACES_EXPORTER?.trim();
  if (exporters) return exporters !== 'none';
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

/** Starts the SDK when tracing is enabled; resolves to a function that flushes and stops it. */
export async function startTracing(
  env: NodeJS.ProcessEnv = process.env,
): Promise<(() => Promise<void>) | null> {
  if (!tracingEnabled(env)) return null;
  // Traces only: metrics are served at /metrics, logs go to stdout.
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({ serviceName: env.OTEL_SERVICE_NAME || 'unique-support', instrumentations: [] });
  sdk.start();
  started = true;
  return () => sdk.shutdown();
}

/** The active span's ids, for log lines; empty outside a trace. */
export function traceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

/** The active trace as a `traceparent` value, to carry it to another node; undefined outside a trace. */
export function activeTraceparent(): string | undefined {
  const carrier: { traceparent?: string } = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/** The context a `traceparent` (from a header or a bus envelope) continues; the root without one. */
export function contextOf(traceparent: string | undefined): Context {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : ROOT_CONTEXT;
}

/**
 * Runs `fn` in a new span, child of the active one (or of `parent`); ends it when `fn` settles
 * and marks it failed when `fn` throws.
 */
export function inSpan<T>(
  name: string,
  options: { attributes?: Attributes; kind?: SpanKind; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  if (!started) return fn(idle);
  return tracer.startActiveSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes && { attributes: options.attributes }),
    },
    options.parent ?? context.active(),
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error)?.message });
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** The same for synchronous work (a bus delivery). */
export function inSpanSync<T>(
  name: string,
  options: { attributes?: Attributes; kind?: SpanKind; parent?: Context },
  fn: () => T,
): T {
  if (!started) return fn();
  const span = tracer.startSpan(
    name,
    {
      kind: options.kind ?? SpanKind.INTERNAL,
      ...(options.attributes && { attributes: options.attributes }),
    },
    options.parent ?? context.active(),
  );
  try {
    return context.with(trace.setSpan(options.parent ?? context.active(), span), fn);
  } finally {
    span.end();
  }
}

export { SpanKind };

/**
 * A server span for an HTTP request, continuing the caller's trace from its `traceparent`
 * header; null while tracing is off. `run` continues the request inside the span's context.
 */
export function startHttpSpan(
  method: string,
  path: string,
  headers: Record<string, string | string[] | undefined>,
): { span: Span; run: (continuation: () => void) => void } | null {
  if (!started) return null;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const span = tracer.startSpan(
    `HTTP ${method}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } },
    parent,
  );
  const active = trace.setSpan(parent, span);
  return { span, run: (continuation) => context.with(active, continuation) };
}

/** Ends an HTTP span with its route and status. */
export function endHttpSpan(span: Span, method: string, route: string | undefined, status: number): void {
  if (route) {
    span.updateName(`${method} ${route}`);
    span.setAttribute('http.route', route);
  }
  span.setAttribute('http.response.status_code', status);
  if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
