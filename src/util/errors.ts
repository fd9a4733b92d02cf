import path from "node:path";

/**
 * The error every layer throws for bad input: it names the file and, where known, the line
 * and column, so the CLI can print it as `file:line:col: message` and exit 2.
 */
export class InputError extends Error {
  override readonly name = "InputError";
  constructor(
    message: string,
    readonly file?: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
  }

  /** `file:line:col: message`, omitting the parts that are unknown. */
  format(): string {
    const where = [this.file, this.line, this.column].filter((part) => part !== undefined);
    return where.length > 0 ? `${where.join(":")}: ${this.message}` : this.message;
  }
}

/** One line for any thrown value: its message, never its stack. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0]?.slice(0, 300) || "unknown error";
}

/**
 * What a system error code says about the machine, for the codes that are its state (a
 * read-only checkout, a full disk) and never a bug of ours: those are reported as bad input,
 * naming the file, instead of asking for a bug report.
 */
const MACHINE_STATES = new Map([
  ["EACCES", "permission denied"],
  ["EPERM", "permission denied"],
  ["EROFS", "read-only file system"],
  ["ENOSPC", "no space left on the device"],
  ["EDQUOT", "disk quota exceeded"],
]);

/** System calls that only read: their failure is "cannot read"; `open` may be either. */
const READING_CALLS = new Set([
  "access",
  "lstat",
  "opendir",
  "read",
  "readlink",
  "realpath",
  "scandir",
  "stat",
]);

/**
 * The user-facing form of a thrown value, when it is the user's to fix: an InputError as it
 * is, a permission or disk-space error as one naming its file (repo-relative when it is in
 * `root`); undefined for anything else, which is a bug.
 */
export function asUserError(error: unknown, root?: string): InputError | undefined {
  if (error instanceof InputError) return error;
  const system = error as NodeJS.ErrnoException | undefined;
  const problem = typeof system?.code === "string" ? MACHINE_STATES.get(system.code) : undefined;
  if (!system || !problem) return undefined;
  const verb =
    system.syscall === "open" ? "open" : READING_CALLS.has(system.syscall ?? "") ? "read" : "write";
  const file = typeof system.path === "string" ? ` ${shownPath(system.path, root)}` : "";
  return new InputError(`cannot ${verb}${file}: ${problem}`);
}

/** `file` relative to `root` when it is inside it (as the project names its files). */
function shownPath(file: string, root: string | undefined): string {
  if (!root) return file;
  const relative = path.relative(root, path.resolve(root, file));
  const outside = relative === ".." || relative.startsWith(`..${path.sep}`);
  return relative === "" || outside || path.isAbsolute(relative)
    ? file
    : relative.split(path.sep).join("/");
}
