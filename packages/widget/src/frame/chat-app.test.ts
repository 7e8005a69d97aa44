import type { Conversation, ConversationStatus } from '@unique-support/protocol';
import { describe, expect, it } from 'vitest';
import { identityFields, pickConversation } from './chat-app.ts';

describe('identityFields', () => {
  it('sends what identify() gave, within the session endpoint limits', () => {
    const fields = identityFields({
      name: `  ${'n'.repeat(150)} `,
      email: 'vera@example.com',
      attributes: {
        plan: 'gold',
        seats: 3,
        vip: true,
        note: null,
        [`k${'x'.repeat(100)}`]: 'v'.repeat(2000),
      },
      userId: 'u_1',
      userHash: 'ab12',
    });
    expect(fields.name).toHaveLength(100);
    expect(fields.email).toBe('vera@example.com');
    expect(fields.userId).toBe('u_1');
    expect(fields.userHash).toBe('ab12');
    const attributes = fields.attributes!;
    expect(attributes).toMatchObject({ plan: 'gold', seats: 3, vip: true, note: null });
    const long = Object.entries(attributes).find(([key]) => key.startsWith('kx'))!;
    expect(long[0]).toHaveLength(64);
    expect(long[1]).toHaveLength(1000);
  });

  it('leaves out empty values, and a user id without its hash', () => {
    expect(identityFields({ name: ' ', email: '', userId: 'u_1' })).toEqual({
      name: undefined,
      email: undefined,
      attributes: undefined,
      userId: undefined,
      userHash: undefined,
    });
    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`a${i}`, i]));
    expect(Object.keys(identityFields({ attributes: many }).attributes!)).toHaveLength(50);
  });
});

describe('pickConversation', () => {
  const now = Date.parse('2024-05-02T12:00:00.000Z');
  const hoursAgo = (h: number) => new Date(now - h * 3_600_000).toISOString();
  const conversation = (id: string, status: ConversationStatus, resolvedHoursAgo?: number) =>
    ({
      id,
      status,
      updatedAt: hoursAgo(resolvedHoursAgo ?? 1),
      resolvedAt: resolvedHoursAgo === undefined ? null : hoursAgo(resolvedHoursAgo),
    }) as Conversation;

  it('resumes the newest conversation that is not resolved', () => {
    const list = [conversation('c3', 'resolved', 1), conversation('c2', 'queued'), conversation('c1', 'bot')];
    expect(pickConversation(list, now)?.id).toBe('c2');
    expect(pickConversation([conversation('c1', 'assigned')], now)?.id).toBe('c1');
  });

  it('else the newest, only if it was resolved less than a day ago', () => {
    expect(
      pickConversation([conversation('c2', 'resolved', 23), conversation('c1', 'resolved', 2)], now)?.id,
    ).toBe('c2');
    expect(
      pickConversation([conversation('c2', 'resolved', 25), conversation('c1', 'resolved', 2)], now),
    ).toBe(undefined);
  });

  it('none when the visitor has no conversation', () => {
    expect(pickConversation([], now)).toBe(undefined);
  });
});
