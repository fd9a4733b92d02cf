import { mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { generateProject } from "../bench/lib/generate.ts";
import { MAX_PACKS, ParseCache } from "../src/bmad/cache.ts";
import { planProject } from "../src/plan-project.ts";
import { miniProject } from "./helpers/mini-project.ts";
import { tempDir } from "./helpers/tmp.ts";

const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };

/** The packs of a kind, each as the keys it holds. */
function packs(root: string, kind = "story"): string[][] {
  const folder = path.join(root, ".athena/cache", kind);
  return readdirSync(folder)
    .filter((f) => f.startsWith("pack-"))
    .map((f) => {
      try {
        return Object.keys(JSON.parse(readFileSync(path.join(folder, f), "utf8"))).sort();
      } catch {
        return ["(damaged)"];
      }
    });
}

/** Computes `value` under `key` in a new cache (as a new process would), counting calls. */
function lookUp(root: string, key: string, value: unknown = { key }) {
  const cache = new ParseCache(root);
  let computed = 0;
  const got = cache.get("story", key, () => {
    computed++;
    return value;
  });
  return { cache, got, computed };
}

describe("the parse cache", () => {
  it("computes once per key, and again when the key changes", () => {
    const cache = new ParseCache(tempDir());
    let calls = 0;
    const compute = () => ({ n: ++calls });
    expect(cache.get("story", "k1", compute)).toEqual({ n: 1 });
    expect(cache.get("story", "k1", compute)).toEqual({ n: 1 });
    expect(cache.get("story", "k2", compute)).toEqual({ n: 2 });
  });

  it("writes nothing until saved, then serves another process without computing", () => {
    const root = tempDir();
    const first = lookUp(root, "k");
    expect(readdirSync(root)).toEqual([]);
    first.cache.save();
    expect(packs(root)).toEqual([["k"]]);
    expect(lookUp(root, "k")).toMatchObject({ got: { key: "k" }, computed: 0 });
    // Saving again with nothing new writes no second pack.
    first.cache.save();
    expect(packs(root)).toHaveLength(1);
  });

  it("keeps the value as computed, whatever its caller does with it after", () => {
    const root = tempDir();
    const { cache, got } = lookUp(root, "k", { list: [1] });
    (got as { list: number[] }).list.push(2);
    cache.save();
    expect(lookUp(root, "k").got).toEqual({ list: [1] });
  });

  it("treats a damaged pack as a miss", () => {
    const root = tempDir();
    lookUp(root, "k").cache.save();
    const folder = path.join(root, ".athena/cache/story");
    for (const file of readdirSync(folder)) writeFileSync(path.join(folder, file), "{ torn");
    expect(lookUp(root, "k")).toMatchObject({ got: { key: "k" }, computed: 1 });
  });

  it("reads an entry of the layout before packs (one file each), and moves it into a pack", () => {
    const root = tempDir();
    const folder = path.join(root, ".athena/cache/story");
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "k.json"), JSON.stringify({ key: "from before" }));
    const { cache, got, computed } = lookUp(root, "k");
    expect({ got, computed }).toEqual({ got: { key: "from before" }, computed: 0 });
    cache.save();
    expect(packs(root)).toEqual([["k"]]);
  });

  it("hands out a copy of a value read from a pack, as of a computed one", () => {
    const root = tempDir();
    lookUp(root, "k", { list: [1] }).cache.save();
    const cache = new ParseCache(root);
    const first = cache.get("story", "k", () => ({ list: [0] })) as { list: number[] };
    first.list.push(2);
    expect(cache.get("story", "k", () => ({ list: [0] }))).toEqual({ list: [1] });
  });

  it("folds its packs into one past the most: of each source the newest entry and those used", () => {
    const root = tempDir();
    const folder = path.join(root, ".athena/cache/story");
    const put = (key: string, source: string) => {
      const cache = new ParseCache(root);
      cache.get("story", key, () => ({ key }), source);
      cache.save();
    };
    // a.md parsed in two versions, b.md once and never looked up again; then a damaged pack
    // and a file of the layout before packs.
    put("a1", "a.md");
    put("a2", "a.md");
    put("b1", "b.md");
    writeFileSync(path.join(folder, `pack-${"0".repeat(40)}.json`), "{ torn");
    writeFileSync(path.join(folder, `${"1".repeat(40)}.json`), "{}");
    for (let i = 0; i < MAX_PACKS - 4; i++) put(`c${i}`, `c${i}.md`);
    expect(packs(root)).toHaveLength(MAX_PACKS);
    // This process reads c0's entry and computes a third version of a.md: the fold comes.
    const cache = new ParseCache(root);
    cache.get("story", "c0", () => ({ key: "recomputed" }), "c0.md");
    cache.get("story", "a3", () => ({ key: "a3" }), "a.md");
    cache.save();
    expect(packs(root)).toEqual([["a3", "b1", "c0", "c1"]]);
    expect(readdirSync(folder)).toHaveLength(1);
    // Below the most, packs are only added.
    put("d1", "d.md");
    expect(packs(root)).toHaveLength(2);
  });

  it("keeps the done stories' parses the history model learns from, used or not", async () => {
    const big = generateProject(path.join(tempDir(), "p"), { stories: 40, ready: 10 });
    planProject(big.root, { ids: big.ready.slice(0, 2), env });
    const count = () => packs(big.root).flat().length;
    expect(count()).toBe(2 + big.done.length);
    // Days later (the history model's own key changes with any new file of the project: it is
    // relearned from those parses whenever one is made).
    const folder = path.join(big.root, ".athena/cache/story");
    const past = new Date(Date.now() - 3 * 24 * 3600 * 1000);
    for (const file of readdirSync(folder)) utimesSync(path.join(folder, file), past, past);
    // Plans naming one new story each, the history model a hit: the last one folds.
    for (let i = 0; i < MAX_PACKS; i++)
      planProject(big.root, { ids: [big.ready[2 + i] ?? ""], env });
    expect(packs(big.root)).toHaveLength(1);
    expect(count()).toBe(2 + MAX_PACKS + big.done.length);
  });

  it("serves an unchanged story from the cache and parses a changed one again", () => {
    const dir = miniProject();
    const first = planProject(dir, { ids: ["1.1", "1.2"], env }).plan;
    expect(packs(dir).flat()).toHaveLength(2);
    const storyFile = path.join(dir, "_bmad-output/implementation-artifacts/1-2-beta.md");
    writeFileSync(
      storyFile,
      readFileSync(storyFile, "utf8").replace("src/shared.ts", "src/beta-only.ts"),
    );
    const second = planProject(dir, { ids: ["1.1", "1.2"], env }).plan;
    expect(first.conflicts).toHaveLength(1);
    expect(second.conflicts).toHaveLength(0);
    expect(second.stories[1]?.claims.map((c) => c.path)).toEqual(["src/beta-only.ts"]);
    // The changed story's new parse, in a pack of its own; the unchanged one was not parsed.
    expect(packs(dir).map((keys) => keys.length)).toEqual(expect.arrayContaining([2, 1]));
    expect(packs(dir).flat()).toHaveLength(3);
  });
});
