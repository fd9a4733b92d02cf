import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseSprintStatus } from "../src/bmad/sprint-status.ts";
import { startWorker } from "./helpers/spawn.ts";
import { tempProject } from "./helpers/tmp.ts";

const PROCESSES = 16;
const CHANGES = 25;

describe("sprint-status.yaml under 16 concurrent writer processes", () => {
  it("keeps every change and every comment, and is never seen unparsable", async () => {
    const keys = (p: number) =>
      Array.from({ length: CHANGES }, (_, i) => `${p + 1}-${i + 1}-story`);
    const lines = ["# STATUS DEFINITIONS: must survive", "development_status:"];
    for (let p = 0; p < PROCESSES; p++) {
      lines.push(`  # Epic ${p + 1}`, `  epic-${p + 1}: in-progress`);
      for (const key of keys(p)) lines.push(`  ${key}: ready-for-dev  # ${key}`);
    }
    const original = `${lines.join("\n")}\n`;
    const root = tempProject({ "sprint-status.yaml": original });
    const file = path.join(root, "sprint-status.yaml");

    const workers = Array.from({ length: PROCESSES }, (_, p) =>
      startWorker("mark", [root, "sprint-status.yaml", "in-progress", ...keys(p)]),
    );
    let reads = 0;
    let finished = false;
    const all = Promise.all(workers.map((w) => w.done)).finally(() => {
      finished = true;
    });
    while (!finished) {
      parseSprintStatus(readFileSync(file, "utf8"), "sprint-status.yaml"); // throws if torn
      reads++;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const results = await all;
    for (const r of results) expect(r, r.err).toMatchObject({ code: 0 });

    const final = readFileSync(file, "utf8");
    expect(final).toBe(original.replaceAll(": ready-for-dev  #", ": in-progress  #"));
    expect(reads).toBeGreaterThan(0);
  }, 180_000);
});
