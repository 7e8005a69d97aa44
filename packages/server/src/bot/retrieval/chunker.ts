import type { Article } from '@unique-support/protocol';

/** A piece of an article small enough to embed and to quote in a prompt. */
export interface Chunk {
  articleId: string;
  title: string;
  /** The article's tags: embedded with every chunk, like the title. */
  tags: string[];
  /** The piece of the body (without the title); '' only for an article with an empty body. */
  text: string;
  /** Position of the chunk in its article, from 0. */
  index: number;
}

export interface ChunkOptions {
  /** A chunk that has reached this length ends at the next paragraph boundary. @default 400 */
  minChars?: number;
  /** A chunk never grows past this length (unless one word is longer). @default 600 */
  maxChars?: number;
  /** At most this much of the previous chunk's end starts the next one, when a paragraph is split. @default 100 */
  overlapChars?: number;
}

const DEFAULTS = { minChars: 400, maxChars: 600, overlapChars: 100 } as const;

/** What gets embedded for a chunk: the title (and tags) give every chunk its article's topic. */
export function embeddingText(chunk: Pick<Chunk, 'title' | 'text'> & { tags?: readonly string[] }): string {
  const head = chunk.tags?.length ? `${chunk.title}\n${chunk.tags.join(', ')}` : chunk.title;
  return chunk.text ? `${head}\n${chunk.text}` : head;
}

interface Piece {
  text: string;
  /** What precedes it: a blank line, a line break, or a space (nothing between Chinese sentences). */
  after: 'paragraph' | 'line' | 'sentence';
}

/**
 * Splits an article into chunks of about `minChars`–`maxChars` characters (UTF-16 units).
 * Paragraphs are kept together and merged while a chunk is short; a long paragraph is cut
 * between sentences (Chinese 。！？, Latin .!? followed by a space), a very long sentence
 * between clauses, then between words (between Han characters for Chinese), and only a
 * single word longer than a chunk is cut inside. A chunk that starts inside a paragraph
 * repeats the end of the previous one (up to `overlapChars`), so a sentence cut at the
 * border still appears whole in one of them.
 *
 * An empty body gives one chunk with empty text, so the title alone still finds the article.
 */
export function chunkArticle(
  article: Pick<Article, 'id' | 'title' | 'body'> & { tags?: readonly string[] },
  options: ChunkOptions = {},
): Chunk[] {
  const maxChars = Math.max(20, options.maxChars ?? DEFAULTS.maxChars);
  const minChars = Math.min(options.minChars ?? DEFAULTS.minChars, maxChars);
  const overlapChars = Math.min(options.overlapChars ?? DEFAULTS.overlapChars, Math.floor(maxChars / 3));
  const title = article.title.trim();
  const tags = [...(article.tags ?? [])];
  const make = (text: string, index: number): Chunk => ({
    articleId: article.id,
    title,
    tags: [...tags],
    text,
    index,
  });

  const pieces = toPieces(article.body, Math.min(maxChars, Math.max(minChars, maxChars - overlapChars)));
  if (pieces.length === 0) return title ? [make('', 0)] : [];

  const texts: string[] = [];
  let current = '';
  let last: Piece | null = null;
  for (const piece of pieces) {
    if (!current) {
      current = piece.text;
    } else {
      const joined = join(current, piece);
      const breakAtParagraph = piece.after === 'paragraph' && current.length >= minChars;
      if (joined.length <= maxChars && !breakAtParagraph) {
        current = joined;
      } else {
        texts.push(current);
        const overlap =
          piece.after === 'paragraph' || !last
            ? ''
            : overlapOf(last.text, overlapChars, maxChars - piece.text.length - 1);
        current = overlap ? join(overlap, piece) : piece.text;
      }
    }
    last = piece;
  }
  texts.push(current);
  return texts.map(make);
}

function join(before: string, piece: Piece): string {
  if (piece.after === 'paragraph') return `${before}\n\n${piece.text}`;
  if (piece.after === 'line') return `${before}\n${piece.text}`;
  return needsSpace(before, piece.text) ? `${before} ${piece.text}` : before + piece.text;
}

const HAN = /\p{Script=Han}/u;
const CJK_PUNCT = /[\u3000-\u303f\uff00-\uffef]/u;

/** No space between two Chinese sentences (or after full-width punctuation). */
function needsSpace(before: string, after: string): boolean {
  const a = before.at(-1) ?? '';
  const b = after[0] ?? '';
  return !((HAN.test(a) || CJK_PUNCT.test(a)) && (HAN.test(b) || CJK_PUNCT.test(b)));
}

/** The end of `text` worth repeating: the whole piece when short, else its tail from a word start. */
function overlapOf(text: string, overlapChars: number, room: number): string {
  const limit = Math.min(overlapChars, room);
  if (limit <= 0) return '';
  if (text.length <= limit) return text;
  const sentences = splitSentences(text);
  let tail = '';
  for (let i = sentences.length - 1; i >= 0; i--) {
    const candidate = tail ? join(sentences[i]!, { text: tail, after: 'sentence' }) : sentences[i]!;
    if (candidate.length > limit) break;
    tail = candidate;
  }
  if (tail) return tail;
  // One long sentence: its last words.
  let start = text.length - limit;
  while (start < text.length && !isBreakBefore(text, start)) start++;
  return text.slice(start).trim();
}

/** Paragraphs → lines → sentences (or pieces of long ones) of at most `pieceChars`. */
function toPieces(body: string, pieceChars: number): Piece[] {
  const pieces: Piece[] = [];
  const paragraphs = body.replace(/\r\n?/g, '\n').split(/\n[ \t\u3000]*\n/);
  for (const paragraph of paragraphs) {
    let after: Piece['after'] = 'paragraph';
    for (const line of paragraph.split('\n')) {
      for (const sentence of splitSentences(line.replace(/\s+/g, ' ').trim())) {
        for (const text of splitLong(sentence, pieceChars)) {
          pieces.push({ text, after });
          after = 'sentence';
        }
      }
      if (after === 'sentence') after = 'line';
    }
  }
  return pieces;
}

const CJK_END = new Set(['。', '！', '？', '…']);
const LATIN_END = new Set(['.', '!', '?']);
const CLOSERS = new Set(['"', "'", '”', '’', ')', '）', '」', '』', '》', ']']);

/** Sentences of a paragraph, each with its end punctuation and closing quotes. */
export function splitSentences(paragraph: string): string[] {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  while (i < paragraph.length) {
    const c = paragraph[i]!;
    let end = -1;
    if (CJK_END.has(c) || LATIN_END.has(c)) {
      let j = i + 1;
      while (j < paragraph.length && (CJK_END.has(paragraph[j]!) || LATIN_END.has(paragraph[j]!))) j++;
      while (j < paragraph.length && CLOSERS.has(paragraph[j]!)) j++;
      const next = paragraph[j];
      // Latin punctuation ends a sentence only before a space, the end, or Chinese text ("3.5", "e.g"
      // stay), and a list number ("1. ") is not a sentence.
      const listNumber = c === '.' && /(^|\s)\d{1,3}$/.test(paragraph.slice(start, i));
      if (CJK_END.has(c) || ((next === undefined || /\s/.test(next) || HAN.test(next)) && !listNumber)) {
        end = j;
      }
      i = j;
    } else {
      i++;
    }
    if (end > 0) {
      const sentence = paragraph.slice(start, end).trim();
      if (sentence) out.push(sentence);
      start = end;
    }
  }
  const rest = paragraph.slice(start).trim();
  if (rest) out.push(rest);
  return out;
}

const CLAUSE_END = /[,;:，；：、]/u;

/** True when a cut just before `text[i]` does not split a word. */
function isBreakBefore(text: string, i: number): boolean {
  if (i <= 0 || i >= text.length) return true;
  const a = text[i - 1]!;
  const b = text[i]!;
  if (/\s/.test(a) || /\s/.test(b)) return true;
  return HAN.test(a) || HAN.test(b) || CJK_PUNCT.test(a) || CJK_PUNCT.test(b);
}

/** A sentence longer than `maxChars` in pieces: after a clause, else between words, else anywhere. */
function splitLong(sentence: string, maxChars: number): string[] {
  const out: string[] = [];
  let rest = sentence;
  while (rest.length > maxChars) {
    const cut = cutPoint(rest, maxChars);
    const head = rest.slice(0, cut).trim();
    if (head) out.push(head);
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}

function cutPoint(text: string, maxChars: number): number {
  const floor = Math.floor(maxChars / 2);
  for (let i = maxChars; i > floor; i--) if (CLAUSE_END.test(text[i - 1]!)) return i;
  for (let i = maxChars; i > floor; i--) if (/\s/.test(text[i]!)) return i;
  for (let i = maxChars; i > floor; i--) if (isBreakBefore(text, i)) return i;
  // One word longer than half a chunk: cut inside it, but not inside a surrogate pair.
  const code = text.charCodeAt(maxChars);
  return code >= 0xdc00 && code <= 0xdfff ? maxChars - 1 : maxChars;
}
