/**
 * Turns what a person typed (`2.1`, `2-1`, `2-1-personality-system`, a story file path) into
 * the one sprint entry it names. Unknown or ambiguous ids are InputErrors that list the
 * candidates, so nothing is planned on a guess.
 */
import path from "node:path";
import { InputError } from "../util/errors.ts";
import { suggest } from "../util/suggest.ts";
import { foldNumberLetters, normaliseTypedId, parseKey } from "./keys.ts";
import { NOT_A_STORY, type SprintEntry, type SprintStatus } from "./sprint-status.ts";

/**
 * `fileOf` gives a story's file (repo-relative), so a path names the story whose file it is
 * even when the file is not `<key>.md` (`story-1.2-login.md`, `E101-S01.md`).
 */
export function resolveStoryId(
  sprint: SprintStatus,
  typed: string,
  fileOf?: (key: string) => string | undefined,
): SprintEntry {
  const stories = sprint.entries.filter((entry) => entry.kind === "story");
  const byKey = (key: string) => stories.filter((entry) => sameKey(entry.key, key));

  const isPath = /[\\/]|\.md$/i.test(typed);
  const asPath = isPath ? path.basename(typed).replace(/\.md$/i, "") : typed;
  let matches = byKey(asPath.trim());
  if (matches.length === 0) {
    const id = normaliseTypedId(asPath);
    matches = stories.filter((entry) => entry.id === id);
  }
  if (matches.length === 0) {
    // `1.2` for a story whose id keeps its epic's zeros (`01.2`, from `epic-01`'s stories):
    // people type the number, and the story's own title says "Story 1.2".
    const id = unpadded(normaliseTypedId(asPath));
    matches = stories.filter((entry) => entry.id !== undefined && unpadded(entry.id) === id);
  }
  if (matches.length === 0 && isPath && fileOf) {
    // The file's path as typed: repo-relative, absolute, or its name alone.
    const wanted = path.posix.normalize(typed.split(path.sep).join("/")).replace(/^\.\//, "");
    matches = stories.filter((entry) => {
      const file = fileOf(entry.key);
      return (
        file !== undefined &&
        (file === wanted || wanted.endsWith(`/${file}`) || file.endsWith(`/${wanted}`))
      );
    });
  }

  if (matches.length === 0 && /^\d+[a-z]?(?:\.\d+[a-z]?)*-\d+[a-z]?-./i.test(asPath)) {
    // A key cut short (`2-1-person`) that still names exactly one story.
    matches = stories.filter((entry) =>
      foldNumberLetters(entry.key).startsWith(foldNumberLetters(asPath.trim())),
    );
  }

  if (matches.length === 1 && matches[0]) return matches[0];
  if (matches.length > 1) {
    const list = matches.map((entry) => `${entry.key} (line ${entry.line})`).join(", ");
    throw new InputError(
      `story "${typed}" is ambiguous: it matches ${list}; name one by its full key`,
      sprint.file,
    );
  }
  // A key in the file that is no story's: say so, not that the file lacks it.
  const other = sprint.entries.find(
    (entry) => entry.kind === "other" && sameKey(entry.key, typed.trim()),
  );
  const skipped = sprint.statusless?.find((entry) => sameKey(entry.key, typed.trim()));
  if (skipped)
    throw new InputError(
      `"${typed}" is in the sprint file, but its entry has no status string (\`${skipped.key}: ready-for-dev\`, or a \`status:\` field), so it was skipped`,
      sprint.file,
      skipped.line,
    );
  // A story's line left out of the reading (indented under another story): say where it is.
  const typedId = normaliseTypedId(typed);
  const unreadStory = sprint.nested?.find(
    (entry) =>
      sameKey(entry.key, typed.trim()) ||
      parseKey(entry.key).id === typedId ||
      // `r.3.1` for `r-3-1-basic-layout`: its three numbers, as a sub-story's id keeps them.
      entry.key.split("-").slice(0, 3).join("-") === typed.trim().replace(/\./g, "-"),
  );
  if (unreadStory)
    throw new InputError(
      `"${typed}" is in the sprint file, but its line is indented under the story above it and is not read; indent it as the entries beside it to plan it`,
      sprint.file,
      unreadStory.line,
    );
  if (other)
    throw new InputError(
      `"${typed}" is in the sprint file but is ${NOT_A_STORY}, so there is no story to plan`,
      sprint.file,
      other.line,
    );
  // More than are shown: a story whose key and id both come close takes two of them.
  const candidates = suggest(
    typed,
    [...stories.map((e) => e.key), ...stories.flatMap((e) => (e.id ? [e.id] : []))],
    10,
  );
  const unique = closeMatches(candidates, stories).slice(0, 5);
  const hint = unique.length > 0 ? `; close matches: ${unique.join(", ")}` : "";
  throw new InputError(
    `unknown story "${typed}": no story key or id matches it${hint}`,
    sprint.file,
  );
}

/**
 * The suggested keys and ids as shown, one per story: an id is shown with its key, since
 * several stories can share one ("2.1" in two tracks), and a story whose key and id both came
 * close is named once ("3" listed `1-3-port-interfaces, 1.3 (1-3-port-interfaces)`).
 */
function closeMatches(candidates: readonly string[], stories: readonly SprintEntry[]): string[] {
  const named = new Set<string>();
  const shown: string[] = [];
  for (const c of candidates) {
    const owners = stories.filter((e) => e.id === c && e.key !== c).map((e) => e.key);
    for (const key of owners.length > 0 ? owners : [c]) {
      if (named.has(key)) continue;
      named.add(key);
      shown.push(owners.length > 0 ? `${c} (${key})` : c);
    }
  }
  return shown;
}

/** An id's numbers without their leading zeros: `01.02` -> `1.2`; words are kept. */
function unpadded(id: string): string {
  return id
    .split(".")
    .map((part) => part.replace(/^0+(?=\d)/, ""))
    .join(".");
}

/** A key as typed, its number's letter in either case (`2-5a-split` for `2-5A-split`). */
function sameKey(key: string, typed: string): boolean {
  return key === typed || foldNumberLetters(key) === foldNumberLetters(typed);
}
