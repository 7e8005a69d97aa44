import { describe, expect, it } from 'vitest';
import { type Chunk, chunkArticle, embeddingText, splitSentences } from './chunker.ts';

const article = (body: string, title = 'Returns') => ({ id: 'art_1', title, body, tags: ['returns'] });

/** Every chunk's text without its overlap must let us rebuild the words of the body, in order. */
function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter(Boolean);
}

function expectWithinBounds(chunks: Chunk[], max = 600) {
  for (const chunk of chunks) {
    expect(chunk.text.length, chunk.text).toBeLessThanOrEqual(max);
    expect(chunk.text).toBe(chunk.text.trim());
  }
}

/** The body's characters (whitespace aside) all appear, in order, in the chunks. */
function expectCovers(chunks: Chunk[], body: string) {
  const squash = (s: string) => s.replace(/\s+/g, '');
  const joined = squash(chunks.map((c) => c.text).join(''));
  let at = 0;
  for (const ch of squash(body)) {
    at = joined.indexOf(ch, at);
    expect(at, `missing ${ch}`).toBeGreaterThanOrEqual(0);
    at++;
  }
}

const english = (n: number, start = 0) =>
  Array.from(
    { length: n },
    (_, i) => `Sentence ${start + i} explains how returns and refunds work for orders shipped abroad.`,
  ).join(' ');

const chinese = (n: number) =>
  Array.from({ length: n }, (_, i) => `第${i}条：收到商品后七天内可以申请退货，请保留好原包装和吊牌。`).join(
    '',
  );

describe('splitSentences', () => {
  it('splits at Chinese and Latin sentence ends, keeping punctuation and closing quotes', () => {
    expect(splitSentences('Hello there. How are you? Fine!')).toEqual([
      'Hello there.',
      'How are you?',
      'Fine!',
    ]);
    expect(splitSentences('请保留包装。可以退货吗？当然可以！')).toEqual([
      '请保留包装。',
      '可以退货吗？',
      '当然可以！',
    ]);
    expect(splitSentences('He said "stop." Then left.')).toEqual(['He said "stop."', 'Then left.']);
    expect(splitSentences('他说：“好的。”然后走了。')).toEqual(['他说：“好的。”', '然后走了。']);
  });

  it('does not split inside numbers, domains, or after a list number', () => {
    expect(splitSentences('It costs 3.5 dollars at shop.example.com today. Next one.')).toEqual([
      'It costs 3.5 dollars at shop.example.com today.',
      'Next one.',
    ]);
    expect(splitSentences('Steps: 1. Open the app. 2. Tap Orders.')).toEqual([
      'Steps: 1. Open the app.',
      '2. Tap Orders.',
    ]);
  });

  it('splits mixed text, a Latin sentence end followed by Chinese included', () => {
    expect(splitSentences('Order shipped!请查收。Thanks.')).toEqual([
      'Order shipped!',
      '请查收。',
      'Thanks.',
    ]);
  });
});

describe('chunkArticle', () => {
  it('keeps a short article in one chunk with its id, title, tags and index', () => {
    const chunks = chunkArticle(article('Returns are free.\n\nWithin 30 days.'));
    expect(chunks).toEqual([
      {
        articleId: 'art_1',
        title: 'Returns',
        tags: ['returns'],
        text: 'Returns are free.\n\nWithin 30 days.',
        index: 0,
      },
    ]);
  });

  it('cuts English at paragraph, then sentence boundaries, into chunks of about 400–600 characters', () => {
    const paragraphs = [english(3), english(9, 10), english(2, 30), english(8, 40)];
    const body = paragraphs.join('\n\n');
    const chunks = chunkArticle(article(body));
    expectWithinBounds(chunks);
    expectCovers(chunks, body);
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    for (const chunk of chunks.slice(0, -1)) expect(chunk.text.length).toBeGreaterThanOrEqual(400);
    for (const chunk of chunks) {
      // Every chunk starts at a sentence start and ends at a sentence end.
      expect(chunk.text).toMatch(/^Sentence \d+/);
      expect(chunk.text).toMatch(/abroad\.$/);
    }
  });

  it('repeats the last sentence of the previous chunk when it cuts inside a paragraph', () => {
    const chunks = chunkArticle(article(english(14)));
    expect(chunks.length).toBeGreaterThan(1);
    for (let i = 1; i < chunks.length; i++) {
      const firstSentence = splitSentences(chunks[i]!.text)[0]!;
      expect(chunks[i - 1]!.text.endsWith(firstSentence)).toBe(true);
      expect(firstSentence.length).toBeLessThanOrEqual(100);
    }
  });

  it('does not repeat anything across a paragraph boundary', () => {
    const chunks = chunkArticle(article(`${english(6)}\n\n${english(6, 100)}`));
    expect(chunks.map((c) => c.text.slice(0, 12))).toEqual(['Sentence 0 e', 'Sentence 100']);
  });

  it('cuts Chinese between sentences, with no spaces added', () => {
    const body = chinese(40);
    const chunks = chunkArticle(article(body, '退货政策'));
    expectWithinBounds(chunks);
    expectCovers(chunks, body);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      expect(chunk.text).toMatch(/^第\d+条/);
      expect(chunk.text.endsWith('。')).toBe(true);
      expect(chunk.text).not.toContain(' ');
    }
    for (const chunk of chunks.slice(0, -1)) expect(chunk.text.length).toBeGreaterThanOrEqual(400);
  });

  it('cuts mixed Chinese and English text, keeping lines', () => {
    const body = [
      `退货说明\n${chinese(8)}`,
      `Return policy\n${english(5)}`,
      `${chinese(6)} Contact us at help@example.com. 谢谢！`,
    ].join('\n\n');
    const chunks = chunkArticle(article(body));
    expectWithinBounds(chunks);
    expectCovers(chunks, body);
    expect(chunks[0]!.text.startsWith('退货说明\n第0条')).toBe(true);
    expect(chunks.some((c) => c.text.includes('Return policy\nSentence 0'))).toBe(true);
    expect(chunks.at(-1)!.text.endsWith('Contact us at help@example.com. 谢谢！')).toBe(true);
  });

  it('cuts a very long sentence after clauses or between words, never inside a word', () => {
    const words = Array.from({ length: 400 }, (_, i) => `word${i}`);
    const body = `${words.join(' ')}.`;
    const chunks = chunkArticle(article(body));
    expectWithinBounds(chunks);
    expect(chunks.length).toBeGreaterThan(3);
    const seen = new Set(chunks.flatMap((c) => wordsOf(c.text)).map((w) => w.replace(/\.$/, '')));
    for (const word of words) expect(seen.has(word), word).toBe(true);
    for (const chunk of chunks) for (const w of wordsOf(chunk.text)) expect(w).toMatch(/^word\d+\.?$/);

    const clauses = Array.from({ length: 60 }, (_, i) => `clause ${i} of a long sentence`).join(', ');
    for (const chunk of chunkArticle(article(clauses)).slice(0, -1)) {
      expect(chunk.text.endsWith(',') || /sentence$/.test(chunk.text), chunk.text.slice(-20)).toBe(true);
    }
  });

  it('cuts a very long Chinese sentence and a single over-long token', () => {
    const longZh = `${'请在收到商品后仔细检查包装和商品是否完好并保留快递单据'.repeat(40)}。`;
    const zhChunks = chunkArticle(article(longZh));
    expectWithinBounds(zhChunks);
    expectCovers(zhChunks, longZh);

    const token = 'x'.repeat(1500);
    const tokenChunks = chunkArticle(article(token));
    expectWithinBounds(tokenChunks);
    expect(tokenChunks.map((c) => c.text).join('')).toBe(token);
  });

  it('an empty body gives one chunk with empty text, so the title is still searchable', () => {
    expect(chunkArticle(article(''))).toEqual([
      { articleId: 'art_1', title: 'Returns', tags: ['returns'], text: '', index: 0 },
    ]);
    expect(chunkArticle(article(' \n\n \t'))).toHaveLength(1);
    expect(chunkArticle({ id: 'a', title: ' ', body: '' })).toEqual([]);
  });

  it('honours smaller sizes', () => {
    const chunks = chunkArticle(article(english(10)), { minChars: 100, maxChars: 200, overlapChars: 0 });
    expectWithinBounds(chunks, 200);
    expect(chunks.length).toBeGreaterThanOrEqual(5);
  });
});

describe('embeddingText', () => {
  it('puts the title (and tags) before the text', () => {
    expect(embeddingText({ title: 'Returns', text: 'Free within 30 days.' })).toBe(
      'Returns\nFree within 30 days.',
    );
    expect(embeddingText({ title: '退货', tags: ['退货', '售后'], text: '七天无理由。' })).toBe(
      '退货\n退货, 售后\n七天无理由。',
    );
    expect(embeddingText({ title: 'Only a title', text: '' })).toBe('Only a title');
  });
});
