/**
 * What a user sees when something fails that should not have: one line naming the command
 * (and the file, when known) and asking for a report, never a stack trace. The trace is kept
 * in `.athena/last-error.log` of the project, where a report can quote it.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { ensureAthenaDir } from "../bmad/cache.ts";
import { errorLine } from "./errors.ts";

export const LAST_ERROR_LOG = ".athena/last-error.log";

export interface UnexpectedContext {
  /** What was being done: `athena-parallel plan`, `athena_parallel execute`. */
  command: string;
  /** The project root, where the log goes; without it the log is not written. */
  root?: string;
  /** The file being read, when known. */
  file?: string;
}

/** Records the error in the log (best effort) and returns the one line to show. */
export function reportUnexpected(error: unknown, context: UnexpectedContext): string {
  let logged = false;
  if (context.root) {
    try {
      ensureAthenaDir(context.root);
      const trace = error instanceof Error ? (error.stack ?? error.message) : String(error);
      const text = [
        `time: ${new Date().toISOString()}`,
        `command: ${context.command}`,
        ...(context.file ? [`file: ${context.file}`] : []),
        `node: ${process.version}`,
        "",
        trace,
        "",
      ].join("\n");
      writeFileSync(path.join(context.root, LAST_ERROR_LOG), text);
      logged = true;
    } catch {
      // A read-only project: the one line still says what happened.
    }
  }
  const where = context.file ? ` (reading ${context.file})` : "";
  const log = logged ? `; the details are in ${LAST_ERROR_LOG}` : "";
  return `${context.command}: unexpected error${where}: ${errorLine(error)}. This is a bug in athena-parallel: please report it${log}.`;
}
