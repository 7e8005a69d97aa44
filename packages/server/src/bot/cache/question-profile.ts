/**
 * What a question is specifically about, for the guards of the answer cache's semantic layer.
 * Rule-based and deterministic (~10 µs a question); no model.
 *
 * Tokens: English words (lower case, light stemming: `shipping` = `shipped` = `ship`) and Chinese
 * characters (退货 → 退, 货), after dropping filler (articles, pronouns, do/be, politeness, 的/吗/呢/
 * 把/被...). Question words and modals are kept as classes: `@how` = how/怎么/如何,
 * `@can` = can/could/may/possible/可以/能/支持, `@when`, `@where`, `@howlong`, `@howmuch`, `@need`...;
 * a modal right after a question word is dropped ("how can I" = "how do I"). A question with no
 * salient word besides classes ("how much is it?", "多少钱？") depends on the conversation and is
 * not `cacheable`.
 *
 * `sharable(a, b)` (may b be served a's answer?) requires all of:
 * 1. numbers: the same numbers, amounts and ids (`#12345`, `$49.99`, `two` = `2`, 七 = 7); a small
 *    count goes with what it counts ("two coupons on one order" ≠ "one coupon on two orders");
 * 2. negation: the same salient words under negation (not/no/never/n't/without, 不/没/无/未/别/非),
 *    per clause ("charged but not placed" ≠ "not charged but placed"); A-not-A questions (能不能,
 *    有没有, 包不包邮) and words like 是否/不过/区别 are not negations;
 * 3. tense: both or neither ask about the past (did/was/were/been/has + participle, 了/已经);
 * 4. salient words: the same set ("Canada" ≠ "Mexico", 退货 ≠ 换货, "how long" ≠ "how much");
 * 5. order: the same order of salient words up to a rotation, which allows moving the topic to the
 *    front (订单怎么取消 = 怎么取消订单) but not swapping the things around a word ("an account with
 *    several admins" ≠ "an admin with several accounts");
 * 6. roles: a word after a relation word (to/from/into/for/than/instead, 's; 到/从/给/换/换成/比/先/后)
 *    plays that role in both ("ship to Canada" ≠ "ship from Canada", 先用后付 ≠ 先付后用);
 * 7. persons: when both mention "I" and "you", in the same order ("can you call me" ≠ "can I call you").
 * Rules 1–4 form the profile's `key`, so candidates are found with one map lookup.
 *
 * The rules were shaped by the hand-labelled set and by five held-out rounds (labelled-questions.ts);
 * what they cannot see: meaning carried only by filler words or by wider context.
 */

export interface QuestionProfile {
  /** Numbers, amounts and ids, sorted; a small count with the word it counts (`2 coupon`). */
  readonly numbers: readonly string[];
  /** The salient words of negated clauses (all of them for a simply negated question). */
  readonly negated: readonly string[];
  /** Asks about the past ("did I get", "has it shipped", 发货了吗) rather than in general. */
  readonly past: boolean;
  /** The salient words, sorted. */
  readonly content: readonly string[];
  /** `role:word` for every bound word. */
  readonly roles: readonly string[];
  /** e.g. `i,you`; empty when a question does not mention both. */
  readonly persons: string;
  /** The salient words (with question-word classes) in the order they appear. */
  readonly sequence: readonly string[];
  /** Numbers, negation, tense and salient words: questions that may share an answer have equal keys. */
  readonly key: string;
  /**
   * False when the question has no salient word besides question words and modals ("how much is
   * it?", "why?", "多少钱？"): its meaning lives in the conversation, so its answer is never cached.
   */
  readonly cacheable: boolean;
}

type Token =
  | { readonly t: 'word'; readonly v: string; readonly participle?: boolean }
  /** Past or perfect: did/was/were/had/been, 了/已经; `have` is past only before a participle. */
  | { readonly t: 'past' }
  | { readonly t: 'have' }
  | { readonly t: 'number'; readonly v: string; readonly count: boolean }
  | { readonly t: 'neg' }
  /** A conjunction (but, and, if, 但是, 因为...): negation and roles do not cross it. */
  | { readonly t: 'break' }
  | { readonly t: 'class'; readonly v: string; readonly wh: boolean }
  | { readonly t: 'marker'; readonly v: string }
  | { readonly t: 'person'; readonly v: 'i' | 'you' };

// ------------------------------------------------------------------------------------------ English

const EN_FILLER = new Set(
  (
    'a an the is are be being am do does doing done having it its ' +
    'this that these those there here please pls plz kindly hi hello hey thanks thank of in on at by ' +
    'with about as or so also too just still even already now currently really actually any ' +
    'some get got gets getting will would shall want wants wanted like let tell know my mine our ours ' +
    'your yours their theirs they them usually typically normally generally then offer offers ' +
    'offered provide provides available'
  ).split(' '),
);
const EN_PERSON: Record<string, 'i' | 'you'> = {
  i: 'i',
  me: 'i',
  myself: 'i',
  we: 'i',
  us: 'i',
  you: 'you',
  yourself: 'you',
};
const EN_CLASS: Record<string, string> = {
  he: '@other',
  she: '@other',
  him: '@other',
  her: '@other',
  his: '@other',
  hers: '@other',
  how: '@how',
  what: '@what',
  which: '@what',
  where: '@where',
  when: '@when',
  why: '@why',
  who: '@who',
  whom: '@who',
  can: '@can',
  could: '@can',
  may: '@can',
  might: '@can',
  able: '@can',
  possible: '@can',
  need: '@need',
  must: '@need',
  require: '@need',
  required: '@need',
  necessary: '@need',
  should: '@should',
  ought: '@should',
};
const EN_WH_PHRASES: Record<string, string> = {
  'how long': '@howlong',
  'how much': '@howmuch',
  'how many': '@howmuch',
  'what time': '@whattime',
  'have to': '@need',
  'has to': '@need',
  'had to': '@need',
};
const MODALS = new Set(['@can', '@need', '@should']);
const EN_NEGATION = new Set(['not', 'no', 'never', 'none', 'nothing', 'nobody', 'nor', 'neither', 'without']);
const EN_IRREGULAR_PARTICIPLES = new Set([
  'got',
  'gotten',
  'paid',
  'sent',
  'made',
  'bought',
  'received',
  'done',
]);
const EN_MARKERS = new Set(['to', 'from', 'into', 'for', 'than', 'instead', 'rather']);
const EN_BREAKS = new Set(['and', 'but', 'although', 'though', 'because', 'while', 'whereas', 'yet', 'if']);
/** After these, "to" starts an infinitive ("how to", "want to"), not a direction. */
const EN_INFINITIVE = new Set([
  'want',
  'wants',
  'like',
  'need',
  'have',
  'has',
  'had',
  'able',
  'going',
  'try',
  'trying',
  'possible',
  'way',
]);
const EN_NUMBERS: Record<string, string> = {
  zero: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
  ten: '10',
  eleven: '11',
  twelve: '12',
  thirteen: '13',
  fourteen: '14',
  fifteen: '15',
  sixteen: '16',
  seventeen: '17',
  eighteen: '18',
  nineteen: '19',
  twenty: '20',
  thirty: '30',
  forty: '40',
  fifty: '50',
  sixty: '60',
  seventy: '70',
  eighty: '80',
  ninety: '90',
  hundred: '100',
  thousand: '1000',
  million: '1000000',
  once: '1x',
  twice: '2x',
  thrice: '3x',
  dozen: '12',
};

/** Light English stemming: plural, -ed, -ing, doubled consonant, final e. */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (/(?:[sxz]|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(?:ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length >= 6) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length >= 5) w = w.slice(0, -2);
  if (/([b-df-hj-np-rtv-z])\1$/.test(w) && !/(?:ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  return w;
}

// ------------------------------------------------------------------------------------------ Chinese

type HanEntry = Token | 'filler' | 'neg' | readonly Token[];

const HAN_LEXICON = new Map<string, HanEntry>();
function han(words: string, entry: HanEntry): void {
  for (const w of words.split(' ')) HAN_LEXICON.set(w, entry);
}
const cls = (v: string, wh = true): Token => ({ t: 'class', v, wh });
han('什么时候 啥时候 何时 几时', cls('@when'));
han('多长时间 多长 多久', cls('@howlong'));
han('几点', cls('@whattime'));
han('多少钱 多少 几', cls('@howmuch'));
han('为什么 为何', cls('@why'));
han('怎么办 咋办', cls('@whatdo'));
han('怎么样 怎么 怎样 如何 咋', cls('@how'));
han('哪里 哪儿 在哪 哪', cls('@where'));
han('什么 啥 哪些 哪个 哪种', cls('@what'));
han('谁', cls('@who'));
han('他们 她们 他 她', cls('@other', false));
han('可以 能够 能否 可否 可 能 支持', cls('@can', false));
han('需要 必须 需', cls('@need', false));
han('应该', cls('@should', false));
han('我们 我 本人', { t: 'person', v: 'i' });
han('你们 您 你', { t: 'person', v: 'you' });
han('从', { t: 'marker', v: 'from' });
han('到 至 给', { t: 'marker', v: 'to' });
// 先用后付 ≠ 先付后用: what comes first and what comes after.
han('先', [
  { t: 'word', v: '先' },
  { t: 'marker', v: 'first' },
]);
han('后', [
  { t: 'word', v: '后' },
  { t: 'marker', v: 'after' },
]);
han('但是 但 可是 却 而且 并且 而 因为 所以 如果 要是', { t: 'break' });
for (const verb of ['换', '改']) {
  han(`${verb}成 ${verb}为`, [
    { t: 'word', v: verb },
    { t: 'marker', v: 'into' },
  ]);
}
// 积分换优惠券 ≠ 优惠券换积分: what one gets in exchange is a role.
han('换', [
  { t: 'word', v: '换' },
  { t: 'marker', v: 'into' },
]);
han('比', { t: 'marker', v: 'than' });
han('代替 替代 而不是', { t: 'marker', v: 'instead' });
han(
  '请问 请 麻烦 您好 你好 谢谢 是否 与否 一下 一般 一直 不好意思 不过 无论 特别 非常 的 地 得 着 ' +
    '吗 呢 吧 啊 呀 哦 嘛 啦 是 在 就 都 也 和 与 及 还 把 被 让 对 这 那 这个 那个 个 些 有 ' +
    '要 想 想要 才 它 自己 元 块 块钱',
  'filler',
);
han('不 没 没有 无 未 别 非 勿 莫 甭 否', 'neg');
han('了 已经 已', { t: 'past' });
// Words that contain a negation character without negating anything.
for (const w of '差不多 不错 别人 别的 区别 识别 级别 类别 分别 无线 否则'.split(' ')) {
  han(w, { t: 'word', v: w });
}
const HAN_MAX_WORD = Math.max(...[...HAN_LEXICON.keys()].map((w) => w.length));

const HAN_DIGITS: Record<string, number> = {
  零: 0,
  〇: 0,
  一: 1,
  二: 2,
  两: 2,
  三: 3,
  四: 4,
  五: 5,
  六: 6,
  七: 7,
  八: 8,
  九: 9,
};
const HAN_UNITS: Record<string, number> = { 十: 10, 百: 100, 千: 1000 };
const HAN_BIG_UNITS: Record<string, number> = { 万: 10_000, 亿: 100_000_000 };
/** Words with numeral characters that are not numbers, then numerals. */
const HAN_NUMBERS_OR_LOOKALIKES =
  /(一下|一些|一样|一直|一起|一般|一定|一点|一旦|一致|一切|一律|统一|万一|唯一|千万|十分)|[零〇一二两三四五六七八九十百千万亿]+/gu;
/** Stands for a number inside a Han run (a private-use character). */
const NUMBER_MARK = '\uE000';

function hanNumber(text: string): string {
  if (![...text].some((c) => c in HAN_UNITS || c in HAN_BIG_UNITS)) {
    return [...text].map((c) => HAN_DIGITS[c] ?? '').join('');
  }
  let total = 0;
  let section = 0;
  let digit = 0;
  for (const c of text) {
    if (c in HAN_DIGITS) digit = HAN_DIGITS[c]!;
    else if (c in HAN_UNITS) {
      section += (digit || 1) * HAN_UNITS[c]!;
      digit = 0;
    } else {
      total += (section + digit || 1) * HAN_BIG_UNITS[c]!;
      section = 0;
      digit = 0;
    }
  }
  return String(total + section + digit);
}

// ------------------------------------------------------------------------------------------ profile

/** A letter that is not Han, or a decimal digit. */
const LATIN = String.raw`(?:[^\P{L}\p{Script=Han}]|\p{Nd})`;
const SEGMENT = new RegExp(
  String.raw`(\p{Script=Han}+)|([$€£¥₹]?${LATIN}+(?:['.,:/-]${LATIN}+)*[$€£¥₹%]?)`,
  'gu',
);
/** Clause boundaries (a dot or comma between digits is part of a number). */
const CLAUSE = /[;!?，。；！？、\n]+|[,.:](?!\d)/u;
const HAN_A_NOT_A = /(\p{Script=Han})[不没]\1/gu;

interface Scan {
  tokens: Token[];
  /** The previous Latin word, for two-word phrases ("how long", "have to", "want to"). */
  lastLatin?: string | undefined;
}

export function profileQuestion(text: string): QuestionProfile {
  const clean = text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[‘’ʼ`]/g, "'");
  const scan: Scan = { tokens: [] };
  for (const clause of clean.split(CLAUSE)) {
    for (const m of clause.matchAll(SEGMENT)) {
      if (m[1] !== undefined) scanHan(m[1], scan);
      else scanLatin(m[2]!, scan);
    }
    scan.tokens.push({ t: 'break' });
    scan.lastLatin = undefined;
  }
  const numbers: string[] = [];
  const content = new Set<string>();
  const negated = new Set<string>();
  const roles = new Set<string>();
  const persons: ('i' | 'you')[] = [];
  const sequence: string[] = [];
  let clause: string[] = [];
  let clauseNegated = false;
  let clauseHave = false;
  let past = false;
  let previous: Token | undefined;
  const tokens = scan.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    switch (token.t) {
      case 'break':
        if (clauseNegated) for (const w of clause) negated.add(w);
        clause = [];
        clauseNegated = false;
        clauseHave = false;
        previous = undefined;
        break;
      case 'past':
        past = true;
        break;
      case 'have':
        clauseHave = true;
        break;
      case 'neg':
        clauseNegated = true;
        break;
      case 'number': {
        // A count goes with what it counts: "two coupons on one order" ≠ "one coupon on two orders".
        const next = tokens[i + 1];
        numbers.push(token.count && next?.t === 'word' ? `${token.v} ${next.v}` : token.v);
        break;
      }
      case 'person':
        if (!persons.includes(token.v)) persons.push(token.v);
        break;
      case 'marker': {
        let j = i + 1;
        while (tokens[j]?.t === 'person' || tokens[j]?.t === 'marker') j++;
        const next = tokens[j];
        if (next?.t === 'word') roles.add(`${token.v}:${next.v}`);
        break;
      }
      default: {
        if (token.t === 'word' && token.participle && clauseHave) past = true;
        // "how can I" asks what "how do I" asks.
        const afterWh = previous?.t === 'class' && previous.wh;
        if (!(token.t === 'class' && MODALS.has(token.v) && afterWh)) {
          content.add(token.v);
          clause.push(token.v);
          sequence.push(token.v);
        }
        previous = token;
      }
    }
  }
  numbers.sort();
  const sortedContent = [...content].sort();
  const sortedNegated = [...negated].sort();
  return {
    numbers,
    negated: sortedNegated,
    past,
    content: sortedContent,
    roles: [...roles].sort(),
    persons: persons.length === 2 ? persons.join(',') : '',
    sequence,
    key: `${numbers.join(',')}|${sortedNegated.join(' ')}|${past ? 'past' : ''}|${sortedContent.join(' ')}`,
    cacheable: sortedContent.some((w) => !w.startsWith('@')),
  };
}

function scanLatin(segment: string, scan: Scan): void {
  if (/\d/.test(segment)) {
    scan.tokens.push({ t: 'number', v: numberToken(segment), count: /^\d{1,3}$/.test(segment) });
    return;
  }
  for (const raw of segment.split(/[.,:/-]/)) {
    if (raw === '') continue;
    let word = raw;
    let possessive = false;
    if (word.endsWith("n't")) {
      scan.tokens.push({ t: 'neg' });
      word = { ca: 'can', wo: 'will', sha: 'shall' }[word.slice(0, -3)] ?? word.slice(0, -3);
    } else if (word.includes("'")) {
      const suffix = word.slice(word.indexOf("'") + 1);
      word = word.slice(0, word.indexOf("'"));
      // "husband's order" (possessive) but "what's", "it's", "where's" (is).
      possessive = (suffix === 's' || suffix === '') && !isFunctionWord(word);
    }
    if (word === 'cannot') {
      scan.tokens.push({ t: 'neg' });
      word = 'can';
    }
    pushLatinWord(word, scan);
    // "my husband's order" ≠ "my husband ... my order": the owner is a role.
    if (possessive) scan.tokens.push({ t: 'marker', v: 'of' });
  }
}

function pushLatinWord(word: string, scan: Scan): void {
  const tokens = scan.tokens;
  const last = tokens.at(-1);
  const lastWord = scan.lastLatin;
  scan.lastLatin = word;
  if (word === '') return;
  if (word in EN_NUMBERS) {
    scan.tokens.push({ t: 'number', v: EN_NUMBERS[word]!, count: !word.endsWith('ce') });
    return;
  }
  if (EN_NEGATION.has(word)) {
    tokens.push({ t: 'neg' });
    return;
  }
  if (EN_BREAKS.has(word)) {
    tokens.push({ t: 'break' });
    return;
  }
  if (lastWord !== undefined) {
    const phrase = EN_WH_PHRASES[`${lastWord} ${word}`];
    if (phrase !== undefined) {
      // Replace the first word's token ("how" → "how long"; "have" was filler).
      if (last?.t === 'class' && (lastWord === 'how' || lastWord === 'what')) tokens.pop();
      if (last?.t === 'have') tokens.pop();
      tokens.push({ t: 'class', v: phrase, wh: phrase !== '@need' });
      return;
    }
  }
  if (word in EN_PERSON) {
    tokens.push({ t: 'person', v: EN_PERSON[word]! });
    return;
  }
  if (EN_MARKERS.has(word)) {
    const infinitive = word === 'to' && (EN_INFINITIVE.has(lastWord ?? '') || last?.t === 'class');
    if (!infinitive) tokens.push({ t: 'marker', v: word });
    return;
  }
  const klass = EN_CLASS[word];
  if (klass !== undefined) {
    tokens.push({ t: 'class', v: klass, wh: !MODALS.has(klass) && klass !== '@other' });
    return;
  }
  if (word === 'did' || word === 'was' || word === 'were' || word === 'had' || word === 'been') {
    tokens.push({ t: 'past' });
    return;
  }
  if (word === 'has' || word === 'have') {
    tokens.push({ t: 'have' });
    return;
  }
  if (EN_FILLER.has(word)) return;
  const participle = /(?:ed|en)$/.test(word) || EN_IRREGULAR_PARTICIPLES.has(word);
  tokens.push(participle ? { t: 'word', v: stem(word), participle } : { t: 'word', v: stem(word) });
}

function numberToken(segment: string): string {
  let s = segment;
  if (/^[$€£¥₹]?\d{1,3}(?:,\d{3})+(?:\.\d+)?[$€£¥₹%]?$/.test(s)) s = s.replaceAll(',', '');
  s = s.replace(/(\.\d*?)0+(?=\D*$)/, '$1').replace(/\.(?=\D*$)/, '');
  return s.replace(/^#/, '');
}

function scanHan(run: string, scan: Scan): void {
  let text = run.replace(HAN_A_NOT_A, '$1').replace(/了没有?$/u, '了');
  // Read numerals, except inside words that only look like numbers (一下, 一般, 万一...).
  const numbers: string[] = [];
  text = text.replace(HAN_NUMBERS_OR_LOOKALIKES, (match, lookalike: string | undefined) => {
    if (lookalike !== undefined) return lookalike;
    numbers.push(hanNumber(match));
    return NUMBER_MARK;
  });
  const chars = [...text];
  let n = 0;
  for (let i = 0; i < chars.length; ) {
    if (chars[i] === NUMBER_MARK) {
      const v = numbers[n++]!;
      scan.tokens.push({ t: 'number', v, count: v.length <= 3 });
      i++;
      continue;
    }
    let matched = false;
    for (let len = Math.min(HAN_MAX_WORD, chars.length - i); len >= 1; len--) {
      const entry = HAN_LEXICON.get(chars.slice(i, i + len).join(''));
      if (entry === undefined) continue;
      if (entry === 'neg') scan.tokens.push({ t: 'neg' });
      else if (Array.isArray(entry)) scan.tokens.push(...(entry as readonly Token[]));
      else if (entry !== 'filler') scan.tokens.push(entry as Token);
      i += len;
      matched = true;
      break;
    }
    if (!matched) {
      scan.tokens.push({ t: 'word', v: chars[i]! });
      i++;
    }
  }
  scan.lastLatin = undefined;
}

function isFunctionWord(word: string): boolean {
  return EN_FILLER.has(word) || word in EN_CLASS || word in EN_PERSON || word === 'that' || word === 'there';
}

/**
 * Whether two profiles may share a cached answer: same key (numbers, negation, content), the same
 * cyclic order of salient words, no word in different roles, and the same order of "I" and "you"
 * when both questions mention both.
 */
export function sharable(a: QuestionProfile, b: QuestionProfile): boolean {
  return (
    a.key === b.key &&
    a.cacheable &&
    sameCyclicOrder(a.sequence, b.sequence) &&
    rolesAgree(a, b) &&
    (a.persons === b.persons || a.persons === '' || b.persons === '')
  );
}

/**
 * Whether `b` is `a` rotated: moving a leading block to the end keeps the meaning (订单怎么取消 =
 * 怎么取消订单, "is PayPal accepted" = "do you accept PayPal"); swapping the things around a word
 * does not ("can an account have several admins" ≠ "can an admin have several accounts").
 */
function sameCyclicOrder(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  if (a.length === 0) return true;
  for (let shift = 0; shift < a.length; shift++) {
    let equal = true;
    for (let i = 0; i < a.length && equal; i++) equal = a[(i + shift) % a.length] === b[i];
    if (equal) return true;
  }
  return false;
}

function rolesAgree(a: QuestionProfile, b: QuestionProfile): boolean {
  if (a.roles.length === 0 && b.roles.length === 0) return true;
  const roleOf = (p: QuestionProfile) => {
    const map = new Map<string, string>();
    for (const r of p.roles) {
      const colon = r.indexOf(':');
      const word = r.slice(colon + 1);
      map.set(word, [map.get(word), r.slice(0, colon)].filter(Boolean).sort().join('+'));
    }
    return map;
  };
  const ra = roleOf(a);
  const rb = roleOf(b);
  for (const word of new Set([...ra.keys(), ...rb.keys()])) {
    if ((ra.get(word) ?? '') !== (rb.get(word) ?? '')) return false;
  }
  return true;
}
