import { Agent, request } from 'node:http';

const agents = new Map<string, Agent>();

/** A keep-alive agent per local (source) address. */
function agentFor(localAddress: string | undefined): Agent {
  const key = localAddress ?? '';
  let agent = agents.get(key);
  if (!agent) {
    agent = new Agent({ keepAlive: true, maxSockets: 64, ...(localAddress && { localAddress }) });
    agents.set(key, agent);
  }
  return agent;
}

/** Closes the keep-alive connections of every request made so far. */
export function closeHttpAgents(): void {
  for (const agent of agents.values()) agent.destroy();
  agents.clear();
}

/**
 * JSON over HTTP; throws unless the status is `expect` (default 2xx). `localAddress` picks
 * the source address (127.0.0.x): the login limit counts per IP.
 */
export function httpJson<T = unknown>(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown; localAddress?: string; expect?: number } = {},
): Promise<T> {
  const url = new URL(path, base);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise<T>((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        agent: agentFor(options.localAddress),
        headers: {
          ...(options.token && { authorization: `Bearer ${options.token}` }),
          ...(body !== undefined && {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          const ok = options.expect === undefined ? status >= 200 && status < 300 : status === options.expect;
          if (!ok) return reject(new Error(`${method} ${path}: ${status} ${text.slice(0, 300)}`));
          try {
            resolve(text ? JSON.parse(text) : (undefined as T));
          } catch (err) {
            reject(err);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` at once; results in order. */
export async function pooled<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  });
  await Promise.all(lanes);
  return results;
}
