import type { Message } from '@unique-support/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Delivery } from '../store/store.ts';
import { DeliveryRecorder } from './delivery-recorder.ts';

const message = (seq: number): Message => ({
  id: `msg_${seq}`,
  conversationId: 'cv_1',
  seq,
  author: { type: 'visitor', id: null, name: null },
  text: 'hi',
  clientMessageId: null,
  createdAt: new Date(0).toISOString(),
});

describe('DeliveryRecorder', () => {
  it('writes a large flush in parts, letting the event loop run between them', async () => {
    const writes: number[] = [];
    const events: string[] = [];
    const store = {
      async markDelivered(deliveries: readonly Delivery[]) {
        writes.push(deliveries.length);
        events.push('write');
        // Anything queued on the event loop meanwhile runs before the next part.
        setImmediate(() => events.push('loop'));
      },
    };
    const recorder = new DeliveryRecorder(store, pino({ enabled: false }), 60_000);
    for (let seq = 1; seq <= 450; seq++) recorder.delivered(message(seq), 1000 + seq);
    recorder.delivered(message(7), 5000); // delivered again: still written once
    await recorder.close();

    expect(writes).toEqual([200, 200, 50]);
    expect(events).toEqual(['write', 'loop', 'write', 'loop', 'write']);
  });

  it('keeps the first delivery of a message and writes each message once', async () => {
    const written: Delivery[] = [];
    const store = {
      async markDelivered(deliveries: readonly Delivery[]) {
        written.push(...deliveries);
      },
    };
    const recorder = new DeliveryRecorder(store, pino({ enabled: false }), 60_000);
    recorder.delivered(message(1), 1000);
    recorder.delivered(message(1), 2000);
    recorder.delivered(message(2), 3000);
    await recorder.close();
    expect(written).toEqual([
      { conversationId: 'cv_1', seq: 1, at: 1000 },
      { conversationId: 'cv_1', seq: 2, at: 3000 },
    ]);
  });
});
