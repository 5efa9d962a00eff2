/** A tiny closed-loop load generator: `connections` loops run `step` until the time is up. */
/** `perRequest`: how much each meter moved per request while the load ran. */
export type LoadResult = { name: string; requests: number; perSecond: number; p99ms: number; non2xx: number; perRequest: Record<string, number> };

/**
 * Counters outside the load generator (the server's CPU seconds, PostgreSQL's WAL position),
 * read before and after the timed part, so a scenario's set-up does not count.
 */
export type Meters = Record<string, () => number | Promise<number>>;

const readMeters = async (meters: Meters): Promise<Record<string, number>> =>
  Object.fromEntries(await Promise.all(Object.entries(meters).map(async ([name, read]) => [name, await read()])));

export async function load<S>(name: string, options: { seconds: number; connections: number; init: (i: number) => Promise<S>; meters?: Meters },
  step: (state: S) => Promise<{ ok: boolean; requests?: number }>): Promise<LoadResult> {
  const states = await Promise.all(Array.from({ length: options.connections }, (_, i) => options.init(i)));
  const before = await readMeters(options.meters ?? {});
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
  const after = await readMeters(options.meters ?? {});
  const perRequest = Object.fromEntries(Object.keys(before).map((meter) => [meter, (after[meter] - before[meter]) / latencies.length]));
  return summary(name, latencies, elapsed, non2xx, perRequest);
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
  return summary(name, latencies, (performance.now() - started) / 1000, non2xx, {});
}

function summary(name: string, latencies: number[], elapsed: number, non2xx: number, perRequest: Record<string, number>): LoadResult {
  latencies.sort((a, b) => a - b);
  return { name, requests: latencies.length, perSecond: latencies.length / elapsed, p99ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0, non2xx, perRequest };
}
