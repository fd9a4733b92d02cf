/** Timing helpers for the benchmarks: every figure is a ratio to a baseline measured in the same run. */
import { performance } from "node:perf_hooks";

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const median = (values: number[]) => quantile(values, 0.5);

/**
 * Runs `fn` `times` times (after `warmup` runs) and returns each duration in ms. `before`
 * runs before each call, untimed.
 */
export async function sample(
  times: number,
  fn: () => unknown,
  warmup = 1,
  before?: () => unknown,
): Promise<number[]> {
  for (let i = 0; i < warmup; i++) {
    await before?.();
    await fn();
  }
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    await before?.();
    const start = performance.now();
    await fn();
    out.push(performance.now() - start);
  }
  return out;
}

export interface InterleaveOptions {
  /** Run before each call of `a` / `b`, untimed (e.g. clearing a cache for a cold run). */
  before?: { a?: () => unknown; b?: () => unknown };
  /** One untimed call of each first (default true); skip it when each call takes minutes. */
  warmup?: boolean;
  /** Collect garbage before each call (needs `--expose-gc`), for calls long enough to care. */
  gc?: boolean;
}

/** Alternates two measurements so machine noise hits both alike. */
export async function interleave(
  times: number,
  a: () => unknown,
  b: () => unknown,
  options: InterleaveOptions = {},
): Promise<[number[], number[]]> {
  const [ra = [], rb = []] = await rotate(
    times,
    [
      { fn: a, before: options.before?.a },
      { fn: b, before: options.before?.b },
    ],
    options,
  );
  return [ra, rb];
}

/** Any number of measurements in turn, `times` rounds; returns each one's durations in ms. */
export async function rotate(
  times: number,
  fns: Array<{ fn: () => unknown; before?: (() => unknown) | undefined }>,
  options: Pick<InterleaveOptions, "warmup" | "gc"> = {},
): Promise<number[][]> {
  const run = async ({ fn, before }: (typeof fns)[number]) => {
    await before?.();
    if (options.gc) (globalThis as { gc?: () => void }).gc?.();
    const start = performance.now();
    await fn();
    return performance.now() - start;
  };
  if (options.warmup !== false) for (const f of fns) await run(f);
  const out = fns.map((): number[] => []);
  for (let i = 0; i < times; i++) for (const [k, f] of fns.entries()) out[k]?.push(await run(f));
  return out;
}

/** Peak resident memory of a child process, in MB, from its `process.resourceUsage().maxRSS`. */
export const mb = (maxRssKb: number) => `${(maxRssKb / 1024).toFixed(0)} MB`;

export function fmt(ms: number): string {
  return ms >= 10_000
    ? `${(ms / 1000).toFixed(1)} s`
    : ms >= 100
      ? `${ms.toFixed(0)} ms`
      : ms >= 1
        ? `${ms.toFixed(2)} ms`
        : `${(ms * 1000).toFixed(1)} µs`;
}

export function line(
  what: string,
  value: string,
  ratio: number,
  target?: { max?: number; min?: number; label: string },
): void {
  const ok = target
    ? (target.max === undefined || ratio <= target.max) &&
      (target.min === undefined || ratio >= target.min)
    : undefined;
  const verdict =
    ok === undefined ? "" : ok ? `  PASS (${target?.label})` : `  MISS (${target?.label})`;
  console.log(`${what.padEnd(64)} ${value.padStart(12)}  ratio ${ratio.toFixed(2)}x${verdict}`);
}
