/** What the stub answers when no `reply` option is given. */

/** The parts of a chat completion request body the stub reads. */
export interface ChatRequestBody {
  model?: string;
  messages?: Array<{ role?: string; content?: unknown }>;
  stream?: boolean;
  stream_options?: { include_usage?: boolean } | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  [key: string]: unknown;
}

/**
 * Articles in a system prompt, as the stub recognises them: the bot's numbered list,
 *
 * ```text
 * Articles:
 * [1] Refund policy
 * Refunds are issued within 14 days of purchase. ...
 *
 * [2] Shipping
 * ...
 * ```
 *
 * or tagged blocks, `<article id="kb-12" title="Refund policy">...</article>` (`id` and `title`
 * optional). The default reply to a prompt holding articles quotes the first one, so a test can
 * tell the articles reached the model:
 * `According to "Refund policy": Refunds are issued within 14 days of purchase.`
 */
const TAGGED = /<article\b([^>]*)>([\s\S]*?)<\/article>/i;
const ATTRIBUTE = /(\w+)\s*=\s*"([^"]*)"/g;
const NUMBERED = /^\[1\][ \t]*(.*)\r?\n([\s\S]*?)(?=\r?\n\r?\n\[\d+\]|$(?![\s\S]))/m;

export interface StubArticle {
  id: string | null;
  title: string | null;
  body: string;
}

/** The first article of a text (see above), or null. */
export function firstArticle(text: string): StubArticle | null {
  const tagged = TAGGED.exec(text);
  if (tagged) {
    const attributes = new Map<string, string>();
    for (const [, name, value] of tagged[1]!.matchAll(ATTRIBUTE)) attributes.set(name!.toLowerCase(), value!);
    return {
      id: attributes.get('id') ?? null,
      title: attributes.get('title') ?? null,
      body: tagged[2]!.trim(),
    };
  }
  const numbered = NUMBERED.exec(text);
  if (numbered) return { id: '1', title: numbered[1]!.trim() || null, body: numbered[2]!.trim() };
  return null;
}

/** The first sentence of a text, ending punctuation included (Latin or CJK). */
export function firstSentence(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const match = /^.*?[.!?。！？](?=\s|$|\P{ASCII})/u.exec(flat);
  return match ? match[0] : flat;
}

export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && 'text' in part ? String(part.text) : ''))
      .join('');
  }
  return '';
}

/**
 * With articles in the system prompt: `According to "<title>": <first sentence of its body>`
 * (`According to the knowledge base: ...` when it has no title). Otherwise
 * `Stub answer: <last user message>`.
 */
export function defaultReply(body: ChatRequestBody): string {
  const messages = body.messages ?? [];
  const system = messages
    .filter((m) => m.role === 'system' || m.role === 'developer')
    .map((m) => messageText(m.content))
    .join('\n');
  const article = firstArticle(system);
  if (article) {
    const source = article.title ? `"${article.title}"` : 'the knowledge base';
    return `According to ${source}: ${firstSentence(article.body)}`;
  }
  const lastUser = [...messages].reverse().find((m) => m.role === 'user');
  return `Stub answer: ${lastUser ? messageText(lastUser.content) : ''}`;
}
