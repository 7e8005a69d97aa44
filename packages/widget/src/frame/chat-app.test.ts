import { describe, expect, it } from 'vitest';
import { identityFields } from './chat-app.ts';

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
