/**
 * Work on the project outside a given run: the stories of the other live runs (of this process
 * or of another OpenCode process on the same checkout), and the sprint file's `in-progress`
 * entries no live run owns (someone working by hand). A run waits for these under `coordinate`
 * when it conflicts with or depends on one of them, and `status` lists the other processes'
 * runs read-only. Only the owning process can abort its sessions, so a cancel from elsewhere is
 * a request file (`.athena/requests/cancel-<run-id>`) that the owner takes up.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import path from "node:path";
import { ensureAthenaDir } from "../bmad/cache.ts";
import { parseSprintStatus } from "../bmad/sprint-status.ts";
import { readText } from "../util/text-file.ts";
import { processAlive } from "./locks.ts";
import { FINAL_STATES, loadRuns, RUN_ID, RunRecord, runsDir } from "./state.ts";

/** Running runs on this project owned by another live process of this machine. */
export function otherLiveRuns(root: string, own: ReadonlySet<string>): RunRecord[] {
  return loadRuns(root).runs.filter(
    (r) => r.state === "running" && !own.has(r.id) && r.host === hostname() && processAlive(r.pid),
  );
}

/**
 * A run recorded `running` whose process, on this machine, is gone: nothing updates its record
 * until the next OpenCode start on the project recovers it. Another machine's run is never
 * said gone (its pid means nothing here).
 */
export function processGone(run: RunRecord): boolean {
  return run.state === "running" && run.host === hostname() && !processAlive(run.pid);
}

/** Where a story is being worked on, in words a person can act on. */
export interface WorkElsewhere {
  key: string;
  /** The run working on it; none when the entry is `in-progress` by hand. */
  run?: string;
  pid?: number;
  /** When that run was created: a run waits only for runs older than itself. */
  runCreatedAt?: string;
  /** `run run-… (pid 123)`, or `by hand (in-progress in sprint-status.yaml, no run owns it)`. */
  where: string;
}

export interface OutsideWork {
  /** Stories being worked on now, by key. A run skips its own. */
  working: ReadonlyMap<string, WorkElsewhere>;
  /** Every sprint entry's status now (what a story waited for became). */
  status: ReadonlyMap<string, string>;
  /** Runs left `running` by a process of this machine that is gone, not yet recovered. */
  orphaned: string[];
}

/**
 * True when `work` belongs to a run created after `run` (ties: the larger id): `run` does not
 * wait for it. Waits then only go from newer runs to older ones and to people's entries, which
 * never wait, so two runs can never wait for each other (whatever each saw when it was planned).
 */
export function isNewerWork(work: WorkElsewhere, run: { id: string; createdAt: string }): boolean {
  if (!work.run || !work.runCreatedAt) return false;
  return work.runCreatedAt === run.createdAt
    ? work.run > run.id
    : work.runCreatedAt > run.createdAt;
}

/** `worked on in run run-… (pid 123)`, or `worked on by hand (…)`. */
export function workedOn(work: WorkElsewhere): string {
  return `worked on ${work.run ? "in " : ""}${work.where}`;
}

export const NO_OUTSIDE_WORK: OutsideWork = { working: new Map(), status: new Map(), orphaned: [] };

/**
 * Pure: who works on what, from the run records and the sprint entries. A story of a live run
 * counts while it has not ended and its entry still says `in-progress` (either change ends
 * it: the sprint file moves first when a story ends). A run whose process died still counts
 * until recovery has put its entries back; an `in-progress` entry no run owns counts as a
 * person's work until it moves.
 */
export function outsideWork(input: {
  runs: readonly RunRecord[];
  status: ReadonlyMap<string, string>;
  alive: (run: RunRecord) => boolean;
}): OutsideWork {
  const working = new Map<string, WorkElsewhere>();
  const orphaned: string[] = [];
  const owned = new Set<string>();
  for (const run of input.runs) {
    if (run.state !== "running") continue;
    const alive = input.alive(run);
    if (!alive) orphaned.push(run.id);
    for (const story of run.stories) {
      if (FINAL_STATES.has(story.state)) continue;
      owned.add(story.key);
      const entry = input.status.get(story.key);
      if (entry !== undefined && entry !== "in-progress") continue;
      working.set(story.key, {
        key: story.key,
        run: run.id,
        pid: run.pid,
        runCreatedAt: run.createdAt,
        where: `run ${run.id} (pid ${run.pid}${alive ? "" : ", gone: waiting for its recovery"})`,
      });
    }
  }
  for (const [key, status] of input.status) {
    if (status !== "in-progress" || owned.has(key)) continue;
    working.set(key, {
      key,
      where: "by hand (in-progress in sprint-status.yaml, no run owns it)",
    });
  }
  return { working, status: input.status, orphaned };
}

/**
 * Reads the outside picture cheaply enough to do on every change: run records are re-read
 * only when their size or mtime changed, and the sprint file likewise.
 */
export class OutsideReader {
  private readonly records = new Map<string, { stamp: string; record?: RunRecord }>();
  private sprint: { stamp: string; status: Map<string, string> } | undefined;

  constructor(
    private readonly root: string,
    /** sprint-status.yaml, relative to the root or absolute. */
    private readonly sprintFile: string,
  ) {}

  /** The runs on disk and the sprint entries now; `live` replaces the records of our own runs. */
  read(live: readonly RunRecord[] = []): OutsideWork {
    const mine = new Map(live.map((r) => [r.id, r]));
    const runs = [...this.readRecords().filter((r) => !mine.has(r.id)), ...mine.values()];
    return outsideWork({
      runs,
      status: this.readSprint(),
      alive: (run) => mine.has(run.id) || run.host !== hostname() || processAlive(run.pid),
    });
  }

  private readRecords(): RunRecord[] {
    const dir = runsDir(this.root);
    let names: string[];
    try {
      names = readdirSync(dir).filter((name) => name.endsWith(".json"));
    } catch {
      return [];
    }
    const seen = new Set(names);
    for (const name of this.records.keys()) if (!seen.has(name)) this.records.delete(name);
    const out: RunRecord[] = [];
    for (const name of names) {
      const file = path.join(dir, name);
      const stamp = stampOf(file);
      if (stamp === undefined) continue;
      let cached = this.records.get(name);
      if (cached?.stamp !== stamp) {
        const { record } = parseRecord(file);
        // Only running runs matter here: an ended one keeps its stamp, not its record (plan
        // included), so a project's long history costs a stat per record, not its memory.
        cached = record?.state === "running" ? { stamp, record } : { stamp };
        this.records.set(name, cached);
      }
      if (cached.record) out.push(cached.record);
    }
    return out;
  }

  private readSprint(): Map<string, string> {
    const file = path.resolve(this.root, this.sprintFile);
    const stamp = stampOf(file);
    if (stamp === undefined) return new Map();
    if (this.sprint?.stamp === stamp) return this.sprint.status;
    let status = new Map<string, string>();
    try {
      const parsed = parseSprintStatus(readText(file), this.sprintFile);
      status = new Map(parsed.entries.map((e) => [e.key, e.status]));
    } catch {
      // Mid-edit or broken: keep what was known; the next change reads it again.
      return this.sprint?.status ?? status;
    }
    this.sprint = { stamp, status };
    return status;
  }
}

/** Size and mtime, to tell a changed file from an unchanged one without reading it. */
function stampOf(file: string): string | undefined {
  try {
    const s = statSync(file);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return undefined;
  }
}

/** A record as trusted as `loadRuns` trusts it; a damaged one is skipped (status reports it). */
function parseRecord(file: string): { record?: RunRecord } {
  try {
    const parsed = RunRecord.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success && `${parsed.data.id}.json` === path.basename(file)
      ? { record: parsed.data }
      : {};
  } catch {
    return {};
  }
}

function requestFile(root: string, runId: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`invalid run id "${runId}"`);
  return path.join(root, ".athena", "requests", `cancel-${runId}`);
}

/** Asks the process owning `runId` to cancel it. */
export function requestCancel(root: string, runId: string): void {
  const file = requestFile(root, runId);
  ensureAthenaDir(root, "requests");
  writeFileSync(file, `${process.pid}\n`);
}

/** True (and the request removed) when someone asked this process to cancel `runId`. */
export function takeCancelRequest(root: string, runId: string): boolean {
  const file = requestFile(root, runId);
  if (!existsSync(file)) return false;
  rmSync(file, { force: true });
  return true;
}
