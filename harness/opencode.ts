/**
 * Starts the real OpenCode server (the pinned `opencode-ai` package) on a free loopback port
 * in a temporary copy of a fixture project, offline: isolated HOME and XDG folders, the
 * OPENCODE_DISABLE_* flags, a dead loopback npm registry with no retries (the host's hidden
 * dependency install then fails at once instead of stalling start-up for about 70 s), the
 * scripted model as provider, and this plugin loaded by a `file://` spec. Stops it by PID.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

export const REPO = path.resolve(import.meta.dirname, "..");

/** The host binary shipped inside the registry package for this platform. */
export function opencodeBinary(): string {
  const candidates = [
    path.join(REPO, `node_modules/opencode-${process.platform}-${process.arch}/bin/opencode`),
    path.join(REPO, "node_modules/opencode-ai/bin/opencode.exe"),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found)
    throw new Error(`no opencode binary; looked at ${candidates.join(", ")} (run npm ci)`);
  return found;
}

export interface ProjectOptions {
  fixture: string;
  modelUrl: string;
  /** Load this plugin (default true). */
  plugin?: boolean;
  athena?: object;
  /** The scripted model's price, USD per million tokens (default: free, cost 0). */
  price?: { input: number; output: number };
  /** More of opencode.json (`permission`, ...), over the defaults; a function is given the root. */
  opencode?: object | ((root: string) => object);
  /** Make the copy a git repository, as the host prefers (default true). */
  git?: boolean;
}

/** A temporary copy of a fixture, set up as an OpenCode project that uses the scripted model. */
export function makeProject(options: ProjectOptions): {
  root: string;
  home: string;
  cleanup: () => void;
} {
  const base = mkdtempSync(path.join(tmpdir(), "athena-e2e-"));
  const root = path.join(base, options.fixture);
  const home = path.join(base, "home");
  cpSync(path.join(REPO, "fixtures", options.fixture), root, { recursive: true });
  for (const dir of ["config", "data", "cache", "state", "tmp"])
    mkdirSync(path.join(home, dir), { recursive: true });
  // The host prefers a repository (its project is the repository's root); we never run git otherwise.
  if (options.git !== false) execFileSync("git", ["init", "-q", "."], { cwd: root });
  const config = {
    $schema: "https://opencode.ai/config.json",
    model: "scripted/scripted-model",
    small_model: "scripted/scripted-model",
    share: "disabled",
    autoupdate: false,
    ...(options.plugin === false ? {} : { plugin: [`file://${path.join(REPO, "src/index.ts")}`] }),
    provider: {
      scripted: {
        npm: "@ai-sdk/openai-compatible",
        name: "Scripted",
        options: { baseURL: options.modelUrl, apiKey: "scripted" },
        models: {
          "scripted-model": {
            name: "Scripted",
            tool_call: true,
            ...(options.price ? { cost: options.price } : {}),
          },
        },
      },
    },
    ...(typeof options.opencode === "function" ? options.opencode(root) : options.opencode),
  };
  writeFileSync(path.join(root, "opencode.json"), `${JSON.stringify(config, null, 2)}\n`);
  if (options.athena)
    writeFileSync(path.join(root, "athena.json"), `${JSON.stringify(options.athena, null, 2)}\n`);
  return { root, home, cleanup: () => rmSync(base, { recursive: true, force: true }) };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface Host {
  url: string;
  pid: number;
  /** Everything the server printed. */
  log(): string;
  api<T = unknown>(method: string, route: string, body?: unknown): Promise<T>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * The host's environment: its own HOME, XDG folders and temp folder under `home`, so that
 * nothing it writes outlives the test (the host unpacks a 5.5 MB native library into its temp
 * folder on each start and never removes it: hundreds of them piled up in /tmp).
 */
export function hostEnv(home: string): NodeJS.ProcessEnv {
  const keep = ["PATH", "LANG", "TZ"];
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    keep.flatMap((k) => (process.env[k] ? [[k, process.env[k]]] : [])),
  );
  return {
    ...env,
    HOME: home,
    XDG_CONFIG_HOME: path.join(home, "config"),
    XDG_DATA_HOME: path.join(home, "data"),
    XDG_CACHE_HOME: path.join(home, "cache"),
    XDG_STATE_HOME: path.join(home, "state"),
    TMPDIR: path.join(home, "tmp"),
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_SHARE: "1",
    npm_config_registry: "http://127.0.0.1:9/",
    npm_config_fetch_retries: "0",
    npm_config_fetch_retry_mintimeout: "50",
    npm_config_fetch_retry_maxtimeout: "50",
    npm_config_audit: "false",
    npm_config_fund: "false",
  };
}

const running = new Set<ChildProcess>();
/** Stops every host still running (for afterEach / process exit): by PID, SIGKILL. */
export function killAll(): void {
  for (const child of running)
    if (child.pid && !hasEnded(child)) process.kill(child.pid, "SIGKILL");
  running.clear();
}

/**
 * Whether a child has ended. One that died of a signal keeps `exitCode` null (`signalCode`
 * says which signal): checking `exitCode` alone, a kill sent then failed with ESRCH.
 */
export function hasEnded(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Stops a child by PID with `signal` (SIGKILL after 5 s) and waits for its exit; a child that
 * has already ended, however, is left alone.
 */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<void> {
  if (hasEnded(child) || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(child.pid, signal);
  const timer = setTimeout(
    () => child.pid && !hasEnded(child) && process.kill(child.pid, "SIGKILL"),
    5_000,
  );
  await exited;
  clearTimeout(timer);
}

export async function startHost(root: string, home: string, timeoutMs = 60_000): Promise<Host> {
  const port = await freePort();
  const child = spawn(
    opencodeBinary(),
    [
      "serve",
      "--port",
      String(port),
      "--hostname",
      "127.0.0.1",
      "--print-logs",
      "--log-level",
      "INFO",
    ],
    {
      cwd: root,
      env: hostEnv(home),
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.add(child);
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${method} ${route}: ${response.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  };
  const stop = async (signal: NodeJS.Signals = "SIGTERM") => {
    await stopChild(child, signal);
    running.delete(child);
  };
  const deadline = Date.now() + timeoutMs;
  // A request sent before the server says it listens can hang for minutes: wait for the line.
  while (!output.includes("opencode server listening on")) {
    if (hasEnded(child)) throw new Error(`opencode exited early:\n${output}`);
    if (Date.now() > deadline) {
      await stop("SIGKILL");
      throw new Error(`opencode did not start:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  for (;;) {
    try {
      await api("GET", "/path");
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop("SIGKILL");
        throw new Error(`opencode never answered: ${error}\n${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return { url, pid: child.pid ?? 0, log: () => output, api, stop };
}
