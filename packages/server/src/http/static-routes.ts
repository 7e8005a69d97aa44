import { existsSync, readFileSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.ts';

/** packages/server: this file is in src/http, or bundled into dist/ (`npm start`). */
const here = import.meta.dirname;
const serverPackage = here.includes(`${sep}dist`)
  ? here.slice(0, here.lastIndexOf(`${sep}dist`))
  : resolve(here, '../..');
const root = resolve(serverPackage, '../..');
export const WIDGET_DIST = resolve(root, 'packages/widget/dist');
export const CONSOLE_DIST = resolve(root, 'packages/console/dist');
const DEMO_PAGE = resolve(serverPackage, 'public/demo.html');

const notBuilt = (what: string) =>
  `<!doctype html><meta charset="utf-8"><title>Not built</title><p>The ${what} is not built yet: run <code>npm run build</code> (npm install does it).</p>`;

/**
 * The product's pages: `/` a demo shop with the widget, `/widget/*` the widget (loader and
 * iframe app, embeddable anywhere), `/console/*` the agent console (a single-page app: unknown
 * paths get its index.html; never framed).
 */
export async function staticRoutes(app: FastifyInstance, { store }: { store: Store }): Promise<void> {
  const demo = readFileSync(DEMO_PAGE, 'utf8');
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const workspace = await store.firstWorkspace();
    const key = (workspace?.widgetKey ?? '').replace(/[^\w-]/g, '');
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
    return demo.replace('{{WIDGET_KEY}}', key);
  });

  if (existsSync(WIDGET_DIST)) {
    await app.register(fastifyStatic, {
      root: WIDGET_DIST,
      prefix: '/widget/',
      index: false,
      decorateReply: false,
      setHeaders: (res) => {
        res.header('x-content-type-options', 'nosniff');
        res.header('cache-control', 'no-cache');
      },
    });
  } else {
    app.get('/widget/*', { schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/html').send(notBuilt('widget')),
    );
  }

  if (existsSync(CONSOLE_DIST)) {
    await app.register(fastifyStatic, {
      root: CONSOLE_DIST,
      prefix: '/console/',
      decorateReply: true,
      setHeaders: (res) => {
        res.header('x-content-type-options', 'nosniff');
        res.header('x-frame-options', 'DENY');
        res.header('content-security-policy', "frame-ancestors 'none'");
      },
    });
    app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
  } else {
    app.get('/console*', { schema: { hide: true } }, async (_request, reply) =>
      reply.code(503).type('text/html').send(notBuilt('console')),
    );
  }
}

/** Deep links of the console (`/console/conversations/...`) are the app's, not files. */
export function isConsoleDeepLink(url: string, accept: string | undefined): boolean {
  return (
    url.startsWith('/console/') &&
    !url.includes('/assets/') &&
    (accept ?? '').includes('text/html') &&
    existsSync(CONSOLE_DIST)
  );
}
