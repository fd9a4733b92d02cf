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
