import type { ModelChain } from './model-chain.ts';
import type { BotMiddleware, RetrievedArticle } from './pipeline.ts';
import type { ChatMessage } from './providers/provider.ts';

/** The knowledge base as the bot sees it: one workspace at a time. */
export interface ArticleSearch {
  search(
    workspaceId: string,
    query: string,
    options: { limit: number; minScore?: number },
  ): Promise<RetrievedArticle[]>;
  /** Changes whenever the workspace's knowledge base changes; the same on every node. */
  version(workspaceId: string, signal?: AbortSignal): Promise<string>;
}

export interface CacheScope {
  workspaceId: string;
  knowledgeVersion: string;
}

export interface AnswerStore {
  get(
    scope: CacheScope,
    question: string,
    signal?: AbortSignal,
  ): Promise<{ answer: string; kind: 'exact' | 'semantic' } | null>;
  set(scope: CacheScope, question: string, answer: string): void | Promise<void>;
}

const isChinese = (text: string) => /\p{Script=Han}/u.test(text);
const say = (question: string, en: string, zh: string) => (isChinese(question) ? zh : en);

// --- handoff -----------------------------------------------------------------

/**
 * True when the text asks for a person: CJK keywords match anywhere, Latin ones as whole
 * words ("agent" matches "an agent please", not "agenda").
 */
export function asksForHuman(text: string, keywords: readonly string[]): boolean {
  const lower = text.toLowerCase();
  return keywords.some((keyword) => {
    const k = keyword.toLowerCase();
    if (!/^[\p{Script=Latin}\d\s]+$/u.test(k)) return lower.includes(k);
    return new RegExp(`(^|[^\\p{L}\\p{N}])${escapeRegExp(k)}($|[^\\p{L}\\p{N}])`, 'u').test(lower);
  });
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** "转人工", "human"...: tell the visitor, hand the conversation to a person, end the turn. */
export function handoffOnKeywords(keywords: readonly string[]): BotMiddleware {
  return async function handoffOnKeywords(ctx, next) {
    if (!asksForHuman(ctx.question, keywords)) return next();
    await ctx.say(
      say(ctx.question, 'Connecting you with a human agent…', '正在为您转接人工客服…'),
      'handoff',
    );
    await ctx.handoff();
  };
}

// --- prompt injection ------------------------------------------------------------

const INSTRUCTION_PROBES = [
  /\b(system|initial|hidden|original)\s+(prompt|instructions?|message)/i,
  /\bignore\s+(all\s+|any\s+)?(the\s+)?(previous|prior|above|earlier|your)\s+(instructions?|prompts?|rules)/i,
  /\b(reveal|print|repeat|show|output)\s+(me\s+)?(your|the)\s+(instructions?|prompt|rules|configuration)/i,
  /\bother\s+(workspaces?|companies|tenants|merchants)\b/i,
  /(系统|初始|隐藏)\s*(提示词?|指令)|提示词|忽略(之前|以上|上面|前面)(的)?(所有)?(指令|说明|规则)|其他(商家|公司|租户)/,
];

/** Questions about the bot's instructions or other merchants get a fixed refusal, never the model. */
export function refuseInstructionRequests(): BotMiddleware {
  return async function refuseInstructionRequests(ctx, next) {
    if (!INSTRUCTION_PROBES.some((probe) => probe.test(ctx.question))) return next();
    const name = ctx.workspace.name;
    await ctx.say(
      say(
        ctx.question,
        `I can only help with questions about ${name}'s products and services.`,
        `我只能回答与${name}的产品和服务有关的问题。`,
      ),
      'refusal',
    );
  };
}

// --- rules ---------------------------------------------------------------------------

export interface Rule {
  keywords: readonly string[];
  pattern: RegExp | null;
  answer: string;
}

/** Keyword and pattern rules (greetings, thanks...): cheap, deterministic answers. */
export function answerFromRules(rules: readonly Rule[]): BotMiddleware {
  return async function answerFromRules(ctx, next) {
    const text = ctx.question.trim();
    const rule = rules.find(
      (r) =>
        r.pattern?.test(text) ||
        // A keyword rule answers short messages that are mostly the keyword ("hi!", "你好").
        r.keywords.some((k) => asksForHuman(text, [k]) && text.length <= k.length + 12),
    );
    if (!rule) return next();
    await ctx.say(rule.answer, 'rules');
  };
}

// --- cache -------------------------------------------------------------------------

/** Serves an answer given before to the same question (same knowledge); stores new model answers. */
export function answerFromCache(
  cache: AnswerStore,
  knowledge: Pick<ArticleSearch, 'version'>,
): BotMiddleware {
  return async function answerFromCache(ctx, next) {
    const scope = {
      workspaceId: ctx.workspace.id,
      knowledgeVersion: await knowledge.version(ctx.workspace.id, ctx.signal),
    };
    const hit = await cache.get(scope, ctx.question, ctx.signal);
    ctx.record.cache = hit ? hit.kind : 'miss';
    if (hit) {
      await ctx.say(hit.answer, 'cache');
      return;
    }
    await next();
    const answer = ctx.answer;
    if (answer?.source === 'model' && answer.complete && ctx.articles.length > 0) {
      await cache.set(scope, ctx.question, answer.text);
    }
  };
}

// --- retrieval ------------------------------------------------------------------------

export function retrieveArticles(
  index: ArticleSearch,
  options: { limit: number; minScore?: number },
): BotMiddleware {
  return async function retrieveArticles(ctx, next) {
    ctx.articles = await index.search(ctx.workspace.id, ctx.question, {
      limit: options.limit,
      ...(options.minScore !== undefined && { minScore: options.minScore }),
    });
    await next();
  };
}

/**
 * Nothing relevant in the knowledge base: say so rather than invent, and offer a human
 * (`offer`) or hand off at once (`handoff`).
 */
export function handoffOnNoAnswer(mode: 'offer' | 'handoff'): BotMiddleware {
  return async function handoffOnNoAnswer(ctx, next) {
    if (ctx.articles.length > 0) return next();
    if (mode === 'handoff') {
      await ctx.say(
        say(
          ctx.question,
          "I couldn't find an answer to that in our help center, so I'm connecting you with a human agent…",
          '抱歉，帮助中心里没有找到相关答案，正在为您转接人工客服…',
        ),
        'no-answer',
      );
      await ctx.handoff();
      return;
    }
    await ctx.say(
      say(
        ctx.question,
        'I couldn\'t find an answer to that in our help center. Type "human" to talk to a person.',
        '抱歉，帮助中心里没有找到相关答案。输入“人工”可转接人工客服。',
      ),
      'no-answer',
    );
  };
}

// --- generation -----------------------------------------------------------------------

/** The prompt: instructions, then the retrieved articles (only this workspace's), then the chat. */
export function buildPrompt(
  systemPrompt: string,
  ctx: {
    workspace: { name: string };
    articles: RetrievedArticle[];
    history: ChatMessage[];
    question: string;
  },
): ChatMessage[] {
  const instructions = systemPrompt.replaceAll('{workspace}', ctx.workspace.name);
  const articles = ctx.articles.map((a, i) => `[${i + 1}] ${a.title}\n${a.text}`).join('\n\n');
  return [
    { role: 'system', content: `${instructions}\n\nArticles:\n${articles}` },
    ...ctx.history,
    { role: 'user', content: ctx.question },
  ];
}

/**
 * Detects a model repeating its instructions: any 24-character run of the (normalised)
 * system prompt in the answer. Checked as the answer streams, so a leak is cut early.
 */
export class InstructionLeakGuard {
  private readonly shingles = new Set<string>();
  private static readonly SIZE = 24;

  constructor(instructions: string) {
    const text = normalizeForLeak(instructions);
    for (let i = 0; i + InstructionLeakGuard.SIZE <= text.length; i++) {
      this.shingles.add(text.slice(i, i + InstructionLeakGuard.SIZE));
    }
  }

  leaks(answer: string): boolean {
    const text = normalizeForLeak(answer);
    for (let i = 0; i + InstructionLeakGuard.SIZE <= text.length; i++) {
      if (this.shingles.has(text.slice(i, i + InstructionLeakGuard.SIZE))) return true;
    }
    return false;
  }
}

const normalizeForLeak = (text: string) => text.toLowerCase().replace(/\s+/g, ' ');

/**
 * Streams the model's answer (ModelChain: providers, breakers, one first-token deadline).
 * When no model answers in time, the knowledge base answers instead: its best passage.
 */
export function generateReply(chain: ModelChain, options: { systemPrompt: string }): BotMiddleware {
  return async function generateReply(ctx) {
    const instructions = options.systemPrompt.replaceAll('{workspace}', ctx.workspace.name);
    const guard = new InstructionLeakGuard(instructions);
    const refusal = say(
      ctx.question,
      `I can only help with questions about ${ctx.workspace.name}'s products and services.`,
      `我只能回答与${ctx.workspace.name}的产品和服务有关的问题。`,
    );
    const turn = new AbortController();
    const stop = () => turn.abort();
    ctx.signal.addEventListener('abort', stop, { once: true });
    const reply = ctx.openReply();
    let leaked = false;
    const result = await chain
      .stream({ messages: buildPrompt(options.systemPrompt, ctx), signal: turn.signal }, (delta) => {
        if (leaked) return;
        if (guard.leaks(reply.text + delta)) {
          leaked = true;
          ctx.log.warn(
            { conversationId: ctx.conversation.id },
            'model answer repeated its instructions: cut',
          );
          turn.abort();
          return;
        }
        reply.push(delta);
      })
      .finally(() => ctx.signal.removeEventListener('abort', stop));
    ctx.record.failedProviders = result.failed;
    if (result.outcome === 'answered') ctx.record.model = result.call;
    if (leaked) {
      await reply.complete(refusal);
      ctx.answer = { text: refusal, source: 'refusal', complete: true };
      return;
    }
    if (result.outcome === 'answered') {
      const cutOff = !result.complete && !ctx.signal.aborted;
      const text = cutOff
        ? reply.text +
          say(
            ctx.question,
            '\n\n(My answer was cut off. Type "human" to talk to a person.)',
            '\n\n（回答中断了。输入“人工”可转接人工客服。）',
          )
        : reply.text;
      await reply.complete(text);
      ctx.answer = { text, source: 'model', complete: result.complete };
      return;
    }
    if (ctx.signal.aborted) return;
    ctx.log.info(
      { conversationId: ctx.conversation.id, reason: result.reason },
      'no model answered: knowledge base fallback',
    );
    const best = ctx.articles[0];
    if (!best) return;
    await ctx.say(
      say(
        ctx.question,
        `Here is what our help center says in "${best.title}":\n\n${best.text}`,
        `帮助中心“${best.title}”中写道：\n\n${best.text}`,
      ),
      'knowledge',
    );
  };
}
