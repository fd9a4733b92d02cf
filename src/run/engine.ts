/**
 * The live run: admission under the cap, the story state machine, completion, the sprint file,
 * notifications. One engine per plugin process; one p-limit for the whole process, so two runs
 * together never exceed `maxConcurrentStories`.
 *
 * Completion comes from host events (`session.idle`, `session.status`, `session.error`,
 * `session.deleted`) with a polling fallback, and is idempotent: the real host may send idle
 * twice, an error without idle, or retry forever on a 5xx (see the host facts in the README).
 * The engine wires the jobs together; each job's rules live in a module of its own:
 * admission.ts (which story may start), completion.ts (how a session ended), usage.ts (tokens,
 * cost, budgets), watchdog.ts (stalls and loops), sprint-transitions.ts (the sprint file),
 * notes.ts (what people are told), live.ts (the live state they share).
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { LimitFunction } from "p-limit";
import { ensureAthenaDir } from "../bmad/cache.ts";
import type { ParallelConfig, StorySettings } from "../config/schema.ts";
import type { Plan, PlannedStory } from "../plan/types.ts";
import { InputError } from "../util/errors.ts";
import { admissions } from "./admission.ts";
import { isAbort, mayPass, outcomeOf, providerFailure, sessionOf } from "./completion.ts";
import { EMPTY_ANSWER_LIMIT, EmptyAnswerWatch } from "./empty-answers.ts";
import { watchFolders } from "./folder-watch.ts";
import { fromSession, type WriteGuard } from "./guard.ts";
import { appendHistory } from "./history-log.ts";
import { type BusyStatus, describeHostError, type Host, type TodoItem } from "./host.ts";
import { fileHash, type Journal } from "./journal.ts";
import {
  covered,
  type LiveRun,
  type LiveStory,
  liveRun,
  newAttempt,
  noteUserWait,
  noteWait,
  stillRetrying,
} from "./live.ts";
import type { FileLocks } from "./locks.ts";
import {
  askNote,
  clobberNote,
  contentionNote,
  repeatNote,
  retryingNote,
  runBudgetNote,
  runSummary,
  sprintEditNote,
  stalledNote,
  storyBudgetWarning,
  storyEndLine,
  storyEndNote,
} from "./notes.ts";
import {
  NO_OUTSIDE_WORK,
  OutsideReader,
  type OutsideWork,
  takeCancelRequest,
} from "./outside-runs.ts";
import { retryNote, storyWork } from "./prompt.ts";
import { answerQuestion, type Choice } from "./resolve.ts";
import {
  claimStories,
  completeStory,
  restoreStory,
  rewriteUnwritten,
  StoriesTaken,
} from "./sprint-transitions.ts";
import {
  ACTIVE_STATES,
  createRun,
  type EndReason,
  FINAL_STATES,
  type RunRecord,
  runsDir,
  type StoryState,
  saveRun,
} from "./state.ts";
import { settingsFor, storyNamed } from "./story-settings.ts";
import {
  type BudgetVerdict,
  checkRunBudget,
  checkStoryBudget,
  describeVerdict,
  UsageMeter,
  usageOfMessage,
} from "./usage.ts";
import { answerOf, askOf, type UserAsk } from "./user-asks.ts";
import { pollInterval, showsActivity, stalledFor } from "./watchdog.ts";

export interface EngineOptions {
  root: string;
  /**
   * Where the story sessions run (the host's directory; below the root when OpenCode was
   * started in a subfolder): the prompt names the story file from there, as the agent's tools
   * resolve it. Default: the root.
   */
  sessionDirectory?: string;
  host: Host;
  locks: FileLocks;
  guard: WriteGuard;
  /** sprint-status.yaml (repo-relative) as found at start; see setSprintFile. */
  sprintFile: string;
  config: ParallelConfig;
  /** The process-wide cap. */
  limiter: LimitFunction;
  /** Fallback polling of the host's session status (default 5 s). */
  pollMs?: number;
  /** Runs the project's tests for `autoRunTests`. */
  runTests?: (command: string) => Promise<{ ok: boolean; tail: string }>;
  /** Where problems that have no story to land on are reported (never thrown). */
  log?: (message: string) => void;
  /** The change journal: a story's record is closed when it ends. */
  journal?: Journal;
  /** Recovers runs whose process died (their stories then stop counting as worked on). */
  recoverOrphans?: () => Promise<unknown>;
  /** Told when the first run starts (true) and when the last one has ended (false). */
  onActive?: (active: boolean) => void;
}

export interface ExecuteOptions {
  strategy: RunRecord["strategy"];
  cap: number;
  parentSession?: string;
  /** Story key -> the model and agent it runs with (parallel.stories over model/agent). */
  settings?: ReadonlyMap<string, StorySettings>;
  /** A retry of an ended run's stories: that run, and what happened to each story there. */
  retryOf?: { run: string; why: ReadonlyMap<string, string> };
  /** sprint-status.yaml as the plan found it (default: the engine's). */
  sprintFile?: string;
}

export class RunEngine {
  private readonly runs = new Map<string, LiveRun>();
  private readonly bySession = new Map<string, { run: LiveRun; story: LiveStory }>();
  private poller: ReturnType<typeof setInterval> | undefined;
  private hostCommands: Promise<string[]> | undefined;
  private readonly meter = new UsageMeter();
  /** Work on the project outside each run (other runs, other processes, people). */
  private outside: OutsideWork = NO_OUTSIDE_WORK;
  private outsideReader: OutsideReader;
  private stopWatching: (() => void) | undefined;
  /** Orphaned runs whose recovery was asked for (once each). */
  private readonly recovering = new Set<string>();
  /** sprint-status.yaml, repo-relative (a story's agent may write it itself). */
  private sprintPath: string;

  constructor(private readonly options: EngineOptions) {
    this.sprintPath = repoRelative(options.root, options.sprintFile);
    this.outsideReader = new OutsideReader(options.root, this.sprintPath);
  }

  /**
   * The project's sprint file as a plan found it now: a project that became BMAD's after
   * OpenCode started (its sprint planned in the same session), or whose `bmad.paths` changed,
   * has it elsewhere than at start. Runs started before keep writing their own.
   */
  setSprintFile(sprintFile: string): void {
    const now = repoRelative(this.options.root, sprintFile);
    if (now === this.sprintPath) return;
    this.sprintPath = now;
    this.outsideReader = new OutsideReader(this.options.root, now);
    if (this.stopWatching) {
      this.stopWatching();
      this.watchOutside();
    }
  }

  /**
   * Whether a repo-relative path is a sprint file the plugin writes: the project's as the last
   * plan found it, or one a live run still ends its stories in. The runs' entries there are
   * theirs, never a story's change to lock or journal.
   */
  isSprintFile(repoPath: string): boolean {
    if (repoPath === this.sprintPath) return true;
    for (const run of this.runs.values()) if (run.record.sprintFile === repoPath) return true;
    return false;
  }

  /**
   * A file most of the project's done stories wrote, by the run's own plan (its `hotFiles`):
   * like `sharedFiles`, a short edit that stories the plan let run together take in turns, so
   * its lock is held per write, not until the story ends. Another run's plan, learned from
   * another history, does not decide for this one's stories.
   */
  isHotFile(runId: string, repoPath: string): boolean {
    return this.runs.get(runId)?.plan.hotFiles?.includes(repoPath) ?? false;
  }

  /** The story a session (or one of its sub-sessions) works on, if any. */
  storyOf(sessionId: string): { run: string; story: string; session: string } | undefined {
    const found = this.bySession.get(sessionId);
    if (!found || FINAL_STATES.has(found.story.record.state)) return undefined;
    return { run: found.run.record.id, story: found.story.record.key, session: sessionId };
  }

  /** Starts a run of the plan's batch. The caller has checked strategy and blockers. */
  async execute(plan: Plan, options: ExecuteOptions): Promise<RunRecord> {
    const batch = plan.stories.filter((s) => s.role === "in-batch");
    const settings = options.settings ?? settingsFor(batch, this.options.config).byKey;
    const now = new Date().toISOString();
    if (options.sprintFile) this.setSprintFile(options.sprintFile);
    const record = createRun({
      strategy: options.strategy,
      cap: options.cap,
      sprintFile: this.sprintPath,
      ...(options.parentSession ? { parentSession: options.parentSession } : {}),
      ...(options.retryOf ? { retryOf: options.retryOf.run } : {}),
      plan,
      stories: batch.map((s) => ({
        key: s.key,
        id: s.id,
        ...settings.get(s.key),
        state: "queued" as const,
        previousStatus: s.status,
        wroteFiles: [],
        outsideClaims: [],
        errors: [],
        updatedAt: now,
      })),
    });
    // Each story is this run's alone (its lock), then claimed in the sprint file before
    // anything starts (all or none).
    await this.holdStories(record);
    try {
      await claimStories(this.sprintOf(record), record.stories);
    } catch (error) {
      for (const story of record.stories)
        await this.options.locks.release(storyLock(story.key), story.key);
      throw error;
    }
    saveRun(this.options.root, record);
    const live = liveRun(record, plan, options.retryOf?.why);
    this.runs.set(record.id, live);
    this.ensurePolling();
    this.refreshOutside();
    return record;
  }

  /**
   * Takes each story's lock (shared by every process, kept until the story ends): two runs
   * started at the same moment never both run a story, even one whose sprint entry the claim
   * does not change (named while already `in-progress`). A lock whose process died is taken
   * over. Throws StoriesTaken, holding none, when another run has one.
   */
  private async holdStories(record: RunRecord): Promise<void> {
    const { locks } = this.options;
    const held: string[] = [];
    const taken: Array<{ id: string; key: string; why: string }> = [];
    for (const story of record.stories) {
      const name = storyLock(story.key);
      const holder = { story: story.key, run: record.id };
      // A lock of this process is the story's whatever run holds it: the run must be this one.
      const mine = locks.holderOf(name);
      let result =
        mine && mine.run !== record.id ? undefined : await locks.tryAcquire(name, holder);
      if (result && !result.ok && locks.removeDead([name]).length > 0)
        result = await locks.tryAcquire(name, holder);
      if (result?.ok) {
        held.push(story.key);
        continue;
      }
      const by = mine?.run ?? (result?.ok === false ? result.holder?.run : undefined);
      const why = `is being run by ${by ? `run ${by}` : "a run of another process"}`;
      taken.push({ id: story.id, key: story.key, why });
    }
    if (taken.length === 0) return;
    for (const key of held) await locks.release(storyLock(key), key);
    throw new StoriesTaken(taken);
  }

  /**
   * The process-wide cap, as athena.json says now: each execute reads athena.json afresh, so
   * an edit made while OpenCode runs takes effect at the next run. A lower cap stops no story
   * already running; it only holds back the next ones.
   */
  setProcessCap(cap: number): void {
    if (this.options.limiter.concurrency !== cap) this.options.limiter.concurrency = cap;
  }

  /** The process-wide cap in force. */
  get processCap(): number {
    return this.options.limiter.concurrency;
  }

  /** Resolves when every story of the run has ended, or when `signal` aborts. */
  async waitFor(runId: string, signal?: AbortSignal): Promise<RunRecord> {
    const live = this.runs.get(runId);
    if (!live) throw new Error(`no live run ${runId}`);
    if (!signal) return live.ended;
    return Promise.race([
      live.ended,
      new Promise<RunRecord>((resolve) =>
        signal.addEventListener("abort", () => resolve(live.record), { once: true }),
      ),
    ]);
  }

  /**
   * Recovers now the runs whose process has died. A process with a run of its own hands them
   * to recovery as it polls; one with none (a user's call there) does not poll, so the dead
   * run stayed `running`, its locks held and its stories refused to every other run, until
   * some process started.
   */
  async recoverGone(): Promise<void> {
    if (!this.options.recoverOrphans) return;
    let orphaned: string[];
    try {
      orphaned = this.outsideNow().orphaned;
    } catch (error) {
      this.log(`reading other runs: ${error}`);
      return;
    }
    if (orphaned.length === 0) return;
    await this.options
      .recoverOrphans()
      .catch((error) => this.log(`recovering ${orphaned.join(", ")}: ${error}`));
  }

  /** The work on the project outside this process's runs, read now. */
  outsideNow(): OutsideWork {
    return this.outsideReader.read(this.runsLive());
  }

  runsLive(): RunRecord[] {
    return [...this.runs.values()].map((r) => r.record);
  }

  liveStory(runId: string, key: string): { todos: TodoItem[]; planned: PlannedStory } | undefined {
    const story = this.runs.get(runId)?.stories.get(key);
    return story ? { todos: story.todos, planned: story.planned } : undefined;
  }

  /** Stops a run cleanly: children aborted (deepest first), locks released, sprint restored. */
  async cancel(runId: string): Promise<RunRecord> {
    const live = this.runs.get(runId);
    if (!live) throw new Error(`no live run ${runId}`);
    for (const story of live.stories.values())
      if (!FINAL_STATES.has(story.record.state)) await this.cancelStory(live, story);
    return live.record;
  }

  /** Every bus event of the host (the plugin's `event` hook). */
  handleEvent(event: { type: string; properties?: Record<string, unknown> }): void {
    const props = (event.properties ?? {}) as Record<string, unknown>;
    if (event.type === "session.created" || event.type === "session.updated") {
      const info = props.info as { id?: string; parentID?: string } | undefined;
      const parent = info?.parentID ? this.bySession.get(info.parentID) : undefined;
      if (info?.id && parent && !this.bySession.has(info.id)) {
        this.bySession.set(info.id, parent);
        parent.story.sessions.add(info.id);
      }
      return;
    }
    const sessionId = sessionOf(props);
    if (!sessionId) return;
    const found = this.bySession.get(sessionId);
    if (found && showsActivity(event.type, props)) found.story.lastActivity = Date.now();
    if (found) {
      // Asked in any of the story's sessions (its own, or a sub-agent's).
      const ask = askOf(event.type, props);
      const answer = answerOf(event.type, props);
      if (ask) this.noteAsk(found.run, found.story, ask);
      if (answer) this.noteAnswer(found.run, found.story, answer.id);
      if (ask || answer) return;
      // A session that stopped (ended, aborted, failed) waits for no answer any more: an ask
      // left open would keep the stall watchdog off for the rest of the story.
      const stopped =
        event.type === "session.idle" ||
        event.type === "session.error" ||
        (event.type === "session.status" &&
          (props.status as { type?: string } | undefined)?.type === "idle");
      if (stopped) this.dropAsksOf(found.run, found.story, sessionId);
    }
    if (found && event.type === "message.updated") {
      if (found.story.empties.see(props.info) && !FINAL_STATES.has(found.story.record.state)) {
        void this.abortAndFail(
          found.run,
          found.story,
          `the provider answered ${EMPTY_ANSWER_LIMIT} times in a row with an empty stream (no text, no tool call)`,
          "provider",
        );
        return;
      }
      const message = usageOfMessage(props.info);
      if (message) {
        found.story.usageEventAt = Date.now();
        if (this.meter.record(found.story.record.key, message, found.run.usage))
          this.usageChanged(found.run, found.story);
      }
      return;
    }
    if (!found || found.story.record.sessionId !== sessionId) {
      if (found && event.type === "todo.updated")
        found.story.todos = (props.todos as TodoItem[]) ?? [];
      return; // sub-sessions do not end their story
    }
    const { run, story } = found;
    switch (event.type) {
      case "session.status": {
        const status = props.status as
          | { type?: string; attempt?: unknown; message?: unknown }
          | undefined;
        if (status?.type === "busy") {
          story.sawBusy = true;
          story.retrying = undefined;
        } else if (status?.type === "retry") {
          story.sawBusy = true;
          story.retrying = stillRetrying(story.retrying, status, Date.now());
        } else if (status?.type === "idle") {
          void this.checkIdle(run, story);
        }
        break;
      }
      case "session.idle":
        void this.checkIdle(run, story);
        break;
      case "session.error": {
        const text = describeHostError(props.error) ?? "";
        if (isAbort(text) && story.cancelRequested) break;
        // An unknown agent gives an error and never an idle: the error ends the story.
        void this.finish(run, story, "failed", text || "the session reported an error", "error");
        break;
      }
      case "session.deleted":
        void this.finish(run, story, "failed", "the story's session was deleted", "error");
        break;
      case "todo.updated":
        story.todos = (props.todos as TodoItem[]) ?? [];
        break;
    }
  }

  /** Called when a story session looks idle: it is done if its last answer is complete. */
  private async checkIdle(run: LiveRun, story: LiveStory): Promise<void> {
    const session = story.record.sessionId;
    if (!ACTIVE_STATES.has(story.record.state) || !session) return;
    let last: Awaited<ReturnType<Host["lastAssistantMessage"]>>;
    try {
      last = await this.options.host.lastAssistantMessage(session);
    } catch (error) {
      this.log(`reading ${story.record.key}'s last message: ${error}`);
      return;
    }
    // The story may have ended, or started again in a new session, meanwhile.
    if (story.record.sessionId !== session || !ACTIVE_STATES.has(story.record.state)) return;
    const outcome = outcomeOf(last, story.record.startedAt, story.cancelRequested);
    if (outcome?.state === "failed")
      await this.finish(run, story, "failed", outcome.error, outcome.reason);
    else if (outcome?.state === "completed") await this.finish(run, story, "completed");
  }

  /**
   * Reads the work outside each run again (run records, the sprint file) and lets every run
   * admit what it now may. Called when something may have changed: a story of ours ended, a
   * watched folder changed, the poll. Also where a person's edit of a running story's sprint
   * entry is noticed, and where a run whose process died is handed to recovery.
   */
  private refreshOutside(): void {
    try {
      this.outside = this.outsideReader.read(this.runsLive());
    } catch (error) {
      this.log(`reading other runs: ${error}`);
    }
    for (const id of this.outside.orphaned) {
      if (this.recovering.has(id) || !this.options.recoverOrphans) continue;
      this.recovering.add(id);
      void this.options
        .recoverOrphans()
        .catch((error) => {
          this.log(`recovering ${id}: ${error}`);
          // Tried again at a later refresh (the host may have been busy).
          setTimeout(() => this.recovering.delete(id), RECOVERY_RETRY_MS).unref?.();
        })
        .finally(() => this.refreshOutside());
    }
    for (const run of [...this.runs.values()]) {
      this.noticeSprintEdits(run);
      this.pump(run);
    }
  }

  /** A running story's sprint entry changed by someone else: kept at the end, and reported. */
  private noticeSprintEdits(run: LiveRun): void {
    for (const story of run.stories.values()) {
      const r = story.record;
      const now = this.outside.status.get(r.key);
      if (!r.claimedStatus || r.sprintEdit || now === undefined || now === r.claimedStatus)
        continue;
      if (FINAL_STATES.has(r.state)) continue;
      // Its own agent moving it on is the story's own work: the dev workflow sets `review` (or
      // the configured end status), through a file tool (seen here only after the write) or a
      // command; any other change is someone else's.
      if (now === "review" || now === this.options.config.completedStatus) continue;
      if (this.options.guard.wroteFiles(r.key).includes(this.sprintOf(run.record).sprintFile))
        continue;
      r.sprintEdit = { status: now, seenAt: new Date().toISOString() };
      this.save(run);
      void this.tellParent(run, sprintEditNote(r));
    }
  }

  /** Applies what admission decides: starts, waits and cancels, in the schedule's order. */
  private pump(run: LiveRun): void {
    for (const decision of admissions(run, this.outside)) {
      const story = run.stories.get(decision.key) as LiveStory;
      if (decision.kind === "cancel") {
        void this.finish(run, story, "cancelled", decision.why, decision.reason);
      } else if (decision.kind === "wait") {
        // Waiting for work outside the run is news to the user: their run does not start.
        if (decision.outside && story.record.waitingOn !== decision.why)
          void this.tellParent(
            run,
            `Story ${story.record.id} (${story.record.key}) ${decision.why}.`,
          );
        this.setState(run, story, decision.state, decision.why);
      } else {
        story.admitted = true;
        this.setState(run, story, "queued", "waits for a free slot");
        void this.options.limiter(() => this.runStory(run, story));
      }
    }
  }

  /** Runs one story inside a slot of the process-wide limiter; the slot is held until it ends. */
  private async runStory(run: LiveRun, story: LiveStory): Promise<void> {
    if (FINAL_STATES.has(story.record.state)) return;
    const { planned } = story;
    try {
      if (!(await this.takeProjectSlot(run, story))) return;
      this.setState(run, story, "launching");
      const sessionId = await this.options.host.createChildSession(
        run.record.parentSession,
        `Story ${planned.id}: ${planned.title}`,
      );
      // The story may have ended (cancelled) at each wait of its launch: its session is then
      // stopped and given no work, nor is its state set back to running.
      // Checked with no wait between the check and what it guards.
      const ended = () => FINAL_STATES.has(story.record.state);
      const stop = () => this.options.host.abort(sessionId).catch(() => false);
      if (ended()) return void (await stop());
      story.record.sessionId = sessionId;
      // A story of an earlier run of this process (the same key) wrote files of its own.
      if (story.record.attempts === 0) {
        this.options.guard.startStory(story.record.key);
        story.storyFileAtStart = this.storyFileHash(story);
      }
      story.record.attempts += 1;
      story.sessions.add(sessionId);
      this.bySession.set(sessionId, { run, story });
      this.hostCommands ??= this.options.host.commands().catch(() => []);
      const retry = story.retryWhy
        ? {
            why: story.retryWhy,
            ...(story.record.attempts > 1
              ? { attempt: { n: story.record.attempts, of: this.options.config.maxAttempts } }
              : {}),
          }
        : undefined;
      const work = storyWork({
        key: planned.key,
        id: planned.id,
        title: planned.title,
        file: planned.file
          ? fromSession(planned.file, this.options.root, this.options.sessionDirectory)
          : "",
        devCommand: this.options.config.devCommand,
        hostCommands: await this.hostCommands,
        ...(story.record.agent ? { agent: story.record.agent } : {}),
        ...(story.record.model ? { model: story.record.model } : {}),
        ...(retry ? { retry } : {}),
      });
      // A slash command takes no prompt of ours: the retry note goes in first, quietly.
      if (retry && work.command)
        await this.options.host.postMessage(sessionId, retryNote(retry), { wake: false });
      story.attemptStartedAt = new Date().toISOString();
      // A story started again keeps its first start: its time is every attempt's.
      story.record.startedAt ??= story.attemptStartedAt;
      story.lastActivity = Date.now();
      if (ended()) return void (await stop());
      this.setState(run, story, "running");
      await this.options.host.startWork(sessionId, work);
      // A cancel while the work was handed over aborted a session that had nothing running.
      if (ended()) return void (await stop());
    } catch (error) {
      await this.finish(
        run,
        story,
        "failed",
        `could not start: ${(error as Error).message}`,
        "error",
      );
    }
    await story.ended;
  }

  /** Ends a story once, whatever way it ends. */
  private async finish(
    run: LiveRun,
    story: LiveStory,
    state: StoryState,
    error?: string,
    reason?: EndReason,
  ): Promise<void> {
    if (FINAL_STATES.has(story.record.state)) return;
    // An agent that answered and stopped ("I cannot implement this") ended its session as a
    // finished one does: sent to review, the story would look done with nothing in it.
    if (state === "completed" && this.changedNothing(run, story)) {
      state = "failed";
      error = NO_WORK;
      reason = "no-work";
    } else if (state === "completed" && this.leftItsTasks(story)) {
      state = "failed";
      error = incomplete(story.planned.tasks);
      reason = "incomplete";
    }
    if (state === "failed" && this.retryable(run, story, reason, error))
      return this.retry(run, story, error ?? "failed", reason);
    const key = story.record.key;
    noteWait(story.record, state);
    story.record.state = state;
    story.record.endedAt = new Date().toISOString();
    story.record.waitingOn = undefined;
    story.asks.clear();
    showAsking(story);
    if (error) story.record.errors.push(error);
    if (reason) story.record.reason = reason;
    await this.readUsage(run, story);
    story.record.usage = this.meter.of(key);
    run.record.usage = run.usage;
    this.recordAttempt(run, story, state, reason);
    story.record.outsideClaims = story.record.wroteFiles.filter(
      (p) => !covered(p, story.planned) && !this.options.guard.isShared(p),
    );
    this.closeJournal(run, key);
    this.options.guard.forget(key);
    await this.options.locks.releaseAll(key);
    if (state === "completed")
      await completeStory(
        this.sprintOf(run.record),
        story.record,
        this.options.config.completedStatus,
      );
    else await restoreStory(this.sprintOf(run.record), story.record);
    // The entries of the run's earlier stories that could not be written: the file may parse,
    // and hold their entries, again.
    for (const other of run.stories.values())
      if (other !== story && other.settled)
        await rewriteUnwritten(this.sprintOf(run.record), other.record);
    this.save(run);
    await this.notifyStory(run, story);
    story.settled = true;
    story.done();
    // Its end may let stories of this run, and of this process's other runs, start.
    this.refreshOutside();
    await this.finishRunIfDone(run);
  }

  /**
   * True when no attempt of the story changed any file, its story file included: not in this
   * process (the guard), not in an earlier attempt (the record), and not before the process
   * that started it ended (the journal on disk, for a story taken over after a restart).
   */
  private changedNothing(run: LiveRun, story: LiveStory): boolean {
    const key = story.record.key;
    if (story.record.wroteFiles.length > 0 || this.options.guard.wroteFiles(key).length > 0)
      return false;
    if (story.record.outsideProject.length > 0) return false;
    if (story.storyFileAtStart !== this.storyFileHash(story)) return false;
    try {
      // An entry is kept before each write; a write that failed or changed nothing (an edit
      // whose text was not found) leaves the file as it was.
      const files = this.options.journal?.read(run.record.id, key)?.files ?? [];
      return files.every(
        (f) => (f.after !== undefined ? f.after : fileHash(this.options.root, f.path)) === f.before,
      );
    } catch {
      return false; // an unreadable journal proves nothing
    }
  }

  /**
   * Its agent stopped early ("Done, I think." after one file): its story file is as it was at
   * the story's first start while it had tasks left. BMAD's dev workflow ticks each task and
   * sets the status as it goes; sent to review, the sprint would call ready for review a story
   * whose own file says nothing was done.
   */
  private leftItsTasks(story: LiveStory): boolean {
    const { tasks } = story.planned;
    if (!story.planned.file || tasks.done >= tasks.total) return false;
    return story.storyFileAtStart != null && story.storyFileAtStart === this.storyFileHash(story);
  }

  /** Its story file's content hash now (null: no file, or unreadable). */
  private storyFileHash(story: LiveStory): string | null {
    const file = story.planned.file;
    return file ? fileHash(this.options.root, file) : null;
  }

  /**
   * Appends the attempt's line to the history log, and adds the files it wrote to the story's
   * (every attempt's writes: a retried story's earlier changes are its own too).
   */
  private recordAttempt(
    run: LiveRun,
    story: LiveStory,
    state: StoryState,
    reason: EndReason | undefined,
  ): void {
    const wrote = this.options.guard.wroteFiles(story.record.key);
    const endedAt = new Date().toISOString();
    // One line per attempt: its own start and duration.
    const startedAt = story.attemptStartedAt ?? story.record.startedAt;
    const started = startedAt ? Date.parse(startedAt) : Number.NaN;
    appendHistory(this.options.root, {
      format: 1,
      story: story.record.key,
      run: run.record.id,
      outcome: state,
      wroteFiles: wrote,
      endedAt,
      ...(startedAt ? { startedAt } : {}),
      ...(Number.isFinite(started)
        ? { durationMs: Math.max(0, Date.parse(endedAt) - started) }
        : {}),
      tasks: story.planned.tasks.total,
      ...(story.admitted ? { usage: this.meter.of(story.record.key) } : {}),
      ...(story.record.model ? { model: story.record.model } : {}),
      ...(reason ? { reason } : {}),
    });
    story.record.wroteFiles = [...new Set([...story.record.wroteFiles, ...wrote])].sort();
  }

  /**
   * A failure worth another attempt: the story stalled, or the provider kept failing or was
   * overloaded, and attempts are left. Budgets, timeouts, bad agents and cancels are final.
   */
  private retryable(
    run: LiveRun,
    story: LiveStory,
    reason: EndReason | undefined,
    error: string | undefined,
  ): boolean {
    if (run.record.state !== "running" || run.record.stopped || !story.admitted) return false;
    if (story.record.attempts >= this.options.config.maxAttempts) return false;
    return mayPass(reason, error);
  }

  /** Ends the attempt (slot, locks, sessions) and queues the story to start again, fresh. */
  private async retry(
    run: LiveRun,
    story: LiveStory,
    error: string,
    reason: EndReason | undefined,
  ): Promise<void> {
    const key = story.record.key;
    const attempt = story.record.attempts;
    story.record.errors.push(error);
    story.retryWhy = reason === "stalled" ? `was stopped: ${error}` : `failed: ${error}`;
    this.recordAttempt(run, story, "failed", reason);
    // The next session reads files afresh: nothing it did not read may be written over.
    this.options.guard.forget(key);
    await this.options.locks.releaseAll(key);
    // Still this run's story between its attempts.
    await this.options.locks
      .tryAcquire(storyLock(key), { story: key, run: run.record.id })
      .catch((e) => this.log(`story lock of ${key}: ${e}`));
    for (const session of story.sessions) this.bySession.delete(session);
    story.sessions = new Set();
    story.record.sessionId = undefined;
    story.admitted = false;
    story.sawBusy = false;
    story.retrying = undefined;
    story.cancelRequested = false;
    story.empties = new EmptyAnswerWatch(); // a fresh session's answers count anew
    // Its usage, and so its budget, spans every attempt: an 80% warning given is not repeated.
    story.asks.clear();
    showAsking(story);
    // The attempt's slot is held until `ended` resolves: free it, and wait anew.
    const endAttempt = story.done;
    Object.assign(story, newAttempt());
    endAttempt();
    this.setState(run, story, "queued", `starts again: attempt ${attempt} ${story.retryWhy}`);
    await this.tellParent(
      run,
      retryingNote(story.record, story.retryWhy, attempt + 1, this.options.config.maxAttempts),
    );
    this.pump(run);
  }

  /** Keeps each changed file's version at the story's end (never fails the story). */
  private closeJournal(run: LiveRun, key: string): void {
    try {
      this.options.journal?.close(run.record.id, key);
    } catch (error) {
      this.log(`journal of ${key}: ${error}`);
    }
  }

  private async finishRunIfDone(run: LiveRun): Promise<void> {
    // Every story must have settled, not only reached a final state: the last one to end
    // may still be writing the sprint file.
    if (![...run.stories.values()].every((s) => s.settled) || run.summarised) return;
    const stories = run.record.stories;
    run.summarised = true;
    const states = new Set(stories.map((s) => s.state));
    run.record.state = states.has("failed")
      ? "failed"
      : states.has("cancelled")
        ? "cancelled"
        : "completed";
    this.save(run);
    await this.summarise(run);
    run.resolveEnded(run.record);
    this.runs.delete(run.record.id);
    for (const [session, found] of this.bySession)
      if (found.run === run) this.bySession.delete(session);
    if (this.runs.size === 0) this.stopPolling();
  }

  private async notifyStory(run: LiveRun, story: LiveStory): Promise<void> {
    const r = story.record;
    if (this.options.config.notifyOnComplete) {
      const variant =
        r.state === "completed" ? "success" : r.state === "cancelled" ? "warning" : "error";
      await this.options.host.toast(storyEndLine(r), variant).catch((e) => this.log(`toast: ${e}`));
    }
    if (run.record.parentSession) {
      await this.options.host
        .postMessage(run.record.parentSession, storyEndNote(run.record, r), { wake: false })
        .catch((e) => this.log(`note to parent: ${e}`));
    }
  }

  private async summarise(run: LiveRun): Promise<void> {
    const { config, runTests } = this.options;
    // No story completed: nothing was added to test.
    const completed = run.record.stories.some((s) => s.state === "completed");
    const result =
      completed && config.autoRunTests && runTests
        ? await runTests(config.testCommand).catch((e) => ({ ok: false, tail: String(e) }))
        : undefined;
    const text = runSummary(
      run.record,
      { command: config.testCommand, ...(result ? { result } : {}) },
      Date.now(),
    );
    if (run.record.parentSession) {
      await this.options.host
        .postMessage(run.record.parentSession, text, { wake: true })
        .catch((e) => this.log(`summary: ${e}`));
    }
  }

  private ensurePolling(): void {
    if (this.poller) return;
    this.poller = setInterval(
      () => void this.poll(),
      this.options.pollMs ?? pollInterval(this.options.config.stallTimeoutSeconds),
    );
    this.poller.unref?.();
    this.tellActive(true);
    this.watchOutside();
  }

  /** Other runs and the sprint file are seen within a moment; the poll is the fallback. */
  private watchOutside(): void {
    const sprint = path.resolve(this.options.root, this.sprintPath);
    const runs = runsDir(this.options.root);
    // Made now, so a cancel request is seen at once rather than at the next poll.
    const requests = ensureAthenaDir(this.options.root, "requests");
    this.stopWatching = watchFolders({
      folders: [runs, path.dirname(sprint), requests],
      accept: (folder, name) =>
        folder === runs
          ? name.endsWith(".json") && !this.runs.has(name.slice(0, -".json".length))
          : folder === requests || name === path.basename(sprint),
      onChange: () => void this.onOutsideChange(),
    });
  }

  private stopPolling(): void {
    if (!this.poller) return;
    clearInterval(this.poller);
    this.poller = undefined;
    this.stopWatching?.();
    this.stopWatching = undefined;
    this.tellActive(false);
  }

  private tellActive(active: boolean): void {
    try {
      this.options.onActive?.(active);
    } catch (error) {
      this.log(`${active ? "starting" : "stopping"} the project watch: ${error}`);
    }
  }

  /** A watched folder changed: cancel requests taken up, other runs and the sprint file read. */
  private async onOutsideChange(): Promise<void> {
    await this.takeCancelRequests();
    this.refreshOutside();
  }

  /** A cancel asked from another terminal or process (`athena-parallel cancel <run-id>`). */
  private async takeCancelRequests(): Promise<void> {
    for (const id of [...this.runs.keys()]) {
      try {
        if (takeCancelRequest(this.options.root, id)) await this.cancel(id);
      } catch (error) {
        this.log(`cancel request for ${id}: ${error}`);
      }
    }
  }

  /**
   * With `projectMaxConcurrentStories`, a story takes one of the project's slots (named locks
   * shared by every process) before it starts, and keeps it until it ends (`releaseAll`). A
   * slot of a process that died is taken over. False when the story ended while it waited.
   */
  private async takeProjectSlot(run: LiveRun, story: LiveStory): Promise<boolean> {
    const max = this.options.config.projectMaxConcurrentStories;
    if (max === undefined) return true;
    const holder = { story: story.record.key, run: run.record.id };
    const { locks } = this.options;
    const slots = Array.from({ length: max }, (_, i) => projectSlot(i + 1));
    for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
      if (FINAL_STATES.has(story.record.state)) return false;
      for (const slot of slots) if ((await locks.tryAcquire(slot, holder)).ok) return true;
      // Slots whose process is gone are free (their holder cannot release them).
      if (locks.removeDead(slots).length > 0) continue;
      this.setState(
        run,
        story,
        "queued",
        `waits for a free project slot (projectMaxConcurrentStories ${max}: every slot is taken)`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }

  /** The fallback: the status list (absent means idle), timeouts, endless retries. */
  private async poll(): Promise<void> {
    let busy: Map<string, BusyStatus>;
    try {
      busy = await this.options.host.busySessions();
    } catch (error) {
      this.log(`polling the host: ${error}`);
      return;
    }
    await this.takeCancelRequests();
    this.refreshOutside();
    const now = Date.now();
    const timeoutMs = this.options.config.storyTimeoutMinutes * 60_000;
    const retryMs = this.options.config.retryTimeoutMinutes * 60_000;
    for (const run of [...this.runs.values()]) {
      for (const story of run.stories.values()) {
        const id = story.record.sessionId;
        if (!id || !ACTIVE_STATES.has(story.record.state)) continue;
        const status = busy.get(id);
        const state = status?.type;
        if (state === "busy") story.sawBusy = true;
        story.retrying =
          status?.type === "retry" ? stillRetrying(story.retrying, status, now) : undefined;
        const started = Date.parse(story.attemptStartedAt ?? story.record.startedAt ?? "") || now;
        const quiet = stalledFor(story, now, this.options.config.stallTimeoutSeconds);
        if (now - started > timeoutMs) {
          await this.abortAndFail(
            run,
            story,
            `timed out after ${this.options.config.storyTimeoutMinutes} min`,
            "timeout",
          );
        } else if (story.retrying && now - story.retrying.since > retryMs) {
          await this.abortAndFail(
            run,
            story,
            providerFailure(this.options.config.retryTimeoutMinutes, story.retrying),
            "provider",
          );
        } else if (quiet !== undefined && story.retrying === undefined) {
          const why = `stalled: no activity for ${Math.round(quiet / 1000)}s (stallTimeoutSeconds ${this.options.config.stallTimeoutSeconds})`;
          await this.tellParent(run, stalledNote(story.record, why));
          await this.abortAndFail(run, story, why, "stalled");
        } else if (story.record.state === "waiting-lock") {
          await this.noticeContention(run, story, now);
        } else if (state === undefined) {
          await this.checkIdle(run, story);
        } else if (now - story.usageEventAt > USAGE_POLL_MS) {
          // No usage event for a while: read it from the host (events can be lost).
          await this.readUsage(run, story);
          story.usageEventAt = now;
          this.usageChanged(run, story);
        }
      }
      // Saved at least every other poll, changed or not: the record's time is the last moment
      // its process was known alive, which recovery takes as when its stories stopped.
      const every = this.options.pollMs ?? pollInterval(this.options.config.stallTimeoutSeconds);
      if (run.dirty || now - Date.parse(run.record.updatedAt) >= 2 * every) this.save(run);
    }
  }

  /** Tells the parent, once per wait, that a story has waited long for another's file. */
  private async noticeContention(run: LiveRun, story: LiveStory, now: number): Promise<void> {
    const wait = story.record.waits.at(-1);
    const file = story.waitingLock?.path;
    // Under `manual` nothing kept the stories apart: the first contention on a file asks at once.
    const first = run.record.strategy === "manual" && file !== undefined && !run.asked.has(file);
    const seconds = first ? 0 : this.options.config.contentionNoticeSeconds;
    if (!wait || wait.to !== undefined || story.noticedWait === wait.from) return;
    if (!first && seconds <= 0) return;
    const waited = now - Date.parse(wait.from);
    if (waited < seconds * 1000) return;
    story.noticedWait = wait.from;
    if (file) run.asked.add(file);
    if (story.waitingLock)
      story.record.question = {
        kind: "contention",
        path: story.waitingLock.path,
        other: story.waitingLock.holder,
        askedAt: new Date().toISOString(),
      };
    this.save(run);
    await this.tellParent(
      run,
      contentionNote(
        story.record,
        wait.on ?? "waits for a file",
        Math.max(1, Math.round(waited / 1000)),
      ),
    );
  }

  private async abortAndFail(
    run: LiveRun,
    story: LiveStory,
    error: string,
    reason: EndReason,
  ): Promise<void> {
    if (FINAL_STATES.has(story.record.state)) return;
    story.cancelRequested = true;
    for (const session of [...story.sessions].reverse())
      await this.options.host.abort(session).catch(() => false);
    await this.finish(run, story, "failed", error, reason);
  }

  /**
   * A tool call of a story session (the plugin's `tool.execute.before`): activity for the
   * watchdog, and the same call repeated many times in a row is reported to the parent once.
   */
  noteToolCall(sessionId: string, tool: string, args: unknown): void {
    const found = this.bySession.get(sessionId);
    if (!found || FINAL_STATES.has(found.story.record.state)) return;
    const { run, story } = found;
    story.lastActivity = Date.now();
    const repeated = story.repeats.see(tool, args);
    if (repeated !== undefined) void this.tellParent(run, repeatNote(story.record, tool, repeated));
  }

  /**
   * A shell command of a story overwrote another story's change (the after-check found it):
   * the question goes on the story, and to the parent with the choices.
   */
  noteClobber(sessionId: string, clobber: { path: string; other: string; kept?: string }): void {
    const found = this.bySession.get(sessionId);
    if (!found || FINAL_STATES.has(found.story.record.state)) return;
    const { run, story } = found;
    story.record.question = {
      kind: "clobber",
      path: clobber.path,
      other: clobber.other,
      ...(clobber.kept ? { kept: clobber.kept } : {}),
      askedAt: new Date().toISOString(),
    };
    this.save(run);
    void this.tellParent(run, clobberNote(story.record, clobber.path, clobber.other));
  }

  /**
   * The user's answer to a story's question (`resolve`): `wait`, `yield` (the holder of the
   * file it waits for gives it up now), `keep <story>` (after a clobber: whose version of the
   * file stays), `cancel` (the story stops). Returns what was done, in words.
   */
  async resolve(
    typed: string,
    choice: Choice,
    options: { runId?: string; keep?: string } = {},
  ): Promise<string> {
    const runs = [...this.runs.values()].filter(
      (r) => options.runId === undefined || r.record.id === options.runId,
    );
    const found = runs
      .map((run) => ({ run, record: storyNamed(run.record.stories, typed) }))
      .find((f) => f.record && !FINAL_STATES.has(f.record.state));
    const story = found?.record ? found.run.stories.get(found.record.key) : undefined;
    if (!found || !story) throw new InputError(`no running story "${typed}" to resolve`);
    const { run } = found;
    // A wait status shows may be answered before the parent was asked about it.
    if (!story.record.question && story.waitingLock && (choice === "wait" || choice === "yield"))
      story.record.question = {
        kind: "contention",
        path: story.waitingLock.path,
        other: story.waitingLock.holder,
        askedAt: new Date().toISOString(),
      };
    return answerQuestion(story.record, run.record.stories, choice, options.keep, {
      release: (file, holder) => this.options.locks.release(file, holder),
      kept: (hash) => this.options.journal?.content(hash),
      putBack: (file, content, owner) => {
        writeFileSync(path.join(this.options.root, file), content);
        this.options.guard.afterWrite(owner, [file]);
      },
      tellStory: (key, text) => this.tellStory(key, text),
      cancel: () => this.cancelStory(run, story),
      save: () => this.save(run),
    });
  }

  /** A quiet note in a running story's own session, read at its next turn. */
  private async tellStory(key: string, text: string): Promise<void> {
    for (const run of this.runs.values()) {
      const session = run.stories.get(key)?.record.sessionId;
      if (session)
        await this.options.host
          .postMessage(session, text, { wake: false })
          .catch((e) => this.log(`note to ${key}: ${e}`));
    }
  }

  /** Stops one story: its sessions aborted (sub-sessions first), then ended as cancelled. */
  private async cancelStory(run: LiveRun, story: LiveStory): Promise<void> {
    story.cancelRequested = true;
    // The host does not stop children when a parent is aborted: abort sub-sessions first.
    for (const session of [...story.sessions].reverse())
      await this.options.host
        .abort(session)
        .catch((error) => this.log(`abort ${session}: ${error}`));
    await this.finish(run, story, "cancelled", "cancelled by the user", "user");
  }

  /** A story session wrote (or is about to write) outside the project: kept on its record. */
  noteOutsideProject(sessionId: string, paths: readonly string[]): void {
    const found = this.bySession.get(sessionId);
    if (!found || paths.length === 0) return;
    const r = found.story.record;
    const fresh = paths.filter((p) => !r.outsideProject.includes(p));
    if (fresh.length === 0) return;
    r.outsideProject = [...r.outsideProject, ...fresh].sort();
    this.save(found.run);
  }

  /** The host asks the user something in a story's session: status and the parent hear of it. */
  private noteAsk(run: LiveRun, story: LiveStory, ask: UserAsk): void {
    if (FINAL_STATES.has(story.record.state) || story.asks.has(ask.id)) return;
    story.asks.set(ask.id, ask);
    story.lastActivity = Date.now();
    showAsking(story);
    this.save(run);
    void this.tellParent(run, askNote(story.record, ask.what));
  }

  /** The user answered (or the host dropped) an ask: the stall clock starts afresh. */
  private noteAnswer(run: LiveRun, story: LiveStory, id: string): void {
    if (!story.asks.delete(id)) return;
    story.lastActivity = Date.now();
    showAsking(story);
    this.save(run);
  }

  /** Forgets the asks of a session that stopped without their answer. */
  private dropAsksOf(run: LiveRun, story: LiveStory, sessionId: string): void {
    for (const ask of [...story.asks.values()])
      if (ask.session === sessionId) this.noteAnswer(run, story, ask.id);
  }

  /** Something happened in a story session (a tool call returned): not stalled. */
  noteActivity(sessionId: string): void {
    const found = this.bySession.get(sessionId);
    if (found) found.story.lastActivity = Date.now();
  }

  /** Reads every session's usage from the host (the fallback to events; final at the end). */
  private async readUsage(run: LiveRun, story: LiveStory): Promise<void> {
    if (!story.admitted) return;
    for (const session of story.sessions) {
      const messages = await this.options.host.sessionUsage(session).catch((error) => {
        this.log(`reading ${story.record.key}'s usage: ${error}`);
        return [];
      });
      for (const message of messages) this.meter.record(story.record.key, message, run.usage);
    }
  }

  /** New usage for a story: kept on the record, and the budgets checked. */
  private usageChanged(run: LiveRun, story: LiveStory): void {
    if (FINAL_STATES.has(story.record.state)) return;
    // Both sums are kept up to date in place by the meter: no pass over stories per message.
    story.record.usage = this.meter.of(story.record.key);
    run.record.usage = run.usage;
    const total = run.usage;
    run.dirty = true;
    const budget = this.options.config.budget;
    if (Object.keys(budget).length === 0) return;
    const mine = checkStoryBudget(story.record.usage, budget);
    if (mine.kind === "over") {
      void this.abortAndFail(run, story, `over budget: ${describeVerdict(mine)}`, "budget");
    } else if (this.firstWarning(mine, story.warned)) {
      void this.tellParent(run, storyBudgetWarning(story.record, mine));
    }
    const all = checkRunBudget(total.cost, budget);
    if (all.kind === "over" && !run.record.stopped) {
      run.record.stopped = `the run ${describeVerdict(all)}`;
      void this.tellParent(run, runBudgetNote(run.record, all));
      this.pump(run);
    } else if (this.firstWarning(all, run.warned)) {
      void this.tellParent(run, runBudgetNote(run.record, all));
    }
  }

  private firstWarning(
    verdict: BudgetVerdict,
    warned: Set<string>,
  ): verdict is Extract<BudgetVerdict, { kind: "warn" }> {
    if (verdict.kind !== "warn" || warned.has(verdict.limit)) return false;
    warned.add(verdict.limit);
    return true;
  }

  /** A quiet note in the parent session (and a toast), never thrown. */
  private async tellParent(run: LiveRun, text: string): Promise<void> {
    if (this.options.config.notifyOnComplete)
      await this.options.host.toast(text, "warning").catch((e) => this.log(`toast: ${e}`));
    if (!run.record.parentSession) return;
    await this.options.host
      .postMessage(run.record.parentSession, `[athena-parallel ${run.record.id}] ${text}`, {
        wake: false,
      })
      .catch((e) => this.log(`note to parent: ${e}`));
  }

  /** Shown as `waiting-lock` while the guard waits for a file another story holds. */
  setWaitingLock(key: string, waitingOn: { path: string; holder: string } | undefined): void {
    for (const run of this.runs.values()) {
      const story = run.stories.get(key);
      if (!story || FINAL_STATES.has(story.record.state)) continue;
      story.waitingLock = waitingOn;
      // A wait that ends answers its own question.
      if (!waitingOn && story.record.question?.kind === "contention")
        story.record.question = undefined;
      if (waitingOn) {
        this.setState(
          run,
          story,
          "waiting-lock",
          `waits for \`${waitingOn.path}\`, held by ${waitingOn.holder}`,
        );
        // Under `manual` the first contention on a file asks at once, not at the next poll.
        if (run.record.strategy === "manual")
          void this.noticeContention(run, story, Date.now()).catch((e) =>
            this.log(`contention: ${e}`),
          );
      } else if (story.record.state === "waiting-lock") {
        story.lastActivity = Date.now(); // the wait was not a stall
        this.setState(run, story, "running");
      }
    }
  }

  private setState(run: LiveRun, story: LiveStory, state: StoryState, waitingOn?: string): void {
    if (story.record.state === state && story.record.waitingOn === waitingOn) return;
    noteWait(story.record, state, waitingOn);
    story.record.state = state;
    story.record.waitingOn = waitingOn;
    story.record.updatedAt = new Date().toISOString();
    this.save(run);
  }

  private save(run: LiveRun): void {
    run.dirty = false;
    try {
      saveRun(this.options.root, run.record);
    } catch (error) {
      this.log(`saving run ${run.record.id}: ${error}`);
    }
  }

  /** The sprint file a run's stories' entries are in. */
  private sprintOf(record: RunRecord) {
    return {
      root: this.options.root,
      sprintFile: record.sprintFile ?? this.sprintPath,
      staleMs: this.options.config.lockStaleSeconds * 1000,
    };
  }

  private log(message: string): void {
    this.options.log?.(`athena-parallel: ${message}`);
  }

  /** Stops polling (plugin disposal). Runs stay recorded; recovery picks them up next start. */
  dispose(): void {
    this.stopPolling();
  }
}

/** How long after a failed recovery of a dead process's run it is tried again, ms. */
const RECOVERY_RETRY_MS = 30_000;

/** How often a story's usage is read from the host when no usage event came in, ms. */
const USAGE_POLL_MS = 30_000;

/** The name of a story's lock, held by the run that runs it (see holdStories). */
export function storyLock(key: string): string {
  return `(story ${key})`;
}

/** The name of the project's n-th slot (`projectMaxConcurrentStories`), a named lock. */
export function projectSlot(n: number): string {
  return `(project slot ${n})`;
}

/** The run record shows the story's latest open ask (status reads it), or none. */
function showAsking(story: LiveStory): void {
  const last = [...story.asks.values()].at(-1);
  if (last) story.record.asking = { kind: last.kind, what: last.what, since: last.since };
  else delete story.record.asking;
  noteUserWait(story.record, last);
}

/** Why a story whose agent changed no file is not sent to review. */
const NO_WORK =
  "its agent ended without changing any file, not even its story file: nothing was implemented (see its session for what it said)";

/** Why a story whose agent left its story file as it was is not sent to review. */
function incomplete(tasks: { done: number; total: number }): string {
  return `its agent ended without updating its story file (${tasks.done}/${tasks.total} tasks ticked, its status unchanged): the story is not done (see its session for what it said; its changes stay in the tree)`;
}

/** A path as the project names it: relative to the root, with `/`. */
function repoRelative(root: string, file: string): string {
  return path.relative(root, path.resolve(root, file)).split(path.sep).join("/");
}
