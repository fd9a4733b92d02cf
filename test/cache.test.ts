import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ParseCache } from "../src/bmad/cache.ts";
import { planProject } from "../src/plan-project.ts";
import { miniProject } from "./helpers/mini-project.ts";
import { tempDir } from "./helpers/tmp.ts";

const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };

describe("the parse cache", () => {
  it("computes once per key, and again when the key changes", () => {
    const cache = new ParseCache(tempDir());
    let calls = 0;
    const compute = () => ({ n: ++calls });
    expect(cache.get("story", "k1", compute)).toEqual({ n: 1 });
    expect(cache.get("story", "k1", compute)).toEqual({ n: 1 });
    expect(cache.get("story", "k2", compute)).toEqual({ n: 2 });
  });

  it("treats a damaged entry as a miss", () => {
    const root = tempDir();
    const cache = new ParseCache(root);
    cache.get("story", "k", () => ({ v: 1 }));
    writeFileSync(path.join(root, ".athena/cache/story/k.json"), "{ torn");
    expect(cache.get("story", "k", () => ({ v: 2 }))).toEqual({ v: 2 });
  });

  it("serves an unchanged story from the cache and parses a changed one again", () => {
    const dir = miniProject();
    const first = planProject(dir, { ids: ["1.1", "1.2"], env }).plan;
    const entries = readdirSync(path.join(dir, ".athena/cache/story"));
    expect(entries).toHaveLength(2);
    const storyFile = path.join(dir, "_bmad-output/implementation-artifacts/1-2-beta.md");
    writeFileSync(
      storyFile,
      readFileSync(storyFile, "utf8").replace("src/shared.ts", "src/beta-only.ts"),
    );
    const second = planProject(dir, { ids: ["1.1", "1.2"], env }).plan;
    expect(first.conflicts).toHaveLength(1);
    expect(second.conflicts).toHaveLength(0);
    expect(second.stories[1]?.claims.map((c) => c.path)).toEqual(["src/beta-only.ts"]);
    expect(readdirSync(path.join(dir, ".athena/cache/story"))).toHaveLength(3);
  });
});
