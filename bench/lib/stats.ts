/** Timing helpers for the benchmarks: every figure is a ratio to a baseline measured in the same run. */
import { performance } from "node:perf_hooks";

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export const median = (values: number[]) => quantile(values, 0.5);

/** Runs `fn` `times` times (after `warmup` runs) and returns each duration in ms. */
export async function sample(times: number, fn: () => unknown, warmup = 1): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await fn();
    out.push(performance.now() - start);
  }
  return out;
}

/** Alternates two measurements so machine noise hits both alike. */
export async function interleave(
  times: number,
  a: () => unknown,
  b: () => unknown,
): Promise<[number[], number[]]> {
  const ra: number[] = [];
  const rb: number[] = [];
  await a();
  await b();
  for (let i = 0; i < times; i++) {
    ra.push(...(await sample(1, a, 0)));
    rb.push(...(await sample(1, b, 0)));
  }
  return [ra, rb];
}

export function fmt(ms: number): string {
  return ms >= 100
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
