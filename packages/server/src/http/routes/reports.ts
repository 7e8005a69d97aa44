import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { reportCsv } from '../../core/report-service.ts';
import { bearer, type HttpDeps } from '../http-server.ts';
import { ReportQuery, ReportResponse } from '../schemas.ts';

/** Reports for admins over whole UTC days, as JSON or as CSV. */
export const reportRoutes: FastifyPluginAsyncTypebox<HttpDeps> = async (app, { accounts, reports }) => {
  const auth = bearer(accounts);
  const tags = ['reports'];
  const security = [{ bearer: [] }];

  app.get(
    '/reports',
    {
      schema: {
        tags,
        security,
        summary:
          'Conversations, first response and resolution times, CSAT, bot deflection and what the answer cache saved, per day and in total (admins)',
        querystring: ReportQuery,
        response: { 200: ReportResponse },
      },
    },
    async (request) => ({ report: await reports.report(await auth(request), request.query) }),
  );

  app.get(
    '/reports.csv',
    {
      schema: {
        tags,
        security,
        summary: 'The same report, one CSV line per day (admins)',
        querystring: ReportQuery,
      },
    },
    async (request, reply) => {
      const report = await reports.report(await auth(request), request.query);
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="report-${report.from}-${report.to}.csv"`);
      return reportCsv(report);
    },
  );
};
