import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { schedule } from "../src/plan/schedule.ts";

const stories = (...spec: Array<[string, number]>) =>
  spec.map(([key, weight]) => ({ key, weight }));

describe("schedule", () => {
  it("starts up to the cap at once and fills a slot as soon as one frees", () => {
    const result = schedule({
      stories: stories(["a", 2], ["b", 1], ["c", 1], ["d", 1]),
      dependencies: [],
      exclusive: [],
      cap: 2,
    });
    expect(result.batchNow).toEqual(["a", "b"]);
    // c starts when b ends at 1, not when the whole first "wave" ends at 2.
    expect(result.order.find((o) => o.story === "c")).toMatchObject({ start: 1, end: 2 });
    expect(result.makespan).toBe(3);
  });

  it("never runs two exclusive stories together, and runs the rest beside them", () => {
    const result = schedule({
      stories: stories(["a", 1], ["b", 1], ["c", 1]),
      dependencies: [],
      exclusive: [["a", "b"]],
      cap: 3,
    });
    expect(result.waves).toEqual([["a", "c"], ["b"]]);
  });

  it("honours dependencies and starts the longest chain first", () => {
    const result = schedule({
      stories: stories(["solo", 1], ["base", 1], ["mid", 1], ["top", 1]),
      dependencies: [
        ["base", "mid"],
        ["mid", "top"],
      ],
      exclusive: [],
      cap: 1,
    });
    // base has the longest chain (3), then mid (2); top and solo tie at 1: asked order decides.
    expect(result.order.map((o) => o.story)).toEqual(["base", "mid", "solo", "top"]);
    expect(result.criticalPath).toEqual(["base", "mid", "solo", "top"]);
  });

  it("makes the second of a contended pair hold its slot until the first ends", () => {
    const input = {
      stories: stories(["a", 2], ["b", 2], ["c", 2], ["d", 2]),
      dependencies: [],
      exclusive: [],
      cap: 2,
    };
    // Let run together, a and b meet at a lock: b waits for a (0-2), then works (2-4), and
    // its slot is lost meanwhile, so d starts only at 4.
    const contended = schedule({ ...input, contended: [["a", "b"]] });
    expect(contended.order.find((o) => o.story === "b")).toMatchObject({ start: 0, end: 4 });
    expect(contended.makespan).toBe(6);
    // Kept apart, c runs beside a and b after it: no slot is lost.
    expect(schedule({ ...input, exclusive: [["a", "b"]] }).makespan).toBe(4);
    expect(schedule(input).makespan).toBe(4);
  });

  it("holds back a story whose partner is already running outside the batch", () => {
    const result = schedule({
      stories: stories(["a", 1], ["b", 1]),
      dependencies: [],
      exclusive: [["a", "ext"]],
      running: [{ key: "ext", weight: 2 }],
      cap: 3,
    });
    expect(result.batchNow).toEqual(["b"]);
    expect(result.order.find((o) => o.story === "a")?.start).toBe(2);
  });

  it("reports blocked stories and what waits on them, and dependency cycles", () => {
    const result = schedule({
      stories: stories(["a", 1], ["b", 1], ["c", 1], ["d", 1]),
      dependencies: [
        ["a", "b"],
        ["c", "d"],
        ["d", "c"],
      ],
      exclusive: [],
      blocked: new Map([["a", "no story file"]]),
      cap: 2,
    });
    expect(result.order).toEqual([]);
    expect(Object.fromEntries(result.blocked.map((b) => [b.story, b.reason]))).toEqual({
      a: "no story file",
      b: "waits for a, which cannot start",
      c: "dependency cycle",
      d: "dependency cycle",
    });
  });

  it("keeps every rule on random instances (cap, exclusivity, dependencies, completeness)", () => {
    const instance = fc
      .record({
        n: fc.integer({ min: 1, max: 12 }),
        cap: fc.integer({ min: 1, max: 4 }),
        weights: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 12, maxLength: 12 }),
        pairs: fc.array(fc.tuple(fc.nat(11), fc.nat(11), fc.boolean()), { maxLength: 20 }),
      })
      .map(({ n, cap, weights, pairs }) => {
        const keys = Array.from({ length: n }, (_, i) => `s${i}`);
        const edges = pairs.filter(([a, b]) => a < n && b < n && a !== b);
        return {
          cap,
          stories: keys.map((key, i) => ({ key, weight: weights[i] ?? 1 })),
          // Dependencies only from lower to higher index: acyclic by construction.
          dependencies: edges
            .filter(([, , dep]) => dep)
            .map(([a, b]) => [`s${Math.min(a, b)}`, `s${Math.max(a, b)}`] as const),
          exclusive: edges.filter(([, , dep]) => !dep).map(([a, b]) => [`s${a}`, `s${b}`] as const),
        };
      });
    fc.assert(
      fc.property(instance, (input) => {
        const result = schedule(input);
        expect(result.order).toHaveLength(input.stories.length);
        const at = new Map(result.order.map((o) => [o.story, o]));
        for (const o of result.order) {
          const together = result.order.filter((p) => p.start <= o.start && p.end > o.start).length;
          expect(together).toBeLessThanOrEqual(input.cap);
        }
        for (const [before, after] of input.dependencies) {
          expect(at.get(after)?.start).toBeGreaterThanOrEqual(at.get(before)?.end ?? Infinity);
        }
        for (const [a, b] of input.exclusive) {
          const x = at.get(a);
          const y = at.get(b);
          if (x && y) expect(x.end <= y.start || y.end <= x.start).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});
