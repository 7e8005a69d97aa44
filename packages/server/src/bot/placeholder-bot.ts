import type { Conversation, Message } from '@unique-support/protocol';
import type { Bot, BotActions } from '../core/conversation-service.ts';

export const DEFAULT_HANDOFF_KEYWORDS = ['转人工', '人工', 'human', 'agent'];

/**
 * True when the text asks for a person: CJK keywords match anywhere, Latin ones
 * as whole words ("agent" matches "an agent please", not "agenda").
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

/** Until the AI agent lands: hands off on request, otherwise offers a human. */
export class PlaceholderBot implements Bot {
  constructor(private readonly handoffKeywords: readonly string[] = DEFAULT_HANDOFF_KEYWORDS) {}

  async onVisitorMessage(conversation: Conversation, message: Message, actions: BotActions): Promise<void> {
    if (asksForHuman(message.text, this.handoffKeywords)) {
      await actions.reply(conversation, 'Connecting you with a human agent…');
      await actions.handoffConversation(conversation);
      return;
    }
    await actions.reply(
      conversation,
      'I\'m the virtual assistant. I cannot answer that yet: type "human" (or 转人工) to talk to a person.',
    );
  }
}
