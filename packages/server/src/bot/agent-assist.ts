import type { Conversation, Message, Workspace } from '@unique-support/protocol';
import type { Store } from '../store/store.ts';
import type { ArticleSearch } from './middleware.ts';
import type { ModelChain } from './model-chain.ts';
import type { ChatMessage } from './providers/provider.ts';

export interface Assist {
  text: string;
  /** `model`: written by the LLM; otherwise built without it. */
  source: 'model' | 'knowledge' | 'extract' | 'none';
}

const TRANSCRIPT_MESSAGES = 50;

/** Help for the human agent: a draft reply and a summary, from the model when one answers. */
export class AgentAssist {
  constructor(
    private readonly store: Store,
    private readonly chain: ModelChain,
    private readonly knowledge: ArticleSearch,
    private readonly options: { maxArticles: number; minScore?: number },
  ) {}

  async suggestReply(workspace: Workspace, conversation: Conversation): Promise<Assist> {
    const messages = await this.transcript(conversation);
    const question = [...messages].reverse().find((m) => m.author.type === 'visitor')?.text;
    if (!question) return { text: '', source: 'none' };
    const articles = await this.knowledge.search(workspace.id, question, {
      limit: this.options.maxArticles,
      ...(this.options.minScore !== undefined && { minScore: this.options.minScore }),
    });
    const context = articles.map((a, i) => `[${i + 1}] ${a.title}\n${a.text}`).join('\n\n');
    const drafted = await this.complete([
      {
        role: 'system',
        content:
          `You draft replies for a human support agent of ${workspace.name}. Write the next reply to the ` +
          `customer, in the customer's language, using only these articles; if they do not cover it, ` +
          `write a short reply saying you will check.\n\nArticles:\n${context}`,
      },
      { role: 'user', content: formatTranscript(messages) },
    ]);
    if (drafted) return { text: drafted, source: 'model' };
    const best = articles[0];
    return best ? { text: best.text, source: 'knowledge' } : { text: '', source: 'none' };
  }

  async summarize(workspace: Workspace, conversation: Conversation): Promise<Assist> {
    const messages = await this.transcript(conversation);
    if (messages.length === 0) return { text: '', source: 'none' };
    const summary = await this.complete([
      {
        role: 'system',
        content:
          `Summarise this support conversation of ${workspace.name} for the agent taking it over: ` +
          'what the customer wants, what was said, what is still open. At most three short lines.',
      },
      { role: 'user', content: formatTranscript(messages) },
    ]);
    if (summary) return { text: summary, source: 'model' };
    const fromVisitor = messages.filter((m) => m.author.type === 'visitor');
    const lines = [
      `${messages.length} messages; status ${conversation.status}.`,
      fromVisitor[0] && `First request: ${clip(fromVisitor[0].text)}`,
      fromVisitor.length > 1 && `Latest: ${clip(fromVisitor.at(-1)!.text)}`,
    ].filter(Boolean);
    return { text: lines.join('\n'), source: 'extract' };
  }

  /** The model's whole answer, or null when no provider answered completely. */
  private async complete(messages: ChatMessage[]): Promise<string | null> {
    if (!this.chain.available()) return null;
    const result = await this.chain.stream({ messages }, () => {});
    return result.outcome === 'answered' && result.complete && result.text.trim() ? result.text.trim() : null;
  }

  private async transcript(conversation: Conversation): Promise<Message[]> {
    return this.store.listMessages({
      workspaceId: conversation.workspaceId,
      conversationId: conversation.id,
      afterSeq: Math.max(0, conversation.lastSeq - TRANSCRIPT_MESSAGES),
      limit: TRANSCRIPT_MESSAGES,
    });
  }
}

const clip = (text: string) => (text.length > 200 ? `${text.slice(0, 200)}…` : text);

function formatTranscript(messages: readonly Message[]): string {
  return messages
    .map(
      (m) =>
        `${m.author.type === 'visitor' ? 'Customer' : m.author.type === 'agent' ? 'Agent' : 'Bot'}: ${m.text}`,
    )
    .join('\n');
}
