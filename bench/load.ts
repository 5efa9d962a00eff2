/** A tiny closed-loop load generator: `connections` loops run `step` until the time is up. */
export type LoadResult = { name: string; requests: number; perSecond: number; p99ms: number; non2xx: number };

export async function load<S>(name: string, options: { seconds: number; connections: number; init: (i: number) => Promise<S> },
  step: (state: S) => Promise<{ ok: boolean; requests?: number }>): Promise<LoadResult> {
  const states = await Promise.all(Array.from({ length: options.connections }, (_, i) => options.init(i)));
  const latencies: number[] = [];
  let requests = 0;
  let non2xx = 0;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  await Promise.all(states.map(async (state) => {
    while (performance.now() < deadline) {
      const t = performance.now();
      const r = await step(state).catch(() => ({ ok: false, requests: 1 }));
      latencies.push(performance.now() - t);
      requests += r.requests ?? 1;
      if (!r.ok) non2xx++;
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, requests: latencies.length, perSecond: latencies.length / elapsed, p99ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0, non2xx };
}
