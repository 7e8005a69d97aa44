/**
 * Measures an answer cache against the labelled questions (targets.md P4): paraphrase hits and wrong
 * hits per pair, and LLM calls saved on a realistic stream of repeated customer questions.
 */
import type { CacheHit, CacheScope } from './answer-cache.ts';
import { type LabelledPair, QUESTION_CLUSTERS, type QuestionCluster } from './labelled-questions.ts';

/** The part of `AnswerCache` the evaluation uses. */
export interface EvaluatedCache {
  get(scope: CacheScope, question: string, signal?: AbortSignal): Promise<CacheHit | null>;
  set(scope: CacheScope, question: string, answer: string): void;
}

export interface WrongHit extends LabelledPair {
  readonly kind: CacheHit['kind'];
  readonly score: number;
}

export interface PairEvaluation {
  readonly pairs: number;
  readonly paraphrasePairs: number;
  readonly paraphraseHits: number;
  readonly paraphraseHitRate: number;
  readonly negativePairs: number;
  readonly wrongHits: number;
  readonly wrongHitPairs: readonly WrongHit[];
}

/**
 * For every pair, in a scope of its own: cache `a`, ask `b`. A hit on a `same: true` pair is a
 * paraphrase hit; a hit on a `same: false` pair is a wrong hit.
 */
export async function evaluateCache(
  pairs: readonly LabelledPair[],
  createCache: () => EvaluatedCache,
): Promise<PairEvaluation> {
  const cache = createCache();
  let paraphrasePairs = 0;
  let paraphraseHits = 0;
  const wrongHitPairs: WrongHit[] = [];
  for (const [i, pair] of pairs.entries()) {
    const scope = { workspaceId: `pair-${i}`, knowledgeVersion: 0 };
    cache.set(scope, pair.a, `answer for ${pair.a}`);
    const hit = await cache.get(scope, pair.b);
    if (pair.same) {
      paraphrasePairs++;
      if (hit !== null) paraphraseHits++;
    } else if (hit !== null) {
      wrongHitPairs.push({ ...pair, kind: hit.kind, score: hit.score });
    }
  }
  return {
    pairs: pairs.length,
    paraphrasePairs,
    paraphraseHits,
    paraphraseHitRate: paraphrasePairs === 0 ? 0 : paraphraseHits / paraphrasePairs,
    negativePairs: pairs.length - paraphrasePairs,
    wrongHits: wrongHitPairs.length,
    wrongHitPairs,
  };
}

export interface WorkloadQuestion {
  readonly question: string;
  /** Questions with the same intent may share an answer; nothing else may. */
  readonly intent: string;
}

/** Deterministic PRNG (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NEW_QUESTIONS: readonly ((n: () => string, amount: () => string) => string)[] = [
  (n) => `Where is my order #${n()}?`,
  (n) => `Can I cancel order ${n()}?`,
  (_, amount) => `Why was I charged $${amount()}?`,
  (n) => `Has order #${n()} shipped yet?`,
  (n) => `订单${n()}到哪了？`,
  (n) => `订单${n()}可以取消吗？`,
  (_, amount) => `为什么扣了我${amount()}元？`,
  (n) => `订单${n()}发货了吗？`,
];

/** Ways customers type the same question: case, punctuation, spacing, greetings. */
function retype(question: string, lang: QuestionCluster['lang'], r: () => number): string {
  const x = r();
  if (lang === 'en') {
    if (x < 0.4) return question;
    if (x < 0.55) return question.toLowerCase();
    if (x < 0.7) return question.replace(/[?.!]+$/, '');
    if (x < 0.8) return `Hi, ${question[0]!.toLowerCase()}${question.slice(1)}`;
    if (x < 0.9) return `${question} Thanks!`;
    return question.replace(/ /g, '  ');
  }
  if (x < 0.4) return question;
  if (x < 0.6) return question.replace(/[？?。！!]+$/u, '');
  if (x < 0.75) return `你好，${question}`;
  if (x < 0.9) return `请问${question}`;
  return `${question}谢谢`;
}

/**
 * A stream of `n` customer questions: intents drawn with Zipf-like popularity (weight 1/rank) over
 * the labelled clusters; within an intent, mostly its usual wording (typed in slightly different
 * ways), otherwise one of its paraphrases; and 15% one-off questions (order numbers, amounts) that
 * no other question shares an answer with.
 */
export function repeatedQuestionWorkload(
  seed: number,
  n: number,
  clusters: readonly QuestionCluster[] = QUESTION_CLUSTERS,
): WorkloadQuestion[] {
  const r = random(seed);
  const ranked = [...clusters];
  for (let i = ranked.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [ranked[i], ranked[j]] = [ranked[j]!, ranked[i]!];
  }
  const cumulative: number[] = [];
  let total = 0;
  for (let rank = 1; rank <= ranked.length; rank++) {
    total += 1 / rank;
    cumulative.push(total);
  }
  const orderNumber = () => String(10_000 + Math.floor(r() * 90_000));
  const amount = () => (5 + Math.floor(r() * 200) + [0, 0.5, 0.99][Math.floor(r() * 3)]!).toFixed(2);
  const out: WorkloadQuestion[] = [];
  while (out.length < n) {
    if (r() < 0.15) {
      const question = NEW_QUESTIONS[Math.floor(r() * NEW_QUESTIONS.length)]!(orderNumber, amount);
      out.push({ question, intent: `new:${question}` });
      continue;
    }
    const x = r() * total;
    const c =
      ranked[
        Math.min(
          ranked.length - 1,
          cumulative.findIndex((v) => v >= x),
        )
      ]!;
    const usual = r() < 0.6 || c.questions.length === 1;
    const wording = usual ? c.questions[0]! : c.questions[1 + Math.floor(r() * (c.questions.length - 1))]!;
    out.push({ question: retype(wording, c.lang, r), intent: c.id });
  }
  return out;
}

export interface Savings {
  readonly questions: number;
  readonly llmCalls: number;
  readonly saved: number;
  readonly savedRate: number;
  /** Questions answered from the cache with another intent's answer. */
  readonly wrongAnswers: number;
}

/**
 * Plays the workload against the cache as the bot would: ask the cache; on a miss, "call the LLM"
 * and cache its answer. A cached answer counts as saved only if it was written for the same intent.
 */
export async function measureSavings(
  workload: readonly WorkloadQuestion[],
  cache: EvaluatedCache,
  scope: CacheScope = { workspaceId: 'workload', knowledgeVersion: 1 },
): Promise<Savings> {
  let llmCalls = 0;
  let saved = 0;
  let wrongAnswers = 0;
  for (const { question, intent } of workload) {
    const hit = await cache.get(scope, question);
    if (hit === null) {
      llmCalls++;
      cache.set(scope, question, `answer:${intent}`);
    } else if (hit.answer === `answer:${intent}`) {
      saved++;
    } else {
      wrongAnswers++;
    }
  }
  const questions = workload.length;
  return { questions, llmCalls, saved, savedRate: questions === 0 ? 0 : saved / questions, wrongAnswers };
}

/** Words (Latin), characters (Han) and digit runs of a question, lower-cased. */
function surfaceTokens(text: string): Set<string> {
  return new Set(
    text
      .normalize('NFKC')
      .toLowerCase()
      .match(/\p{Script=Han}|\p{Nd}+|[^\P{L}\p{Script=Han}]+/gu) ?? [],
  );
}

/**
 * How much two questions look alike on the surface: shared tokens / tokens of the shorter one
 * (overlap coefficient over words, Han characters and digit runs). 1 = one contains the other.
 */
export function lexicalOverlap(a: string, b: string): number {
  const ta = surfaceTokens(a);
  const tb = surfaceTokens(b);
  let shared = 0;
  for (const t of ta) if (tb.has(t)) shared++;
  return shared / Math.max(1, Math.min(ta.size, tb.size));
}
