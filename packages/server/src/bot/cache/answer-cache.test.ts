import { describe, expect, it } from 'vitest';
import { type Embedder, similarity } from '../retrieval/embedder.ts';
import { LocalEmbedder } from '../retrieval/local-embedder.ts';
import {
  AnswerCache,
  type AnswerCacheOptions,
  DEFAULT_SEMANTIC_THRESHOLD,
  MAX_CACHED_QUESTION_LENGTH,
} from './answer-cache.ts';
import { evaluateCache, lexicalOverlap, measureSavings, repeatedQuestionWorkload } from './evaluate-cache.ts';
import { CLUSTER_OF, HARD_NEGATIVES, LABELLED_PAIRS, QUESTION_CLUSTERS } from './labelled-questions.ts';
import { normalizeQuestion } from './normalize-question.ts';
import { profileQuestion, sharable } from './question-profile.ts';

const embedder = new LocalEmbedder();
const scope = { workspaceId: 'ws-a', knowledgeVersion: 1 };
const newCache = (options: Partial<AnswerCacheOptions> = {}) => new AnswerCache({ embedder, ...options });
const cosine = (a: string, b: string) => similarity(embedder.embedOne(a), embedder.embedOne(b));

/** Counts calls; fails on demand. */
class CountingEmbedder implements Embedder {
  readonly id = 'counting';
  calls = 0;
  fail = false;
  async embed(texts: readonly string[], signal?: AbortSignal): Promise<Float32Array[]> {
    this.calls++;
    signal?.throwIfAborted();
    if (this.fail) throw new Error('embedder down');
    return embedder.embed(texts);
  }
}

describe('exact layer', () => {
  it.each([
    ['How do I reset my password?', '  how do I   RESET my password '],
    ['How do I reset my password?', 'Hi, how do I reset my password? Thanks!'],
    ['How do I reset my password?', 'ＨＯＷ ＤＯ Ｉ ＲＥＳＥＴ ＭＹ ＰＡＳＳＷＯＲＤ？'],
    ['退货流程是什么？', '请问退货流程是什么'],
    ['可以开发票吗？', '可以开发票吗'],
    ['订单20240518到哪了？', '订单 20240518 到哪了'],
  ])('"%s" is served to "%s"', async (cached, asked) => {
    const cache = newCache();
    cache.set(scope, cached, 'the answer');
    expect(await cache.get(scope, asked)).toEqual({ answer: 'the answer', kind: 'exact', score: 1 });
  });

  it.each([
    ['Why was I charged $49.99?', 'Why was I charged $4999?'],
    ['Is 10% off?', 'Is 10 off?'],
    ["I can't log in", 'I can log in'],
    ['发货了吗', '发货吗'],
    ['Where is order #12345?', 'Where is order #12346?'],
  ])('normalization keeps what changes the meaning: "%s" ≠ "%s"', (a, b) => {
    expect(normalizeQuestion(a)).not.toBe(normalizeQuestion(b));
  });

  it('misses a different question', async () => {
    const cache = newCache();
    cache.set(scope, 'How do I reset my password?', 'reset');
    expect(await cache.get(scope, 'How do I change my email address?')).toBeNull();
    expect(await cache.get(scope, '怎么退货？')).toBeNull();
  });
});

describe('semantic layer', () => {
  it.each([
    ['How do I reset my password?', 'How can I reset my password'],
    ['What payment methods do you accept?', 'Which payment methods do you accept?'],
    ['怎么修改密码？', '密码怎么修改？'],
    ['可以用支付宝付款吗？', '能用支付宝付款吗？'],
  ])('serves "%s" to the paraphrase "%s"', async (cached, asked) => {
    const cache = newCache();
    cache.set(scope, cached, 'the answer');
    const hit = await cache.get(scope, asked);
    expect(hit).toMatchObject({ answer: 'the answer', kind: 'semantic' });
    expect(hit!.score).toBeGreaterThanOrEqual(DEFAULT_SEMANTIC_THRESHOLD);
  });

  it('picks the most similar of several candidates', async () => {
    const cache = newCache({ semanticThreshold: 0 });
    const asked = 'Could I pay with PayPal';
    for (const [cached, answer] of [
      ['Is it possible to pay with PayPal?', 'far'],
      ['Can I pay with PayPal?', 'near'],
    ] as const) {
      expect(sharable(profileQuestion(asked), profileQuestion(cached))).toBe(true);
      cache.set(scope, cached, answer);
    }
    expect((await cache.get(scope, asked))?.answer).toBe('near');
    const reversed = newCache({ semanticThreshold: 0 });
    reversed.set(scope, 'Can I pay with PayPal?', 'near');
    reversed.set(scope, 'Is it possible to pay with PayPal?', 'far');
    expect((await reversed.get(scope, asked))?.answer).toBe('near');
  });

  // Threshold 0: only the guard stands between these questions.
  it.each([
    ['numbers', 'Where is my order #12345?', 'Where is my order #12346?'],
    ['amounts', 'Why was I charged $49.99?', 'Why was I charged $94.99?'],
    ['counts', 'Can I use two coupons on one order?', 'Can I use one coupon on two orders?'],
    ['numbers (zh)', '满99包邮吗？', '满199包邮吗？'],
    ['numerals (zh)', '支持七天无理由退货吗？', '支持十五天无理由退货吗？'],
    ['negation', "Why can't I log in?", 'Why can I log in?'],
    ['negation (zh)', '可以开发票吗？', '可以不开发票吗？'],
    [
      'negation scope',
      'I was charged but the order was not placed',
      'I was not charged but the order was placed',
    ],
    ['salient word', 'Do you ship to Canada?', 'Do you ship to Mexico?'],
    [
      'salient word',
      'How do I turn on two-factor authentication?',
      'How do I turn off two-factor authentication?',
    ],
    ['salient word (zh)', '怎么退货？', '怎么换货？'],
    ['salient word (zh)', '客服几点上班？', '客服几点下班？'],
    ['question word', 'How long does shipping take?', 'How much does shipping cost?'],
    ['tense', 'Do I get a discount?', 'Did I get a discount?'],
    ['tense (zh)', '今天发货吗？', '今天发货了吗？'],
    ['order', 'Can a business account have several admins?', 'Can an admin have several business accounts?'],
    ['order (zh)', '积分可以换优惠券吗？', '优惠券可以换积分吗？'],
    ['roles', 'Do you ship to Canada?', 'Do you ship from Canada?'],
    ['roles', 'Can I exchange a medium for a large?', 'Can I exchange a large for a medium?'],
    ['roles (zh)', '可以先用后付吗？', '可以先付后用吗？'],
    ['persons', 'Can you call me?', 'Can I call you?'],
  ])('the %s guard keeps "%s" from "%s"', async (_guard, cached, asked) => {
    const cache = newCache({ semanticThreshold: 0 });
    cache.set(scope, cached, 'the answer');
    expect(await cache.get(scope, asked)).toBeNull();
    expect(sharable(profileQuestion(cached), profileQuestion(asked))).toBe(false);
  });

  it('needs the guards: the embedder alone scores these near misses as paraphrases', () => {
    expect(cosine('Do you ship to Canada?', 'Do you ship from Canada?')).toBeGreaterThan(0.95);
    expect(cosine('Can you call me?', 'Can I call you?')).toBeGreaterThan(0.95);
    expect(cosine('Do I get a discount?', 'Did I get a discount?')).toBeGreaterThan(0.95);
  });

  it('does not cache questions whose meaning lives in the conversation', async () => {
    const cache = newCache();
    for (const q of ['How much is it?', 'Why?', '多少钱？', 'hi']) {
      cache.set(scope, q, 'depends');
      expect(await cache.get(scope, q)).toBeNull();
    }
    expect(cache.stats().entries).toBe(0);
  });

  it('calls the embedder only when a candidate passes the guards, and embeds entries lazily', async () => {
    const counting = new CountingEmbedder();
    const cache = new AnswerCache({ embedder: counting });
    cache.set(scope, 'How do I reset my password?', 'reset');
    expect(counting.calls).toBe(0);
    expect(await cache.get(scope, 'How do I change my email address?')).toBeNull();
    expect(counting.calls).toBe(0);
    expect(await cache.get(scope, 'How can I reset my password')).not.toBeNull();
    expect(counting.calls).toBe(1);
  });

  it('treats a failing embedder as a miss, and an abort as an abort', async () => {
    const counting = new CountingEmbedder();
    const cache = new AnswerCache({ embedder: counting });
    cache.set(scope, 'How do I reset my password?', 'reset');
    counting.fail = true;
    expect(await cache.get(scope, 'How can I reset my password')).toBeNull();
    expect(await cache.get(scope, 'How do I reset my password?')).not.toBeNull(); // exact needs no embedder
    counting.fail = false;
    await expect(cache.get(scope, 'How can I reset my password', AbortSignal.abort())).rejects.toThrow();
  });
});

describe('scope, invalidation, bound', () => {
  it('isolates workspaces and knowledge versions, in both layers', async () => {
    const cache = newCache();
    cache.set(scope, 'How do I reset my password?', 'answer of a v1');
    for (const q of ['How do I reset my password?', 'How can I reset my password']) {
      expect(await cache.get({ workspaceId: 'ws-b', knowledgeVersion: 1 }, q)).toBeNull();
      expect(await cache.get({ workspaceId: 'ws-a', knowledgeVersion: 2 }, q)).toBeNull();
      expect((await cache.get(scope, q))?.answer).toBe('answer of a v1');
    }
  });

  it('invalidate drops every version of one workspace only', async () => {
    const cache = newCache();
    const q = 'How do I reset my password?';
    cache.set({ workspaceId: 'ws', knowledgeVersion: 1 }, q, 'ws');
    cache.set({ workspaceId: 'ws-a', knowledgeVersion: 1 }, q, 'a1');
    cache.set({ workspaceId: 'ws-a', knowledgeVersion: 2 }, q, 'a2');
    cache.set({ workspaceId: 'ws-b', knowledgeVersion: 1 }, q, 'b1');
    cache.invalidate('ws-a');
    expect(cache.stats().entries).toBe(2);
    expect(await cache.get({ workspaceId: 'ws-a', knowledgeVersion: 1 }, q)).toBeNull();
    expect(
      await cache.get({ workspaceId: 'ws-a', knowledgeVersion: 2 }, 'How can I reset my password'),
    ).toBeNull();
    expect((await cache.get({ workspaceId: 'ws-b', knowledgeVersion: 1 }, q))?.answer).toBe('b1');
    expect((await cache.get({ workspaceId: 'ws', knowledgeVersion: 1 }, q))?.answer).toBe('ws');
  });

  it('respects maxEntries in both layers, evicting the least recently used', async () => {
    const cache = newCache({ maxEntries: 3 });
    cache.set(scope, 'How do I reset my password?', 'reset');
    cache.set(scope, 'Do you ship to Canada?', 'canada');
    cache.set(scope, 'What are your opening hours?', 'hours');
    expect(await cache.get(scope, 'How can I reset my password')).not.toBeNull(); // refreshes "reset"
    cache.set(scope, 'How do I track my order?', 'track'); // evicts "canada"
    cache.set(scope, 'What is your return policy?', 'policy'); // evicts "hours"
    expect(cache.stats().entries).toBe(3);
    expect(await cache.get(scope, 'Do you ship to Canada?')).toBeNull();
    expect(await cache.get(scope, 'What are your business hours?')).toBeNull();
    expect((await cache.get(scope, 'How can I reset my password'))?.answer).toBe('reset');
    for (let i = 0; i < 50; i++) cache.set(scope, `Where is my order #${10_000 + i}?`, `order ${i}`);
    expect(cache.stats().entries).toBe(3);
    expect(await cache.get(scope, 'How can I reset my password')).toBeNull();
  });

  it('replaces the answer of the same question', async () => {
    const cache = newCache();
    cache.set(scope, 'How do I reset my password?', 'old');
    cache.set(scope, 'how do I reset my password', 'new');
    expect(cache.stats().entries).toBe(1);
    expect((await cache.get(scope, 'How can I reset my password'))?.answer).toBe('new');
  });

  it('never hits when disabled', async () => {
    const cache = newCache({ enabled: false });
    cache.set(scope, 'How do I reset my password?', 'reset');
    expect(await cache.get(scope, 'How do I reset my password?')).toBeNull();
    expect(cache.stats()).toEqual({ exactHits: 0, semanticHits: 0, misses: 1, entries: 0 });
  });

  it(`does not cache questions over ${MAX_CACHED_QUESTION_LENGTH} characters`, async () => {
    const cache = newCache();
    const long = `Where is my order? ${'a'.repeat(MAX_CACHED_QUESTION_LENGTH)}`;
    cache.set(scope, long, 'long');
    expect(await cache.get(scope, long)).toBeNull();
    const limit = `Where is my order? ${'b'.repeat(MAX_CACHED_QUESTION_LENGTH - 19)}`;
    expect(limit).toHaveLength(MAX_CACHED_QUESTION_LENGTH);
    cache.set(scope, limit, 'at the limit');
    expect((await cache.get(scope, limit))?.answer).toBe('at the limit');
  });

  it('counts hits and misses', async () => {
    const cache = newCache();
    await cache.get(scope, 'How do I reset my password?');
    cache.set(scope, 'How do I reset my password?', 'reset');
    await cache.get(scope, 'How do I reset my password?');
    await cache.get(scope, 'How can I reset my password');
    expect(cache.stats()).toEqual({ exactHits: 1, semanticHits: 1, misses: 1, entries: 1 });
  });
});

describe('labelled set (targets.md P4)', () => {
  it('is big, bilingual and hard enough', () => {
    const negatives = LABELLED_PAIRS.filter((p) => !p.same);
    const hard = negatives.filter((p) => lexicalOverlap(p.a, p.b) >= 0.5);
    const zh = LABELLED_PAIRS.filter((p) => p.lang === 'zh').length;
    console.log(
      `labelled set: ${LABELLED_PAIRS.length} pairs (${LABELLED_PAIRS.length - zh} en, ${zh} zh), ` +
        `${negatives.length} hard negatives, ${hard.length} of them with lexical overlap ≥ 0.5; ` +
        `${QUESTION_CLUSTERS.length} clusters, ${CLUSTER_OF.size} questions`,
    );
    expect(LABELLED_PAIRS.length).toBeGreaterThanOrEqual(240);
    expect(zh / LABELLED_PAIRS.length).toBeGreaterThan(0.4);
    expect(zh / LABELLED_PAIRS.length).toBeLessThan(0.6);
    expect(hard.length / LABELLED_PAIRS.length).toBeGreaterThanOrEqual(0.4);
    expect(HARD_NEGATIVES.every((n) => CLUSTER_OF.get(n.a) !== CLUSTER_OF.get(n.b))).toBe(true);
  });

  it('LocalEmbedder at the default threshold: 0 wrong hits and a paraphrase hit rate ≥ 20%', async () => {
    const result = await evaluateCache(LABELLED_PAIRS, () => newCache());
    const en = await evaluateCache(
      LABELLED_PAIRS.filter((p) => p.lang === 'en'),
      () => newCache(),
    );
    const zh = await evaluateCache(
      LABELLED_PAIRS.filter((p) => p.lang === 'zh'),
      () => newCache(),
    );
    console.log(
      `threshold ${DEFAULT_SEMANTIC_THRESHOLD}: paraphrase hits ${result.paraphraseHits}/${result.paraphrasePairs} ` +
        `(${(result.paraphraseHitRate * 100).toFixed(1)}%; en ${(en.paraphraseHitRate * 100).toFixed(1)}%, ` +
        `zh ${(zh.paraphraseHitRate * 100).toFixed(1)}%), wrong hits ${result.wrongHits}/${result.negativePairs}`,
    );
    expect(result.wrongHitPairs).toEqual([]);
    expect(result.paraphraseHitRate).toBeGreaterThanOrEqual(0.2); // measured 0.220
  });

  it('no two questions of different meaning may share an answer (all pairs, not only the hard negatives)', () => {
    const questions = QUESTION_CLUSTERS.flatMap((c) =>
      c.questions.map((q) => ({ q, cluster: c.id, profile: profileQuestion(q) })),
    );
    let pairs = 0;
    const wrong: string[] = [];
    for (let i = 0; i < questions.length; i++) {
      for (let j = i + 1; j < questions.length; j++) {
        const a = questions[i]!;
        const b = questions[j]!;
        if (a.cluster === b.cluster) continue;
        pairs++;
        const exact = normalizeQuestion(a.q) === normalizeQuestion(b.q);
        if (exact || (sharable(a.profile, b.profile) && cosine(a.q, b.q) >= DEFAULT_SEMANTIC_THRESHOLD)) {
          wrong.push(`${a.q} | ${b.q}`);
        }
      }
    }
    expect(pairs).toBeGreaterThan(300_000);
    expect(wrong).toEqual([]);
  });

  it('saves ≥ 30% of LLM calls on a repeated-question workload without a wrong answer', async () => {
    for (const seed of [1, 42, 2024]) {
      const savings = await measureSavings(repeatedQuestionWorkload(seed, 5000), newCache());
      console.log(
        `workload seed ${seed}: ${savings.saved}/${savings.questions} served from cache ` +
          `(${(savings.savedRate * 100).toFixed(1)}%), ${savings.llmCalls} LLM calls, ${savings.wrongAnswers} wrong`,
      );
      expect(savings.wrongAnswers).toBe(0);
      expect(savings.savedRate).toBeGreaterThanOrEqual(0.3);
    }
  });

  it('generates the same workload for the same seed, with repeats, paraphrases and one-off questions', () => {
    const workload = repeatedQuestionWorkload(7, 2000);
    expect(repeatedQuestionWorkload(7, 2000)).toEqual(workload);
    expect(workload).toHaveLength(2000);
    const oneOff = workload.filter((w) => w.intent.startsWith('new:')).length;
    expect(oneOff / workload.length).toBeGreaterThan(0.1);
    expect(oneOff / workload.length).toBeLessThan(0.2);
    const wordings = new Map<string, Set<string>>();
    for (const w of workload) wordings.set(w.intent, (wordings.get(w.intent) ?? new Set()).add(w.question));
    expect([...wordings.values()].some((s) => s.size >= 3)).toBe(true);
  });
});
