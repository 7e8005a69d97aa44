import { type Embedder, normalize } from './embedder.ts';

/** Words that say little about what a question is about (English and Chinese). */
const STOPWORDS = new Set(
  (
    'a an the is are was were be been am do does did to of in on at for from by with and or but if then ' +
    'i me my we our you your it its this that these those there here what which who whom how can could ' +
    'would should will shall may might must have has had not no yes please hi hello thanks thank ' +
    '的 了 吗 呢 吧 啊 是 我 你 他 她 它 们 在 有 和 与 就 都 也 要 会 能 可以 请 问 一下 这 那 个'
  ).split(' '),
);

const HAN = /\p{Script=Han}/u;

/**
 * Text features for Chinese and English without a model: Latin words (a light plural
 * strip) and their character trigrams; Han characters as unigrams and bigrams.
 * Weighted so that content words count more than stopwords.
 */
export function features(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (feature: string, weight: number) => out.set(feature, (out.get(feature) ?? 0) + weight);
  const clean = text.normalize('NFKC').toLowerCase();
  for (const run of clean.match(/[\p{Script=Han}]+|[\p{L}\p{N}]+/gu) ?? []) {
    if (HAN.test(run)) {
      const chars = [...run];
      for (let i = 0; i < chars.length; i++) {
        const c = chars[i]!;
        add(`h:${c}`, STOPWORDS.has(c) ? 0.1 : 0.5);
        if (i + 1 < chars.length) {
          const bigram = c + chars[i + 1];
          add(`h:${bigram}`, STOPWORDS.has(bigram) ? 0.2 : 1);
        }
      }
      continue;
    }
    const word = run.length > 3 && run.endsWith('s') && !run.endsWith('ss') ? run.slice(0, -1) : run;
    const stop = STOPWORDS.has(run);
    add(`w:${word}`, stop ? 0.15 : 1);
    if (stop || /^\d+$/.test(word)) continue;
    const padded = `^${word}$`;
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.25);
  }
  return out;
}

/** FNV-1a, 32 bits. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The built-in embedder: hashed, signed feature vectors (the "hashing trick"). No model,
 * no network, deterministic, ~microseconds per text. Good at lexical overlap in Chinese
 * and English; it does not know synonyms, which a provider's embeddings do.
 */
export class LocalEmbedder implements Embedder {
  readonly id: string;

  constructor(private readonly dimensions = 1024) {
    this.id = `local-ngram-${dimensions}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }

  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    for (const [feature, weight] of features(text)) {
      const h = hash(feature);
      vector[h % this.dimensions]! += h & 0x80000000 ? -weight : weight;
    }
    return normalize(vector);
  }
}
