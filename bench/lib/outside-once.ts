/**
 * Work outside a run, measured in this (new) process, printed as JSON (issue 11). A temp BMAD
 * project whose stories are `in-progress` elsewhere, and one plugin instance (createAthena over
 * the fake host, the default poll interval of the real plugin) whose story waits for one of
 * them under `coordinate`.
 *
 * - `idle <runs> <windowMs> [rewrite]`: the CPU time of this process while its story waits,
 *   in 5 s slices over the window (each holding one poll); the other stories belong to `runs`
 *   live run records (the rest, all with 0, are worked on by hand: no record).
 *   With `rewrite`, another process saves one of those records every 500 ms (each every 5 s,
 *   as a working run's own poll saves it).
 * - `delay <watch|poll> <times>`: from an outside story leaving `in-progress` (its sprint entry
 *   moved to `review`, then its record saved `completed`, as a finishing process does) to the
 *   waiting story's session being created. `poll` turns `fs.watch` off in this process, as on
 *   a file system that gives no events: only the poll sees the change.
 * - `rewriter <root> <run-id>...`: the other process of `idle ... rewrite`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs, { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { type Athena, createAthena } from "../../src/athena.ts";
import { setStatus } from "../../src/bmad/sprint-writer.ts";
import { planProject } from "../../src/plan-project.ts";
import { OutsideReader } from "../../src/run/outside-runs.ts";
import {
  createRun,
  loadRuns,
  type RunRecord,
  type StoryRun,
  saveRun,
} from "../../src/run/state.ts";
import { FakeHost } from "../../test/helpers/fake-host.ts";
import { toolContext } from "../../test/helpers/tool-context.ts";

const SPRINT_FILE = "_bmad-output/implementation-artifacts/sprint-status.yaml";
const env = { HOME: "/nonexistent", XDG_CONFIG_HOME: "/nonexistent" };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * `promise`, or `fallback` after `ms`. Its timer keeps the process alive meanwhile (the
 * engine's poll and watch do not) and is cleared once the promise settles.
 */
async function within<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A fake host that notes each poll of the status list and when the first session is made. */
class BenchHost extends FakeHost {
  readonly polls: number[] = [];
  startedAt: number | undefined;
  private onStart: (at: number) => void = () => {};
  readonly started = new Promise<number>((resolve) => {
    this.onStart = resolve;
  });

  constructor() {
    super(() => ({ ms: 0 }));
  }

  override async busySessions() {
    this.polls.push(performance.now());
    return super.busySessions();
  }

  override async createChildSession(parentId: string | undefined, title: string) {
    if (this.startedAt === undefined) {
      this.startedAt = performance.now();
      this.onStart(this.startedAt);
    }
    return super.createChildSession(parentId, title);
  }
}

/**
 * `outside` stories (the first writes what ours writes, the others files of their own), and
 * ours last; all `ready-for-dev` (the layout of test/helpers/athena-harness.ts `projectWith`).
 */
function project(outside: number): { root: string; others: string[]; mine: string } {
  const root = mkdtempSync(path.join(tmpdir(), "athena-bench-outside-"));
  const others = Array.from({ length: outside }, (_, i) => `1-${i + 1}-outside`);
  const mine = `1-${outside + 1}-mine`;
  const writes = (key: string, i: number) =>
    key === mine || i === 0 ? "src/shared.ts" : `src/o${i}.ts`;
  const keys = [...others, mine];
  const file = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  file(
    SPRINT_FILE,
    `development_status:\n  epic-1: in-progress\n${keys.map((k) => `  ${k}: ready-for-dev`).join("\n")}\n`,
  );
  file("athena.json", "{}");
  keys.forEach((key, i) => {
    file(
      `_bmad-output/implementation-artifacts/${key}.md`,
      `# Story 1.${i + 1}: ${key}\n\nStatus: ready-for-dev\n\n## Tasks / Subtasks\n\n- [ ] Task 1\n- [ ] Edit \`${writes(key, i)}\`\n\n## Dev Notes\n\n- Nothing special.\n`,
    );
  });
  return { root, others, mine };
}

/**
 * Puts the stories `in-progress` in the sprint file, as a run's claim does; the first `runs`
 * also get a live run record each (this process's pid, this machine), with its plan.
 */
async function workElsewhere(root: string, keys: string[], runs: number): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  for (const [i, key] of keys.entries()) {
    const plan = i < runs ? planProject(root, { ids: [key], env }).plan : undefined;
    await setStatus({ root, sprintFile: SPRINT_FILE }, { key, status: "in-progress" });
    if (!plan) continue;
    const now = new Date().toISOString();
    const story = {
      key,
      id: `1.${i + 1}`,
      state: "running" as const,
      sessionId: `ses_outside_${i + 1}`,
      startedAt: now,
      previousStatus: "ready-for-dev",
      claimedStatus: "in-progress",
      attempts: 1,
      updatedAt: now,
    };
    const record = createRun({ strategy: "coordinate", cap: 1, plan, stories: [story] });
    saveRun(root, record);
    records.push(record);
  }
  return records;
}

/** One plugin instance whose run of `mine` waits (`waiting-conflict`) for a story elsewhere. */
async function waitingRun(root: string, mine: string) {
  const host = new BenchHost();
  const athena: Athena = createAthena({ directory: root, host, env });
  host.onEvent = (event) => void athena.hooks.event?.({ event: event as never });
  await athena.hooks.tool?.athena_parallel?.execute(
    { action: "execute", storyIds: [mine], conflictStrategy: "coordinate" } as never,
    toolContext(root),
  );
  const run = athena.engine.runsLive()[0];
  if (!run) throw new Error("the run did not start");
  for (let waited = 0; run.stories[0]?.state !== "waiting-conflict"; waited += 5) {
    if (waited > 10_000) throw new Error(`story not waiting: ${JSON.stringify(run.stories[0])}`);
    await sleep(5);
  }
  return { host, athena, run, waitingOn: run.stories[0]?.waitingOn ?? "" };
}

/** How often, and for how long in all, the outside picture was read (watch events and polls). */
const reads = { n: 0, ms: 0 };
const read = OutsideReader.prototype.read;
OutsideReader.prototype.read = function (this: OutsideReader, ...args) {
  const start = performance.now();
  try {
    return read.apply(this, args);
  } finally {
    reads.n++;
    reads.ms += performance.now() - start;
  }
};

/** Five-second slices of the window, each holding one poll in its middle. */
const SLICE_MS = 5_000;

async function idle(runs: number, windowMs: number, rewrite: boolean) {
  const { root, others, mine } = project(10);
  let rewriter: ChildProcess | undefined;
  try {
    const records = await workElsewhere(root, others, runs);
    const { host, athena, run, waitingOn } = await waitingRun(root, mine);
    if (rewrite)
      rewriter = spawn(
        process.execPath,
        ["--import", "tsx", import.meta.filename, "rewriter", root, ...records.map((r) => r.id)],
        { stdio: "ignore" },
      );
    // Start half a poll period after a poll, so that each slice holds one poll.
    const polled = host.polls.length;
    while (host.polls.length === polled) await sleep(10);
    (globalThis as { gc?: () => void }).gc?.();
    await sleep(SLICE_MS / 2);
    const before = { polls: host.polls.length, reads: { ...reads } };
    const slices: number[] = [];
    for (let at = 0; at < windowMs; at += SLICE_MS) {
      const cpu = process.cpuUsage();
      await sleep(SLICE_MS);
      const used = process.cpuUsage(cpu);
      slices.push((used.user + used.system) / 1000);
    }
    const result = {
      runs: loadRuns(root).runs.filter((r) => r.id !== run.id && r.state === "running").length,
      recordBytes: records[0] ? JSON.stringify(records[0], null, 2).length : 0,
      waitingOn,
      sliceMs: SLICE_MS,
      /** CPU ms of each slice. */
      slices,
      polls: host.polls.length - before.polls,
      reads: reads.n - before.reads.n,
      readMs: reads.ms - before.reads.ms,
    };
    athena.engine.dispose();
    return result;
  } finally {
    rewriter?.kill();
    rmSync(root, { recursive: true, force: true });
  }
}

/** How long each sprint write of `finishElsewhere` took (part of every delay measured), ms. */
const sprintWrites: number[] = [];

/** Ends the other run's story as its process would: the sprint entry first, then the record. */
async function finishElsewhere(root: string, record: RunRecord): Promise<void> {
  const story = record.stories[0] as StoryRun;
  const start = performance.now();
  await setStatus({ root, sprintFile: SPRINT_FILE }, { key: story.key, status: "review" });
  sprintWrites.push(performance.now() - start);
  const now = new Date().toISOString();
  Object.assign(story, { state: "completed", endedAt: now, updatedAt: now });
  saveRun(root, { ...record, state: "completed" });
}

/**
 * A fresh project with a waiting story; `measure` resolves with the delay in ms, null when the
 * story did not start within 15 s.
 */
async function pair() {
  const { root, others, mine } = project(1);
  const [record] = await workElsewhere(root, others, 1);
  if (!record) throw new Error("no outside run");
  const waiting = await waitingRun(root, mine);
  const measure = async () => {
    const start = performance.now();
    await finishElsewhere(root, record);
    const started = await within<number | null>(waiting.host.started, 15_000, null);
    const delay = started === null ? null : started - start;
    await within(waiting.athena.engine.waitFor(waiting.run.id), 15_000, undefined);
    waiting.athena.engine.dispose();
    rmSync(root, { recursive: true, force: true });
    return delay;
  };
  return { measure };
}

async function delay(mode: string, times: number) {
  if (mode === "poll") {
    // No file system events: the watch cannot start (as where fs.watch fails), only the poll.
    fs.watch = (() => {
      throw new Error("no fs.watch in this bench");
    }) as typeof fs.watch;
    syncBuiltinESMExports();
    // Each change at a random moment of the 5 s poll period, all at once (else 20 x 5 s).
    const pairs = [];
    for (let i = 0; i < times; i++) pairs.push(await pair());
    return Promise.all(
      pairs.map(async (p) => {
        await sleep(Math.random() * 5_000);
        return p.measure();
      }),
    );
  }
  const delays: Array<number | null> = [];
  for (let i = 0; i < times; i++) delays.push(await (await pair()).measure());
  return delays;
}

async function rewriter(root: string, ids: string[]) {
  const records = loadRuns(root).runs.filter((r) => ids.includes(r.id));
  let next = 0;
  const timer = setInterval(() => {
    const record = records[next++ % records.length];
    if (record) saveRun(root, record); // a new updatedAt, as each save of a working run
  }, 500);
  // Stopped by the process that started it; never outlives a minute and a half in any case.
  setTimeout(() => clearInterval(timer), 90_000);
}

const [mode = "", ...args] = process.argv.slice(2);
if (mode === "idle") {
  const result = await idle(Number(args[0]), Number(args[1]), args[2] === "rewrite");
  console.log(JSON.stringify(result));
} else if (mode === "delay") {
  const delays = await delay(args[0] ?? "watch", Number(args[1] ?? 20));
  console.log(JSON.stringify({ delays, sprintWrites }));
} else if (mode === "rewriter") {
  await rewriter(args[0] ?? "", args.slice(1));
} else {
  throw new Error(`unknown mode "${mode}"`);
}
