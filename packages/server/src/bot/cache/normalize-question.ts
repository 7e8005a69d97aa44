/**
 * The key of the exact layer of the answer cache: a question in a canonical spelling.
 *
 * Only differences that cannot change what is asked are removed: Unicode compatibility forms (NFKC:
 * full-width letters, digits and punctuation), letter case, runs of whitespace, punctuation between
 * words, greetings and thanks at either end, and Chinese sentence-final particles (吗 呢 吧 啊 ...).
 *
 * Kept on purpose: punctuation inside a token (`49.99`, `1,000`, `10:30`, `2024-05-18`, `don't`,
 * `e-mail`, `a@b.com`), currency and math symbols (`$`, `€`, `¥`, `+`, `<`), `%`, every word (negations,
 * question words), and the particle 了 (发货了吗 "has it shipped" is not 发货吗 "do you ship").
 */

/** A token: letters and digits, joined by in-word punctuation; or a kept symbol. */
const TOKEN = /[\p{L}\p{N}]+(?:['.,:/@_+-][\p{L}\p{N}]+)*|[\p{Sc}\p{Sm}%]/gu;
const HAN = /\p{Script=Han}/u;
const TRAILING_PARTICLES = /[吗呢吧啊呀哦嘛啦]+$/u;
const LEADING = ['请问', '你好', '您好', 'hi', 'hello', 'hey', 'please'];
const TRAILING = ['谢谢', 'please', 'pls', 'thanks', 'thank you', 'thx'];

export function normalizeQuestion(text: string): string {
  const tokens =
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[‘’ʼ`]/g, "'")
      .match(TOKEN) ?? [];
  let out = '';
  for (const token of tokens) {
    // No space next to Han characters: "订单 123" and "订单123" are the same question.
    if (out !== '' && !HAN.test(out.at(-1)!) && !HAN.test(token[0]!)) out += ' ';
    out += token;
  }
  return stripEnds(out);
}

function stripEnds(text: string): string {
  let s = text;
  for (let changed = true; changed; ) {
    changed = false;
    for (const word of LEADING) {
      const rest = dropPrefix(s, word);
      if (rest !== s && rest !== '') {
        s = rest;
        changed = true;
      }
    }
    for (const word of TRAILING) {
      const rest = dropSuffix(s, word);
      if (rest !== s && rest !== '') {
        s = rest;
        changed = true;
      }
    }
    const rest = s.replace(TRAILING_PARTICLES, '');
    if (rest !== s && rest !== '') {
      s = rest;
      changed = true;
    }
  }
  return s;
}

/** Drops a whole leading word (Latin words must be followed by a space). */
function dropPrefix(s: string, word: string): string {
  if (!s.startsWith(word)) return s;
  const next = s.slice(word.length);
  if (HAN.test(word[0]!)) return next.trimStart();
  return next.startsWith(' ') ? next.slice(1) : s;
}

function dropSuffix(s: string, word: string): string {
  if (!s.endsWith(word)) return s;
  const before = s.slice(0, s.length - word.length);
  if (HAN.test(word[0]!)) return before.trimEnd();
  return before.endsWith(' ') ? before.slice(0, -1) : s;
}
