import { readdirSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
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
    .map((f) => Object.keys(JSON.parse(readFileSync(path.join(folder, f), "utf8"))).sort());
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

  it("folds its packs into one past the most, keeping the used and the recent, letting go of the rest", () => {
    const root = tempDir();
    const folder = path.join(root, ".athena/cache/story");
    // One pack per process, and a file of the layout before packs.
    for (let i = 0; i < MAX_PACKS; i++) lookUp(root, `old${i}`).cache.save();
    writeFileSync(path.join(folder, "0123.json"), "{}");
    // All but the last are two days old; old0 is used again below.
    const past = new Date(Date.now() - 2 * 24 * 3600 * 1000);
    for (const file of readdirSync(folder).filter((f) => f.startsWith("pack-"))) {
      const keys = Object.keys(JSON.parse(readFileSync(path.join(folder, file), "utf8")));
      if (!keys.includes(`old${MAX_PACKS - 1}`)) utimesSync(path.join(folder, file), past, past);
    }
    const { cache, computed } = lookUp(root, "old0");
    expect(computed).toBe(0);
    cache.get("story", "new", () => ({ key: "new" }));
    cache.save();
    expect(packs(root)).toEqual([["new", "old0", `old${MAX_PACKS - 1}`]]);
    expect(readdirSync(folder)).toHaveLength(1);
    // Below the most, packs are only added.
    lookUp(root, "newer").cache.save();
    expect(packs(root)).toHaveLength(2);
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
