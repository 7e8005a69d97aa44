/**
 * The product in a real browser: the demo page with the widget (visitor) and the console
 * (agent), against a real server, with the LLM stub streaming the bot's answers.
 *
 * `SCREENSHOTS=1` saves a few screenshots to docs/ (the console's timeline and reports among
 * them); otherwise these tests write no files.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type StubServer, startStubServer } from '@unique-support/llm-stub';
import type { Browser, BrowserContext, Dialog, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedHelpCenter } from '../../server/src/bot/retrieval/fixtures/help-center.ts';
import { ADMIN, api, eventually, login, startServer, type TestServer } from '../../server/test/harness.ts';
import { type ServerProcess, startProcess } from '../../server/test/process.ts';
import { browserAvailable, launchBrowser } from './browser.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const SCREENSHOTS = process.env.SCREENSHOTS === '1';
const WAIT = 15_000;
const TEST_TIMEOUT = 60_000;
const XSS = '<img src=x onerror="window.__xss=1">';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: join(REPO, 'docs', name) });
}

/** Closes the console's toasts, so a screenshot shows the page under them. */
async function dismissToasts(page: Page): Promise<void> {
  for (const close of await page.locator('[data-testid="toast"] .toast-close').all()) {
    await close.click().catch(() => {});
  }
}

/** A port that was free a moment ago, so a restarted server comes back at the same address. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** The demo shop page, with the widget opened; returns its iframe. */
async function openWidget(page: Page, base: string) {
  await page.goto(`${base}/`);
  await page.locator('unique-support-widget .launcher').waitFor({ timeout: WAIT });
  await page.waitForFunction(() => typeof (globalThis as any).UniqueSupport?.open === 'function', null, {
    timeout: WAIT,
  });
  await page.evaluate(() => (globalThis as any).UniqueSupport.open());
  const frame = page.frameLocator('unique-support-widget iframe');
  await frame.locator('textarea').waitFor({ timeout: WAIT });
  return frame;
}

async function send(frame: ReturnType<Page['frameLocator']>, text: string): Promise<void> {
  const composer = frame.locator('textarea');
  await composer.fill(text);
  await composer.press('Enter');
}

/** The console, logged in as ADMIN. */
async function consoleLogin(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/console/`);
  await page.getByTestId('login-email').fill(ADMIN.email);
  await page.getByTestId('login-password').fill(ADMIN.password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('inbox-list').waitFor({ timeout: WAIT });
}

async function conversationIds(base: string, token: string): Promise<string[]> {
  const { status, body } = await api(base, 'GET', '/api/v1/conversations', { token });
  expect(status).toBe(200);
  return body.conversations.map((c: { id: string }) => c.id);
}

/** The id of the one conversation of `base` not in `known`, once it exists. */
async function newConversation(base: string, token: string, known: Set<string>): Promise<string> {
  return eventually(async () => (await conversationIds(base, token)).find((id) => !known.has(id)), WAIT);
}

// In CI `browserAvailable` is always true: a missing browser fails in `launchBrowser`, never skips.
describe.runIf(browserAvailable)('the product in a real browser', () => {
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function newPage(viewport = DESKTOP): Promise<{ page: Page; dialogs: Dialog[] }> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const page = await context.newPage();
    const dialogs: Dialog[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog);
      void dialog.dismiss().catch(() => {});
    });
    return { page, dialogs };
  }

  describe('with a streaming bot', () => {
    let stub: StubServer;
    let srv: TestServer;
    let token: string;
    const known = new Set<string>();

    beforeAll(async () => {
      stub = await startStubServer({ tokenDelayMs: 30, chunkSize: 6 });
      srv = await startServer({ OPENAI_KEY: 'stub', OPENAI_BASE_URL: stub.url });
      const admin = await login(srv.url);
      token = admin.token;
      await seedHelpCenter(srv.server.store, admin.agent.workspaceId);
    });
    afterAll(async () => {
      await srv?.close();
      await stub?.close();
    });

    it(
      'bot answer streams, handoff to a human, agent reply, resolve, 5-star rating',
      async () => {
        const visitor = await newPage(PHONE);
        const agent = await newPage(DESKTOP);
        await consoleLogin(agent.page, srv.url);

        const frame = await openWidget(visitor.page, srv.url);
        await send(frame, 'How long does shipping take?');
        await frame
          .locator('.row.visitor[data-seq]')
          .filter({ hasText: 'How long does shipping take?' })
          .waitFor({
            timeout: WAIT,
          });
        // The answer streams in, then settles into a stored bot message.
        await frame.locator('.row.streaming').first().waitFor({ timeout: WAIT });
        const answer = frame.locator('.row.other[data-seq]:not(.streaming) .bubble');
        await expect
          .poll(() => answer.allTextContents(), { timeout: WAIT })
          .toContainEqual(expect.stringContaining('Shipping'));
        await expect.poll(() => frame.locator('.row.streaming').count(), { timeout: WAIT }).toBe(0);

        const conversationId = await newConversation(srv.url, token, known);
        known.add(conversationId);

        await frame.locator('button.human').click({ timeout: WAIT });

        // The admin is online (the console holds a socket): the handoff is routed to them.
        await eventually(async () => {
          const { body } = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}`, { token });
          return body.conversation.status === 'assigned';
        }, WAIT);
        await agent.page.getByTestId('inbox-tab-mine').click();
        const item = agent.page.locator(
          `[data-testid="inbox-item"][data-conversation-id="${conversationId}"]`,
        );
        await item.waitFor({ timeout: WAIT });
        await item.click();
        await agent.page
          .getByTestId('message-text')
          .filter({ hasText: 'How long does shipping take?' })
          .waitFor({ timeout: WAIT });

        await agent.page.getByTestId('composer-input').fill('Hello from the team');
        await agent.page.getByTestId('composer-send').click();

        await frame
          .locator('.row.other[data-seq] .bubble')
          .filter({ hasText: 'Hello from the team' })
          .waitFor({
            timeout: WAIT,
          });
        await screenshot(visitor.page, 'e2e-widget-agent-reply.png');
        await agent.page
          .locator('[data-testid="message-item"][data-author-type="agent"]')
          .filter({ hasText: 'Hello from the team' })
          .waitFor({ timeout: WAIT });
        await screenshot(agent.page, 'e2e-console-conversation.png');

        await agent.page.getByTestId('resolve-button').click();

        const stars = frame.locator('.card.rating .stars button');
        await stars.first().waitFor({ timeout: WAIT });
        expect(await stars.count()).toBe(5);
        await stars.nth(4).click();
        await frame.locator('.card.rating button.primary').click();
        await frame.locator('.card.rating').waitFor({ state: 'detached', timeout: WAIT });

        const rated = await eventually(async () => {
          const { body } = await api(srv.url, 'GET', `/api/v1/conversations/${conversationId}`, { token });
          return body.conversation.rating ? body.conversation : null;
        }, WAIT);
        expect(rated.status).toBe('resolved');
        expect(rated.rating.score).toBe(5);
      },
      TEST_TIMEOUT,
    );

    it(
      'message text is never HTML, in the widget nor in the console',
      async () => {
        const visitor = await newPage(DESKTOP);
        const agent = await newPage(DESKTOP);

        const frame = await openWidget(visitor.page, srv.url);
        await send(frame, XSS);
        const bubble = frame.locator('.row.visitor[data-seq] .bubble');
        await bubble.first().waitFor({ timeout: WAIT });
        expect(await bubble.first().textContent()).toBe(XSS);

        const conversationId = await newConversation(srv.url, token, known);
        known.add(conversationId);

        await consoleLogin(agent.page, srv.url);
        await agent.page.getByTestId('inbox-tab-all').click();
        const item = agent.page.locator(
          `[data-testid="inbox-item"][data-conversation-id="${conversationId}"]`,
        );
        await item.waitFor({ timeout: WAIT });
        await item.click();
        const text = agent.page
          .locator('[data-testid="message-item"][data-author-type="visitor"]')
          .getByTestId('message-text');
        await text.first().waitFor({ timeout: WAIT });
        expect(await text.first().textContent()).toBe(XSS);

        // Wait for the bot's answer too, so anything it renders is on the page when we look.
        await frame.locator('.row.other[data-seq]:not(.streaming)').first().waitFor({ timeout: WAIT });

        expect(await frame.locator('img[src="x"]').count()).toBe(0);
        expect(await agent.page.locator('img[src="x"]').count()).toBe(0);
        expect(await visitor.page.locator('img[src="x"]').count()).toBe(0);
        const widgetFrame = visitor.page.frames().find((f) => f.url().includes('/widget/frame.html'));
        expect(widgetFrame).toBeDefined();
        expect(await widgetFrame!.evaluate(() => (globalThis as any).__xss)).toBeUndefined();
        expect(await visitor.page.evaluate(() => (globalThis as any).__xss)).toBeUndefined();
        expect(await agent.page.evaluate(() => (globalThis as any).__xss)).toBeUndefined();
        expect(visitor.dialogs.map((d) => d.message())).toEqual([]);
        expect(agent.dialogs.map((d) => d.message())).toEqual([]);
      },
      TEST_TIMEOUT,
    );
  });

  describe('without an LLM key: the timeline and the reports', () => {
    let srv: TestServer;
    let token: string;

    beforeAll(async () => {
      srv = await startServer(); // no provider: the rules and the knowledge base answer
      const admin = await login(srv.url);
      token = admin.token;
      await seedHelpCenter(srv.server.store, admin.agent.workspaceId);
    });
    afterAll(async () => {
      await srv?.close();
    });

    it(
      "the agent reads the bot's turns in the timeline; the admin sees today in Reports and exports the CSV",
      async () => {
        const visitor = await newPage(DESKTOP);
        const agent = await newPage(DESKTOP);
        await consoleLogin(agent.page, srv.url);

        const frame = await openWidget(visitor.page, srv.url);
        await send(frame, 'How long does shipping take?');
        const answers = frame.locator('.row.other[data-seq]:not(.streaming)');
        await expect.poll(() => answers.count(), { timeout: WAIT }).toBe(1);
        const [conversationId] = await eventually(async () => {
          const ids = await conversationIds(srv.url, token);
          return ids.length === 1 ? ids : null;
        }, WAIT);

        // The agent opens the conversation and its timeline (from the header, by keyboard).
        await agent.page.getByTestId('inbox-tab-bot').click();
        const item = agent.page.locator(
          `[data-testid="inbox-item"][data-conversation-id="${conversationId}"]`,
        );
        await item.waitFor({ timeout: WAIT });
        await item.click();
        await agent.page.getByTestId('timeline-toggle').focus();
        await agent.page.keyboard.press('Enter');
        const panel = agent.page.getByTestId('timeline-panel');
        await panel.waitFor({ timeout: WAIT });
        expect(await agent.page.getByTestId('timeline-toggle').getAttribute('aria-pressed')).toBe('true');

        const turns = panel.getByTestId('timeline-turn');
        await expect.poll(() => turns.count(), { timeout: WAIT }).toBe(1);
        const first = turns.first();
        // No model configured: the best knowledge-base passage answered, and no provider failed.
        expect(await first.getAttribute('data-outcome')).toBe('knowledge');
        expect(await first.getAttribute('data-question-seq')).toBe('1');
        expect(await first.getByTestId('timeline-outcome').textContent()).toContain(
          'Answered from the knowledge base',
        );
        expect(await first.getByTestId('timeline-article').first().textContent()).toContain(
          'Shipping times and costs',
        );
        expect(await first.getByTestId('timeline-failures').count()).toBe(0);
        // Each message's path: the question was received, stored and delivered.
        const question = panel.locator('[data-testid="timeline-message"][data-seq="1"]');
        await expect
          .poll(() => question.getByTestId('timeline-path').textContent(), { timeout: WAIT })
          .toMatch(/received.*stored \+.*delivered \+/);

        // New messages refresh the open timeline by themselves: a rule's answer, then a handoff.
        await send(frame, 'Thanks!');
        await expect.poll(() => answers.count(), { timeout: WAIT }).toBe(2);
        await send(frame, 'Can I talk to a human?');
        await expect
          .poll(async () => Promise.all((await turns.all()).map((t) => t.getAttribute('data-outcome'))), {
            timeout: WAIT,
          })
          .toEqual(['knowledge', 'rules', 'handoff']);
        if (SCREENSHOTS) {
          await agent.page.setViewportSize({ width: 1280, height: 1180 });
          await dismissToasts(agent.page);
          await agent.page.getByTestId('timeline-refresh').focus();
          await agent.page.getByTestId('timeline-refresh').blur();
          await screenshot(agent.page, 'console-timeline.png');
          await agent.page.setViewportSize(DESKTOP);
        }

        // The article link opens it in the knowledge base editor (admins).
        await first.getByTestId('timeline-article').first().locator('a').click();
        await expect
          .poll(() => agent.page.getByTestId('kb-title').inputValue(), { timeout: WAIT })
          .toBe('Shipping times and costs');

        // Back to the conversation (the link was a real navigation, so Back works).
        await agent.page.goBack();
        await agent.page.getByTestId('timeline-panel').waitFor({ timeout: WAIT });

        // The human answers, resolves, and the visitor rates: the report has all its figures.
        await agent.page.getByTestId('composer-input').fill('Hello, I am here to help');
        await agent.page.getByTestId('composer-send').click();
        await frame
          .locator('.row.other[data-seq] .bubble')
          .filter({ hasText: 'Hello, I am here to help' })
          .waitFor({ timeout: WAIT });
        await agent.page.getByTestId('resolve-button').click();
        const stars = frame.locator('.card.rating .stars button');
        await stars.nth(3).click({ timeout: WAIT });
        await frame.locator('.card.rating button.primary').click();
        await frame.locator('.card.rating').waitFor({ state: 'detached', timeout: WAIT });

        // Reports: today counts this conversation; the CSV downloads with the token.
        await agent.page.getByTestId('nav-admin').click();
        await agent.page.getByTestId('admin-nav-reports').click();
        const conversations = agent.page.getByTestId('report-conversations-value');
        await expect
          .poll(async () => Number(await conversations.textContent()), { timeout: WAIT })
          .toBeGreaterThanOrEqual(1);
        await expect
          .poll(() => agent.page.getByTestId('report-csat-value').textContent(), { timeout: WAIT })
          .toBe('4.0 / 5');
        expect(await agent.page.getByTestId('report-first-response-value').textContent()).not.toBe('—');
        expect(await agent.page.getByTestId('report-resolution-value').textContent()).not.toBe('—');
        for (const chart of ['conversations', 'times', 'csat', 'deflection', 'cache']) {
          await agent.page.getByTestId(`chart-${chart}`).waitFor({ timeout: WAIT });
        }
        const [download] = await Promise.all([
          agent.page.waitForEvent('download', { timeout: WAIT }),
          agent.page.getByTestId('reports-export').click(),
        ]);
        expect(download.suggestedFilename()).toMatch(/^report-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
        const csv = readFileSync(await download.path(), 'utf8');
        expect(csv.split(/\r?\n/)[0]).toMatch(/^date,/);
        const today = new Date().toISOString().slice(0, 10);
        expect(csv).toContain(`${today},`);

        if (SCREENSHOTS) {
          await agent.page.setViewportSize({ width: 1280, height: 1500 });
          await dismissToasts(agent.page);
          // Show one day's figures in the readout, as hovering does.
          await agent.page.getByTestId('chart-conversations').locator('.chart-plot').focus();
          await screenshot(agent.page, 'console-reports.png');
        }
        expect(agent.dialogs.map((d) => d.message())).toEqual([]);
      },
      TEST_TIMEOUT,
    );
  });

  describe('across a server restart', () => {
    let dataDir: string;
    let server: ServerProcess | undefined;

    beforeAll(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'unique-support-e2e-'));
    });
    afterEach(async () => {
      await server?.stop('SIGKILL');
      server = undefined;
    });
    afterAll(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });

    it(
      'the widget shows it is offline, reconnects to the restarted server and gets what it missed',
      async () => {
        const port = await freePort();
        const start = () => startProcess({ dataDir, env: { PORT: String(port) } });
        server = await start();
        const base = server.url;
        expect(base).toBe(`http://127.0.0.1:${port}`);

        const visitor = await newPage(DESKTOP);
        const frame = await openWidget(visitor.page, base);
        await send(frame, 'Is anyone there?');
        await frame.locator('.row.visitor[data-seq]').filter({ hasText: 'Is anyone there?' }).waitFor({
          timeout: WAIT,
        });
        const before = await login(base);
        const [conversationId] = await eventually(async () => {
          const ids = await conversationIds(base, before.token);
          return ids.length === 1 ? ids : null;
        }, WAIT);
        const banner = frame.locator('.banner');
        await expect.poll(() => banner.isVisible(), { timeout: WAIT }).toBe(false);

        const exit = await server.stop('SIGTERM');
        expect(exit.code).toBe(0);
        await banner.waitFor({ state: 'visible', timeout: WAIT });

        server = await start();
        expect(server.url).toBe(base);
        const agent = await login(base);
        const posted = await api(base, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
          token: agent.token,
          body: { text: 'We are back, sorry for the wait', clientMessageId: 'after-restart' },
        });
        expect(posted.status).toBe(201);

        await frame
          .locator('.row.other[data-seq] .bubble')
          .filter({ hasText: 'We are back, sorry for the wait' })
          .waitFor({
            timeout: 30_000,
          });
        await banner.waitFor({ state: 'hidden', timeout: WAIT });
        // Still the same page: no reload happened, the visitor's earlier message is still there.
        await frame.locator('.row.visitor[data-seq]').filter({ hasText: 'Is anyone there?' }).waitFor({
          timeout: WAIT,
        });
      },
      TEST_TIMEOUT,
    );
  });
});

describe('bundle budgets (gzip)', () => {
  const gzipSize = (path: string) => gzipSync(readFileSync(path), { level: 9 }).length;

  it('widget: loader ≤ 10 KB, loader + iframe app ≤ 60 KB', () => {
    const dist = join(REPO, 'packages/widget/dist');
    const sizes = JSON.parse(readFileSync(join(dist, 'sizes.json'), 'utf8'));
    const loader = gzipSize(join(dist, 'loader.js'));
    const widget = ['loader.js', 'frame.html', 'frame.js', 'frame.css']
      .map((file) => gzipSize(join(dist, file)))
      .reduce((a, b) => a + b, 0);
    // sizes.json is what the build measured; the files are what is served.
    expect(sizes.loaderGzip).toBeLessThanOrEqual(10 * 1024);
    expect(sizes.widgetGzip).toBeLessThanOrEqual(60 * 1024);
    expect(loader).toBeLessThanOrEqual(10 * 1024);
    expect(widget).toBeLessThanOrEqual(60 * 1024);
  });

  it("console: the first load (index.html's JS and CSS) ≤ 300 KB", () => {
    const dist = join(REPO, 'packages/console/dist');
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    const total = assets
      .map((asset) => gzipSize(join(dist, asset.replace(/^\/console\//, '').replace(/^\.?\//, ''))))
      .reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(300 * 1024);
  });
});
