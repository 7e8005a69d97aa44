import pino, { type Logger } from 'pino';
import { traceIds } from './tracing.ts';

/** JSON logs; tokens and passwords never reach them (see the redaction paths and the url serializer). */
export function createLogger(level: string): Logger {
  return pino({
    level,
    // The trace and span of the work a line is logged in, when tracing is on.
    mixin: traceIds,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', '*.password', '*.token', '*.visitorToken'],
      censor: '[redacted]',
    },
    serializers: {
      req: (req: { method: string; url: string; ip?: string; id?: string }) => ({
        id: req.id,
        method: req.method,
        url: redactUrl(req.url),
        ip: req.ip,
      }),
    },
  });
}

/** `/ws?token=abc` → `/ws?token=[redacted]`. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:token|visitorToken)=)[^&]*/gi, '$1[redacted]');
}
