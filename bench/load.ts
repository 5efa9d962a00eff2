/** A tiny closed-loop load generator: `connections` loops run `step` until the time is up. */
/** `serverCpuUs`: the server's CPU time per request while the load ran, when `cpuSeconds` reads it. */
export type LoadResult = { name: string; requests: number; perSecond: number; p99ms: number; non2xx: number; serverCpuUs?: number };

/** `cpuSeconds`: the server process's CPU time so far, read before and after the timed part (not the set-up). */
export async function load<S>(name: string, options: { seconds: number; connections: number; init: (i: number) => Promise<S>; cpuSeconds?: () => number },
  step: (state: S) => Promise<{ ok: boolean; requests?: number }>): Promise<LoadResult> {
  const states = await Promise.all(Array.from({ length: options.connections }, (_, i) => options.init(i)));
  const cpuBefore = options.cpuSeconds?.();
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
  const serverCpuUs = cpuBefore === undefined ? undefined : (1e6 * (options.cpuSeconds!() - cpuBefore)) / latencies.length;
  latencies.sort((a, b) => a - b);
  return { name, requests: latencies.length, perSecond: latencies.length / elapsed, p99ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0, non2xx, serverCpuUs };
}

/**
 * An open-loop run at a fixed rate: a request starts every 1/rate s whatever the previous ones
 * do, so the p99 is the latency a client sees at that load (a closed loop would slow down instead).
 */
export async function loadAtRate(name: string, options: { seconds: number; perSecond: number },
  step: () => Promise<{ ok: boolean }>): Promise<LoadResult> {
  const latencies: number[] = [];
  let non2xx = 0;
  const inFlight: Promise<void>[] = [];
  const started = performance.now();
  const total = Math.floor(options.seconds * options.perSecond);
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / options.perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const t = performance.now();
    inFlight.push(step().catch(() => ({ ok: false })).then((r) => {
      latencies.push(performance.now() - t);
      if (!r.ok) non2xx++;
    }));
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, requests: latencies.length, perSecond: latencies.length / elapsed, p99ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0, non2xx };
}
