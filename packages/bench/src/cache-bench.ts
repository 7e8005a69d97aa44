import {
  AnswerCache,
  evaluateCache,
  LABELLED_PAIRS,
  LocalEmbedder,
  measureSavings,
  repeatedQuestionWorkload,
} from '@unique-support/server';
import { median, ms, percentile, report } from './stats.ts';

/**
 * The `cache` scenario (target P4): the answer cache on the labelled set (paraphrases and
 * hard negatives, Chinese and English) and on a repeated-question workload.
 */
export async function runCacheBench(): Promise<void> {
  const embedder = new LocalEmbedder();
  const rows: [string, string, string?][] = [];
  const negatives = LABELLED_PAIRS.filter((p) => !p.same).length;
  for (const threshold of [0.8, 0.92]) {
    const result = await evaluateCache(
      LABELLED_PAIRS,
      () => new AnswerCache({ embedder, semanticThreshold: threshold }),
    );
    rows.push(
      [
        `threshold ${threshold}: paraphrase hits`,
        `${result.paraphraseHits} / ${result.paraphrasePairs} (${pct(result.paraphraseHitRate)})`,
      ],
      [`threshold ${threshold}: wrong hits`, `${result.wrongHits} / ${negatives}`, '0'],
    );
  }
  const saved: number[] = [];
  let wrong = 0;
  for (const seed of [1, 42, 2024]) {
    const savings = await measureSavings(repeatedQuestionWorkload(seed, 5000), new AnswerCache({ embedder }));
    saved.push(savings.savedRate);
    wrong += savings.wrongAnswers;
  }
  rows.push(
    ['workload (3 × 5000 questions): LLM calls saved, median', pct(median(saved)), '≥ 30%'],
    ['workload: answers from the cache for another intent', String(wrong), '0'],
  );

  // Lookup cost with a full cache (10,000 entries of one workspace).
  const cache = new AnswerCache({ embedder, maxEntries: 10_000 });
  const workload = repeatedQuestionWorkload(7, 20_000);
  const scope = { workspaceId: 'w', knowledgeVersion: 1 };
  for (const q of workload.slice(0, 10_000)) cache.set(scope, q.question, `answer ${q.question}`);
  const latencies: number[] = [];
  for (const q of workload.slice(10_000)) {
    const start = performance.now();
    await cache.get(scope, q.question);
    latencies.push(performance.now() - start);
  }
  rows.push(
    ['lookup with 10,000 entries p50', ms(percentile(latencies, 50))],
    ['lookup with 10,000 entries p99', ms(percentile(latencies, 99))],
  );
  report(
    `cache — labelled set of ${LABELLED_PAIRS.length} pairs (${negatives} hard negatives), built-in embedder`,
    rows,
  );
}

const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`;
