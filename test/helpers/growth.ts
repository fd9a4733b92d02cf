/**
 * How much longer `run(4n)` takes than `run(n)`, each the fastest of five: about 4 when the
 * work is linear, 16 quadratic, far more when a pattern backtracks. A ratio measured in the
 * same moment, so a slow or busy machine slows both sides (no wall-clock limit in a test).
 */
export function growth(run: (n: number) => void, n: number): number {
  const fastest = (size: number) => {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      run(size);
      best = Math.min(best, performance.now() - start);
    }
    return best;
  };
  fastest(n); // compiled and warm before it counts
  return fastest(4 * n) / Math.max(fastest(n), 0.05);
}
