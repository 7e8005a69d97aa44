import type { VisitorEntry } from './console-store.ts';
import { shortId } from './format.ts';
import type { Translate } from './i18n.ts';
import type { ConsoleConversation } from './types.ts';

/** The name an agent sees for a visitor: name, else e-mail, else "Visitor #A1B2". */
export function visitorName(
  t: Translate,
  conversation: Pick<ConsoleConversation, 'visitorId' | 'visitor'>,
  entry?: VisitorEntry,
): string {
  const visitor = entry?.visitor ?? conversation.visitor;
  return (
    visitor?.name?.trim() ||
    visitor?.email?.trim() ||
    t('visitor.anonymous', { id: shortId(conversation.visitorId) })
  );
}
