/** What connections-bench.ts and its client processes (connection-client.ts) say to each other over IPC. */

export type ToClient =
  | { type: 'connect'; urls: string[]; count: number; localAddresses: string[]; inFlight: number }
  | { type: 'status' }
  | { type: 'close' };

export interface ClientStatus {
  /** Sockets that got `hello` and are still open. */
  open: number;
  connected: number;
  failed: number;
  /** Sockets closed by the other side after their hello. */
  droppedAfterHello: number;
  attempted: number;
  /** Failure reasons with their counts. */
  failures: Record<string, number>;
  /** Connects (hellos) per elapsed second since the ramp started. */
  perSecond: number[];
  /** ms from the ramp's start to the last hello (or the last failure). */
  rampMs: number;
}

export type FromClient =
  | { type: 'started' }
  | ({ type: 'progress' } & ClientStatus)
  | ({ type: 'ramp-done' } & ClientStatus)
  | ({ type: 'status' } & ClientStatus)
  | { type: 'closed'; ms: number; stillOpen: number };

/** A client's status before it has reported anything. */
export function emptyClientStatus(): ClientStatus {
  return {
    open: 0,
    connected: 0,
    failed: 0,
    droppedAfterHello: 0,
    attempted: 0,
    failures: {},
    perSecond: [],
    rampMs: 0,
  };
}
