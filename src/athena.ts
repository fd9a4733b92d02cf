import { homedir } from "node:os";
import path from "node:path";
import type { Config, Hooks } from "@opencode-ai/plugin";
import pLimit from "p-limit";
import { bmadArtefactTest } from "./bmad/artefacts.ts";
import { type BmadFiles, discoverBmad } from "./bmad/discover.ts";
import { hostProjectRoot } from "./bmad/project-root.ts";
import { taskProgress } from "./bmad/task-progress.ts";
import { loadConfig } from "./config/load.ts";
import type { AthenaConfig } from "./config/schema.ts";
import { sharedMatchers } from "./plan/conflicts.ts";
import { AfterCheck } from "./run/after-check.ts";
import { RunEngine } from "./run/engine.ts";
import {
  bashCommand,
  placeWrites,
  READ_TOOLS,
  WRITE_TOOLS,
  WriteGuard,
  WriteRefused,
  writeTargets,
  writtenPaths,
} from "./run/guard.ts";
import type { Host } from "./run/host.ts";
import { hostReachNotice } from "./run/host-reach.ts";
import { DEFAULT_JOURNAL_LIMITS, Journal } from "./run/journal.ts";
import { FileLocks } from "./run/locks.ts";
import { storyFileOf } from "./run/progress.ts";
import { type RecoveryReport, recoverRuns } from "./run/recover.ts";
import { commandMatcher, shellEffects, shellParser } from "./run/shell.ts";
import type { RunRecord } from "./run/state.ts";
import { runTestCommand } from "./run/test-command.ts";
import { treeWideGit } from "./run/tree-git.ts";
import {
  COMMAND_DESCRIPTION,
  COMMAND_TEMPLATE,
  createAthenaParallelTool,
} from "./tool/athena-parallel.ts";
import { errorLine } from "./util/errors.ts";

/**
 * The named lock an exclusive command (`parallel.exclusiveCommands`) holds while it runs: one
 * at a time across stories and processes. Shown as what a waiting story waits for.
 */
export const EXCLUSIVE_COMMANDS_LOCK = "(exclusive command: one at a time)";

/**
 * The host's `subagent_depth` the plugin sets when opencode.json does not: the host's default
 * (1) and the one level a story session sits below the session that started its run.
 */
export const STORY_SUBAGENT_DEPTH = 2;

/** What a bash call writes and reads, as the plugin reads its command before it runs. */
interface ShellCall {
  /** Repo-relative files it writes. */
  writes: string[];
  /** Those of `writes` whose content it replaces or removes (see ShellEffects). */
  replaces: string[];
  /** Absolute paths it writes outside the project (reported, never locked). */
  outside: string[];
  reads: string[];
  /** It runs an exclusive command (`parallel.exclusiveCommands`). */
  exclusive: boolean;
  /** It may write what cannot be known before: checked after it runs. */
  opaque: boolean;
  /** A git command in it that changes the whole working tree or its branch (run/tree-git.ts). */
  treeWideGit?: string;
}

/** A tool call's part as `message.part.updated` carries it (the fields read here). */
interface ToolPartEvent {
  type?: string;
  sessionID?: string;
  callID?: string;
  state?: { status?: string };
}

/**
 * The plugin's `config` hook: the slash command, and the sub-agent depth a story needs. Also
 * used when the plugin could not start (a bad athena.json): `/athena-parallel` then still
 * reaches the tool, which says why, instead of the host failing on an unknown command.
 */
export function configureHost(hostConfig: Config): void {
  // A story session is a child of the session that started the run, one level down, and
  // the host refuses sub-agents (the task tool) below `subagent_depth` (1 by default):
  // a story's agent could use none. The level is given back, unless opencode.json sets it.
  const depth = hostConfig as { subagent_depth?: number };
  depth.subagent_depth ??= STORY_SUBAGENT_DEPTH;
  // Installing the plugin is enough: the slash command comes with it.
  hostConfig.command = {
    "athena-parallel": { template: COMMAND_TEMPLATE, description: COMMAND_DESCRIPTION },
    // A command of the same name defined by the user wins.
    ...hostConfig.command,
  };
}

export interface AthenaOptions {
  /** The project's root (see projectOfHost). */
  directory: string;
  /**
   * The host's own directory, when OpenCode runs in a folder below the root: the story
   * sessions run there, and their tools' relative paths are taken from there.
   */
  hostDirectory?: string;
  /** The host's project folder (its git repository's root, "/" with none): PluginInput.worktree. */
  worktree?: string;
  host: Host;
  pluginOptions?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  /** Fallback polling interval of the host (ms). */
  pollMs?: number;
  log?: (message: string) => void;
}

export interface Athena {
  hooks: Hooks;
  engine: RunEngine;
  guard: WriteGuard;
  locks: FileLocks;
  config: AthenaConfig;
  /** Reconciles runs left by a process that ended (call once at start). */
  recover(): Promise<RecoveryReport[]>;
}

/**
 * The project's root for OpenCode started in `directory` (bmad/project-root.ts): a folder is
 * a BMAD project when its BMAD files are found there, read with its own athena.json.
 */
export function projectOfHost(
  directory: string,
  pluginOptions?: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const isBmadProject = (root: string) => {
    try {
      discoverBmad(root, loadConfig(root, { pluginOptions, env }).config);
      return true;
    } catch {
      return false;
    }
  };
  return hostProjectRoot(directory, isBmadProject, env.HOME || homedir());
}

export function createAthena(options: AthenaOptions): Athena {
  const root = path.resolve(options.directory);
  const hostDirectory = path.resolve(options.hostDirectory ?? root);
  const log = options.log ?? (() => {});
  const { config } = loadConfig(root, { pluginOptions: options.pluginOptions, env: options.env });
  const parallel = config.parallel;
  // The BMAD files as found at start, then as each plan finds them: a project can become
  // BMAD's after OpenCode started (its sprint planned in the same session), or move them.
  let files: BmadFiles | undefined;
  try {
    files = discoverBmad(root, config);
  } catch {
    files = undefined; // not a BMAD project (yet): the tool says so when called
  }
  let isBmadArtefact = bmadArtefactTest(files);
  // BMAD's own files as found now, and a sprint file a live run still writes (one the
  // project has since moved): never locked for a story.
  const isShared = (p: string) => isBmadArtefact(p) || (engine?.isSprintFile(p) ?? false);
  const journal = new Journal(root, {
    maxBytes: parallel.journalMaxMegabytes * 1024 * 1024,
    maxFileBytes: DEFAULT_JOURNAL_LIMITS.maxFileBytes,
  });
  /** Before a story's write (its locks held): the journal keeps what the files were. */
  const journalBefore = (holder: { run: string; story: string }, paths: string[]) => {
    try {
      const kept = paths.filter((p) => !engine?.isSprintFile(p));
      if (kept.length > 0) journal.beforeChange(holder.run, holder.story, kept);
    } catch (error) {
      log(`journal: ${errorLine(error)}`);
    }
  };

  const locks = new FileLocks({
    root,
    staleMs: parallel.lockStaleSeconds * 1000,
    onCompromised: (p, holder, error) =>
      log(`lock on ${p} held by ${holder.story} was lost: ${error.message}`),
  });
  /**
   * Reconciles runs whose process is gone (at start, and when a live run meets one), one
   * recovery at a time.
   */
  let lastRecovery: Promise<unknown> = Promise.resolve();
  const recover = (): Promise<RecoveryReport[]> => {
    const next = lastRecovery.catch(() => undefined).then(recoverOnce);
    lastRecovery = next;
    return next;
  };
  const recoverOnce = async () => {
    const { reports, damaged } = await recoverRuns({
      root,
      host: options.host,
      locks,
      journal,
      ...(files ? { sprint: { root, sprintFile: files.sprintStatus } } : {}),
    });
    for (const d of damaged) log(`a run record not trusted: ${d}`);
    return reports;
  };
  let engine: RunEngine | undefined;
  const guard = new WriteGuard({
    root,
    cwd: hostDirectory,
    locks,
    lockWaitMs: parallel.lockWaitSeconds * 1000,
    isShared,
    onWaiting: (story, waitingOn) => engine?.setWaitingLock(story, waitingOn),
  });
  engine = new RunEngine({
    root,
    sessionDirectory: hostDirectory,
    host: options.host,
    locks,
    guard,
    sprintFile: files?.sprintStatus ?? "sprint-status.yaml",
    config: parallel,
    limiter: pLimit(parallel.maxConcurrentStories),
    ...(options.pollMs ? { pollMs: options.pollMs } : {}),
    runTests: (command) => runTestCommand(command, root, parallel.testTimeoutMinutes * 60_000),
    log,
    journal,
    recoverOrphans: recover,
    // While runs live, the project is watched: a shell command's after-check costs its changes.
    onActive: (active) => (active ? afterCheck.watchFiles() : afterCheck.unwatchFiles()),
  });
  const liveEngine = engine;
  /** Said before each run when the stories' sessions will ask to reach the root (host-reach.ts). */
  let reachNotice: string | undefined;

  // From the run's own plan, live or ended: an ended run's stories showed 0 boxes ticked.
  const tasksNow = (key: string, run: RunRecord) => taskProgress(root, storyFileOf(run, key));

  const tool = createAthenaParallelTool({
    ...(options.pluginOptions ? { pluginOptions: options.pluginOptions } : {}),
    ...(options.env ? { env: options.env } : {}),
    engine: liveEngine,
    host: options.host,
    locks,
    config,
    tasksNow,
    // The host's calls name its own directory; the project is the root above it.
    projectOf: (directory) => (path.resolve(directory) === hostDirectory ? root : directory),
    hostNotice: () => reachNotice,
    onBmadFiles: (found) => {
      files = found;
      isBmadArtefact = bmadArtefactTest(found);
      liveEngine.setSprintFile(found.sprintStatus);
    },
  });

  const isExclusive = commandMatcher(config.parallel.exclusiveCommands);
  /**
   * `sharedFiles` (manifests, lockfiles, migrations, agents' instruction files) are short edits
   * the plan lets stories make at once: two stories adding a dependency to package.json take
   * turns per write, not per story. Such a file's lock is held while the write that took it
   * runs, then let go; a stale copy is still refused (the guard's version check), so no change
   * is lost. Keyed by tool call, so that one of a story's writes still running keeps the lock.
   */
  const isSharedFile = sharedMatchers(config.parallel.sharedFiles);
  /** Held per write: `sharedFiles`, and the files the story's run learned most stories write. */
  const isShortFile = (run: string, p: string) =>
    isSharedFile(p) !== undefined || liveEngine.isHotFile(run, p);
  /**
   * Every write in flight, by tool call: its story, what it writes, and which of those it holds
   * only while it runs (decided once, when it starts).
   */
  const writing = new Map<string, { story: string; paths: readonly string[]; short: string[] }>();
  const holdShort = (
    call: string,
    holder: { story: string; run: string },
    paths: readonly string[],
  ) => {
    const short = paths.filter((p) => isShortFile(holder.run, p));
    writing.set(call, { story: holder.story, paths, short });
  };
  /** Lets go of the story's files among `short`, unless another of its writes of them runs. */
  const letGoShared = async (story: string, short: readonly string[]) => {
    const stillWriting = new Set(
      [...writing.values()].filter((w) => w.story === story).flatMap((w) => w.paths),
    );
    for (const p of short) if (!stillWriting.has(p)) await locks.release(p, story);
  };
  const releaseShort = async (call: string) => {
    const held = writing.get(call);
    if (!held) return;
    writing.delete(call);
    await letGoShared(held.story, held.short);
  };
  /**
   * A write refused after some of its locks were taken (a file it would lose, a lock that
   * timed out): no after hook comes, so the shared files it took for itself are let go now.
   */
  const beforeWriteOrLetGo = async (
    holder: { story: string; run: string; session: string },
    paths: readonly string[],
    replaced: readonly string[],
  ) => {
    const heldBefore = new Set(locks.heldBy(holder.story));
    try {
      await guard.beforeWrite(holder, paths, replaced);
    } catch (error) {
      await letGoShared(
        holder.story,
        paths.filter((p) => isShortFile(holder.run, p) && !heldBefore.has(p)),
      );
      throw error;
    }
  };
  /** Bash calls running an exclusive command, and their story: its lock is let go at their end. */
  const exclusiveCalls = new Map<string, string>();
  /**
   * What a bash call writes (repo-relative) and reads, and whether it runs an exclusive
   * command; undefined when it cannot be told.
   */
  const shellWrites = async (args: unknown): Promise<ShellCall | undefined> => {
    const call = bashCommand(args, hostDirectory);
    if (!call) return undefined;
    try {
      const effects = shellEffects(await shellParser(), call.command, call.cwd);
      const placed = placeWrites(effects.writes, root, new Set(effects.asNames));
      const git = treeWideGit(effects.commands);
      return {
        writes: placed.inside,
        // Those of the writes it replaces: already placed, as they are among the writes.
        replaces: [...new Set(effects.replaces.flatMap((p) => placed.insideOf(p) ?? []))],
        outside: placed.outside,
        reads: effects.reads,
        exclusive: effects.commands.some((line) => isExclusive(line) !== undefined),
        opaque: effects.opaque,
        ...(git ? { treeWideGit: git } : {}),
      };
    } catch (error) {
      log(`bash command not parsed, checked after it runs: ${errorLine(error)}`);
      return {
        writes: [],
        replaces: [],
        outside: [],
        reads: [],
        exclusive: false,
        opaque: true,
      };
    }
  };

  /**
   * Each bash call's reading, from its before hook to its after hook (one parse per call; the
   * after hook parses again only when the command it is given differs). Bounded: a call whose
   * after hook never comes (the host aborted it) is dropped with the oldest.
   */
  const shellCalls = new Map<string, { command: unknown; shell: ShellCall }>();
  const rememberShell = (key: string, args: unknown, shell: ShellCall) => {
    shellCalls.set(key, { command: (args as { command?: unknown })?.command, shell });
    if (shellCalls.size > 1_000) shellCalls.delete(shellCalls.keys().next().value as string);
  };
  const shellOfCall = async (key: string, args: unknown) => {
    const known = shellCalls.get(key);
    shellCalls.delete(key);
    const command = (args as { command?: unknown } | undefined)?.command;
    return known && known.command === command ? known.shell : shellWrites(args);
  };

  const afterCheck = new AfterCheck({
    root,
    guard,
    journal,
    ignore: (p) => liveEngine.isSprintFile(p),
    log,
  });

  const hooks: Hooks = {
    tool: { athena_parallel: tool },
    config: async (hostConfig) => {
      configureHost(hostConfig);
      reachNotice = hostReachNotice({
        root,
        hostDirectory,
        worktree: options.worktree,
        permission: hostConfig.permission,
        home: options.env?.HOME ?? homedir(),
      });
      if (reachNotice) log(reachNotice);
    },
    event: async ({ event }) => {
      liveEngine.handleEvent(event as { type: string; properties?: Record<string, unknown> });
      // The host runs no after hook for a call that failed (an edit whose text was not found):
      // its part's error lets a shared file go, which that hook would have.
      const part = (event as { properties?: { part?: ToolPartEvent } }).properties?.part;
      if (
        event.type === "message.part.updated" &&
        part?.type === "tool" &&
        part.state?.status === "error"
      ) {
        const call = callKey(part);
        await releaseShort(call);
        // A failed exclusive command (aborted, a permission refused) lets the others run.
        const story = exclusiveCalls.get(call);
        if (story !== undefined) {
          exclusiveCalls.delete(call);
          await locks.release(EXCLUSIVE_COMMANDS_LOCK, story);
          afterCheck.drop(call);
        }
      }
    },
    "tool.execute.before": async (input, output) => {
      const story = liveEngine.storyOf(input.sessionID);
      if (!story) return; // outside any run: a map lookup, nothing more
      if (input.tool === "athena_parallel") {
        throw new WriteRefused(
          "athena_parallel is not available inside a story session: implement your own story only.",
        );
      }
      liveEngine.noteToolCall(input.sessionID, input.tool, output.args);
      const holder = { story: story.story, run: story.run, session: story.session };
      const call = callKey(input);
      if (input.tool === "bash") {
        // A shell write gets the file tools' rules: the lock, and refusal when stale.
        const shell = await shellWrites(output.args);
        if (!shell) return;
        const treeWide = shell.treeWideGit;
        if (treeWide)
          throw new WriteRefused(
            `Not run: \`${treeWide}\` changes the whole working tree, its branches or its history, which every story of the run shares (and the user's own work in progress with them); branches and commits are the user's. Undo your own changes file by file instead (\`git checkout -- <file>\`, \`git restore <file>\`), and leave commits, stashes, branches, resets, cleans, merges and rebases to the user. ${COMMAND_NOT_RUN}`,
          );
        rememberShell(call, output.args, shell);
        liveEngine.noteOutsideProject(input.sessionID, shell.outside);
        // A package install runs alone: its lock first, held until the command has run.
        if (shell.exclusive) {
          await guard.beforeWrite(holder, [EXCLUSIVE_COMMANDS_LOCK]);
          exclusiveCalls.set(call, holder.story);
        }
        try {
          await beforeWriteOrLetGo(holder, shell.writes, shell.replaces);
        } catch (error) {
          exclusiveCalls.delete(call);
          // Refused: the command does not run, and its after hook never comes. Said so: "Not
          // written: `b.ts` ..." alone leaves the agent to guess whether the rest of
          // `npm install x && echo >> b.ts` ran.
          if (shell.exclusive) await locks.release(EXCLUSIVE_COMMANDS_LOCK, holder.story);
          throw error instanceof WriteRefused
            ? new WriteRefused(`${error.message} ${COMMAND_NOT_RUN}`)
            : error;
        }
        journalBefore(holder, shell.writes);
        holdShort(call, holder, shell.writes);
        if (shell.opaque) await afterCheck.start(call, holder.story);
        return;
      }
      if (!WRITE_TOOLS.has(input.tool)) return;
      const placed = placeWrites(
        writeTargets(input.tool, output.args),
        root,
        undefined,
        hostDirectory,
      );
      const paths = placed.inside;
      liveEngine.noteOutsideProject(input.sessionID, placed.outside);
      // The write tool replaces the file; edits and patches apply to what is there.
      await beforeWriteOrLetGo(holder, paths, input.tool === "write" ? paths : []);
      journalBefore(holder, paths);
      holdShort(call, holder, paths);
    },
    "tool.execute.after": async (input, output) => {
      const story = liveEngine.storyOf(input.sessionID);
      if (!story) {
        // Outside any run (a map lookup, nothing more), or the story ended while the tool ran
        // (cancelled, stopped, retried): nothing to finish, only what the call held to forget
        // (an exclusive command and an after-check are bash calls').
        if (input.tool === "bash" || writing.size > 0) {
          const call = callKey(input);
          afterCheck.drop(call);
          writing.delete(call);
          exclusiveCalls.delete(call);
        }
        return;
      }
      const call = callKey(input);
      liveEngine.noteActivity(input.sessionID);
      const args =
        (input as { args?: unknown }).args ??
        (output as { metadata?: { args?: unknown } }).metadata?.args;
      if (input.tool === "bash") {
        const shell = await shellOfCall(call, args);
        if (!shell) return;
        exclusiveCalls.delete(call);
        if (shell.exclusive) await locks.release(EXCLUSIVE_COMMANDS_LOCK, story.story);
        for (const file of shell.reads) guard.afterRead(story.story, file);
        guard.afterWrite(story.story, shell.writes);
        afterCheck.noteWrite(story.story, shell.writes);
        const clobbers = await afterCheck.finish(call, story, shell.writes);
        if (clobbers.length > 0) {
          // Told at once, in the command's own output: nothing is silently lost.
          const what = clobbers.map(
            (c) =>
              `\`${guard.shown(c.path)}\`, which story ${c.other} had changed since you last read it: its version is kept (athena-parallel versions ${c.path})`,
          );
          const result = output as { output?: string };
          result.output = `${result.output ?? ""}\n\n[athena-parallel] This command overwrote ${what.join("; ")}. Read each file again and redo your change on top of that version.`;
          // The user chooses whose version stays (resolve).
          for (const c of clobbers)
            liveEngine.noteClobber(input.sessionID, {
              path: c.path,
              other: c.other,
              ...(c.kept ? { kept: c.kept } : {}),
            });
        }
        await releaseShort(call);
      } else if (READ_TOOLS.has(input.tool)) {
        const filePath = (args as { filePath?: string } | undefined)?.filePath;
        if (filePath) guard.afterRead(story.story, filePath);
      } else if (WRITE_TOOLS.has(input.tool)) {
        const written = writtenPaths(input.tool, args, root, hostDirectory);
        guard.afterWrite(story.story, written);
        afterCheck.noteWrite(story.story, written);
        await releaseShort(call);
      }
    },
    dispose: async () => liveEngine.dispose(),
  };

  return {
    hooks,
    engine: liveEngine,
    guard,
    locks,
    config,
    recover,
  };
}

/** One tool call, as its before and after hooks and its part's events name it. */
function callKey(call: { sessionID?: string; callID?: string }): string {
  return `${call.sessionID}\u0000${call.callID}`;
}

/** Added to a shell command's refusal: none of it ran. */
export const COMMAND_NOT_RUN = "None of this command ran.";

/** Runs the project's test command (autoRunTests) and keeps the tail of its output. */
