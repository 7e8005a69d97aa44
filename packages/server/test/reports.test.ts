import { describe, expect, it } from 'vitest';
import { ask, botTestBed } from './bot-helpers.ts';
import { api, eventually, login } from './harness.ts';

/** Reports over HTTP on a real server: figures from conversations and bot turns made through the API. */
const bed = botTestBed();
const SHIPPING_QUESTION = 'How long does shipping take?';

describe('reports', () => {
  it("count today's conversations, response and resolution, CSAT and the bot's deflection; CSV too", async () => {
    const { srv, admin, widgetKey } = await bed.world(); // no LLM key: the knowledge base answers
    const today = new Date().toISOString().slice(0, 10);

    // One conversation the bot answers alone, one handed to a human, answered, resolved and rated.
    const deflected = await bed.visitor(srv, widgetKey);
    expect((await ask(deflected, SHIPPING_QUESTION)).answer.author.type).toBe('bot');
    const human = await bed.visitor(srv, widgetKey);
    await ask(human, '转人工');
    const path = `/api/v1/conversations/${human.conversationId}`;
    await api(srv.url, 'POST', `${path}/assign`, { token: admin.token, body: { agentId: admin.agent.id } });
    await api(srv.url, 'POST', `${path}/messages`, {
      token: admin.token,
      body: { text: 'Hello, how can I help?', clientMessageId: 'a1' },
    });
    await api(srv.url, 'POST', `${path}/resolve`, { token: admin.token });
    const rated = await api(srv.url, 'POST', `${path}/rating`, { token: human.token, body: { score: 4 } });
    expect(rated.status).toBe(200);

    const report = await eventually(async () => {
      const res = await api(srv.url, 'GET', `/api/v1/reports?from=${today}&to=${today}`, {
        token: admin.token,
      });
      expect(res.status).toBe(200);
      return res.body.report.totals.bot.turns === 2 ? res.body.report : null;
    });
    expect(report.days).toHaveLength(1);
    expect(report.totals).toMatchObject({
      conversations: 2,
      resolved: 1,
      firstResponse: { count: 1 },
      resolution: { count: 1 },
      csat: { count: 1, average: 4, scores: [0, 0, 0, 1, 0] },
      bot: { conversations: 1, deflected: 1, deflectionRate: 1, llmCalls: 0, cacheHits: 0 },
    });
    expect(report.totals.firstResponse.medianSeconds).toBeGreaterThanOrEqual(0);
    expect(report.days[0]).toMatchObject({ date: today, conversations: 2 });

    const csv = await fetch(`${srv.url}/api/v1/reports.csv?from=${today}&to=${today}`, {
      headers: { authorization: `Bearer ${admin.token}` },
    });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain(`report-${today}-${today}.csv`);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]!.split(',')[0]).toBe('date');
    expect(lines[1]!.startsWith(`${today},2,1,`)).toBe(true);
  });

  it('are for admins, with valid dates', async () => {
    const { srv, admin } = await bed.world({}, { seed: false });
    const created = await api(srv.url, 'POST', '/api/v1/agents', {
      token: admin.token,
      body: { name: 'Agent', email: 'agent@test.local', password: 'agent-password', maxConcurrent: 3 },
    });
    expect(created.status).toBe(201);
    const agent = await login(srv.url, 'agent@test.local', 'agent-password');
    const asAgent = await api(srv.url, 'GET', '/api/v1/reports?from=2026-11-01&to=2026-11-02', {
      token: agent.token,
    });
    expect(asAgent.status).toBe(403);
    for (const query of [
      'from=2026-11-01',
      'from=2026-13-01&to=2026-11-02',
      'from=2026-11-02&to=2026-11-01',
    ]) {
      const res = await api(srv.url, 'GET', `/api/v1/reports?${query}`, { token: admin.token });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('BAD_REQUEST');
    }
  });
});
