/**
 * Whether a file still holds another story's change after a command of this story rewrote it.
 *
 * A command that reads the file itself and adds to it (`npm install x`, `npm pkg set`, a
 * formatter) loses nothing, though its story never read the other story's version; a command
 * that writes the file from what its story remembers (`cat > f <<EOF`) drops what the other
 * story added. Told apart line by line: the other story's change is the difference between the
 * file before it (`base`) and its version (`theirs`); the command kept it when, from `theirs`
 * to what the command left (`ours`), no line the other story added was removed and no line it
 * removed came back. Lines are compared trimmed and without a trailing comma (adding a key to
 * a JSON object changes the comma of the line before), blank ones not at all. When the file
 * before the other story's change is not known (`base` undefined: that story changed it with a
 * command whose writes were only known after it ran, `npm pkg set`), every line of `theirs`
 * counts as the other story's: the command kept its change when it removed none of them (a
 * line that story removed and the command put back cannot be told then). Anything else it
 * cannot tell (binary content, too many changes to compare) counts as not kept.
 */
import { type ChangeObject, diffArrays } from "diff";

/** Changes past this many lines are not compared (the diff's cost grows with them). */
const MAX_EDIT_LENGTH = 2_000;

export function keepsChange(
  base: Buffer | null | undefined,
  theirs: Buffer | null,
  ours: Buffer | null,
): boolean {
  if (theirs === null || ours === null) return false;
  const [b, t, o] = [base, theirs, ours].map((c) => (c ? linesOf(c) : []));
  if (!b || !t || !o) return false;
  // From nothing (no file, or not known), every line is theirs: no diff to bound.
  const theirChange =
    b.length === 0
      ? [{ value: t, added: true, removed: false, count: t.length }]
      : diffArrays(b, t, { maxEditLength: MAX_EDIT_LENGTH });
  const command = diffArrays(t, o, { maxEditLength: MAX_EDIT_LENGTH });
  if (!theirChange || !command) return false;

  const added = new Set<number>(); // lines of `theirs` the other story added
  const removed = new Set<string>(); // lines it removed
  walk(theirChange, (change, at) => {
    if (change.added) for (let i = 0; i < change.value.length; i++) added.add(at + i);
    else if (change.removed) for (const line of change.value) removed.add(line);
  });
  let kept = true;
  walk(command, (change, at) => {
    if (change.removed) {
      for (let i = 0; i < change.value.length; i++)
        if (added.has(at + i) && change.value[i] !== "") kept = false;
    } else if (change.added) {
      for (const line of change.value) if (line !== "" && removed.has(line)) kept = false;
    }
  });
  return kept;
}

/**
 * Calls `visit` with each change and where it starts in the old side's lines (an addition:
 * where it goes in the new side's).
 */
function walk(
  changes: ChangeObject<string[]>[],
  visit: (c: ChangeObject<string[]>, at: number) => void,
) {
  let oldAt = 0;
  let newAt = 0;
  for (const change of changes) {
    visit(change, change.added ? newAt : oldAt);
    if (!change.added) oldAt += change.value.length;
    if (!change.removed) newAt += change.value.length;
  }
}

/** A text's lines, trimmed and without a trailing comma; undefined for binary content. */
function linesOf(content: Buffer): string[] | undefined {
  if (content.includes(0)) return undefined;
  return content
    .toString("utf8")
    .split("\n")
    .map((line) => line.trim().replace(/,$/, ""));
}
