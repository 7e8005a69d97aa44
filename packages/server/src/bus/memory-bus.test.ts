import { describe, expect, it } from 'vitest';
import { busContract } from './bus-contract.ts';
import { MemoryBus } from './memory-bus.ts';

busContract('MemoryBus', () => new MemoryBus());

describe('MemoryBus', () => {
  it('delivers synchronously, inside publish', () => {
    const bus = new MemoryBus();
    const seen: string[] = [];
    bus.subscribe('t', (e) => seen.push(e.type));
    bus.publish('t', { type: 'pong' });
    expect(seen).toEqual(['pong']);
  });
});
