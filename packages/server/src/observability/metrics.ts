import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The process's Prometheus metrics, served at `/metrics`. One registry per server instance. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Histogram({
      name: 'us_http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers: [registry],
    }),
    wsConnections: new Gauge({
      name: 'us_ws_connections',
      help: 'Open WebSocket connections',
      labelNames: ['principal'] as const,
      registers: [registry],
    }),
    messagesStored: new Counter({
      name: 'us_messages_stored_total',
      help: 'Messages stored, by author type',
      labelNames: ['author'] as const,
      registers: [registry],
    }),
    wsSlowClientsClosed: new Counter({
      name: 'us_ws_slow_clients_closed_total',
      help: 'Sockets closed with 1013 because their outbound queue passed its bound',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
