/**
 * BMAD's sprint keys and the ids people type for them.
 *
 * Keys: `epic-3`, `epic-3-5` (epic 3.5), `epic-1a`, `epic-3-retrospective`, and stories
 * `{epic}-{story}-{slug}` whose story part may carry a letter (`3-2a-split`). `3-5-help` is
 * story 5 of epic 3 while `3-5-1-dir` is story 1 of epic 3.5: the epic keys present in the
 * sprint file decide, so the longest numeric prefix that names a known epic wins. An epic
 * written with its dot (`5.5-1-cleanup`, beside `epic-5.5`) is that epic as written. A word
 * before the numbers names a track of its own: `npd-1-2-bom` is story 2 of epic `npd.1` when
 * the sprint has `epic-npd-1`, and `td-3-flaky-test` (tech debt) is story 3 of `td`, whose epic
 * key is `epic-td`. Some sprint files spell a story's key in words: `epic-0-story-1`. A
 * number's letter may be written in capitals (`2-5A-split`, `epic-2B`): it is read as `2.5a`.
 */

export type KeyKind = "story" | "epic" | "retrospective" | "other";

export interface ParsedKey {
  kind: KeyKind;
  /** `3.5` for `epic-3-5` and for `3-5-1-dir`. */
  epic?: string;
  /** `1`, `2a`. */
  story?: string;
  /** `3.5.1`: what a person types. Stories only. */
  id?: string;
}

const SEGMENT = /^\d+[a-z]?$/;
const DOTTED = /^\d+[a-z]?(?:\.\d+[a-z]?)+$/;
const TRACK = /^(?!epic$|story$)[a-z][a-z0-9]*$/i;
/** `5A`, `5.5A`: a number (dotted or not) whose letters may be capitals. */
const NUMBER_WITH_LETTERS = /^\d+[a-z]?(?:\.\d+[a-z]?)*$/i;

const story = (epic: string, part: string): ParsedKey => ({
  kind: "story",
  epic,
  story: part,
  id: `${epic}.${part}`,
});

export function parseKey(written: string, knownEpics: ReadonlySet<string> = new Set()): ParsedKey {
  const key = foldNumberLetters(written);
  // `epic-3-retrospective`, and as other tracks name theirs (`EXP-001-retrospective`); a story
  // whose slug is the word (`2-4-retrospective`) stays a story.
  const retro =
    /^epic-(.+)-retrospective$/i.exec(key) ??
    /^([a-z][a-z0-9]*-\d+[a-z]?)-retrospective$/i.exec(key);
  if (retro?.[1]) return { kind: "retrospective", epic: retro[1].replaceAll("-", ".") };
  // A story keyed in words (`epic-0-story-1`, `epic-2-story-3-login`) or their initial
  // (`epic-120-s01`), as some sprint files spell what BMAD writes `0-1-slug`.
  const worded = /^epic-(\d+[a-z]?)-(?:story-|s0*)(\d+[a-z]?)(?:-|$)/i.exec(key);
  if (worded?.[1] && worded[2]) return story(worded[1], worded[2]);
  // `epic-3`, `epic-npd-1`, and a track's epic by its word alone (`epic-A` over `A-1-docker`).
  const epic = /^epic-((?:[a-z][a-z0-9]*-)?\d+[a-z]?(?:[-.]\d+[a-z]?)*|[a-z][a-z0-9]*)$/i.exec(key);
  if (epic?.[1]) return { kind: "epic", epic: epic[1].replaceAll("-", ".") };

  const segments = key.split("-");
  const [first = "", second = ""] = segments;
  // A track's numbered epic written without `epic-` (`pm-01` over `pm-01-1-task-api`), when
  // the sprint's keys show it is one (knownEpics has `pm.01`).
  if (segments.length === 2 && TRACK.test(first) && SEGMENT.test(second)) {
    if (knownEpics.has(`${first}.${second}`)) return { kind: "epic", epic: `${first}.${second}` };
  }
  if (DOTTED.test(first)) {
    // `5.5-1-x`: story 1 of epic 5.5; `1.2-x`: story 2 of epic 1.
    const dot = first.lastIndexOf(".");
    // Without numbered epics (a track's `epic-A` is no number) the dotted part is the epic.
    const numbered = [...knownEpics].some((epic) => /^\d/.test(epic));
    return SEGMENT.test(second) && (!numbered || knownEpics.has(first))
      ? story(first, second)
      : story(first.slice(0, dot), first.slice(dot + 1));
  }
  if (TRACK.test(first) && SEGMENT.test(second) && segments.length >= 3) {
    const third = segments[2] ?? "";
    // `e` for "epic" before a numbered epic the sprint has (`e-01-1-import` under `epic-01`,
    // no `epic-e`): story 1 of epic 01, not story 01 of a track `e` that every story of every
    // epic would share. Only that letter: `TD-1-1-x` (tech debt of epic 1) and `v1-8-0-x` (a
    // version) are tracks of their own beside epic 1's stories.
    if (
      /^e$/i.test(first) &&
      SEGMENT.test(third) &&
      segments.length >= 4 &&
      knownEpics.has(second) &&
      !knownEpics.has(first) &&
      !knownEpics.has(`${first}.${second}`)
    )
      return parseKey(segments.slice(1).join("-"), knownEpics);
    return SEGMENT.test(third) && segments.length >= 4 && knownEpics.has(`${first}.${second}`)
      ? story(`${first}.${second}`, third)
      : story(first, second);
  }
  let numeric = 0;
  while (numeric < segments.length && SEGMENT.test(segments[numeric] ?? "")) numeric++;
  if (numeric < 2) return { kind: "other" };
  // Longest prefix naming a known epic, leaving at least one segment for the story.
  let epicLength = 1;
  for (let length = numeric - 1; length >= 1; length--) {
    if (knownEpics.has(segments.slice(0, length).join("."))) {
      epicLength = length;
      break;
    }
  }
  return story(segments.slice(0, epicLength).join("."), segments[epicLength] ?? "");
}

/**
 * `2-5A-split` as `2-5a-split`, `epic-2B` as `epic-2b`: a number's letter in lower case, so
 * that every reading of a key (its id, its epic, a sub-story's id) sees one spelling. Words
 * are left as written (`TD-1-2-x` keeps its track).
 */
export function foldNumberLetters(key: string): string {
  return key
    .split("-")
    .map((segment) => (NUMBER_WITH_LETTERS.test(segment) ? segment.toLowerCase() : segment))
    .join("-");
}

/**
 * `2.1`, `2-1`, `2_1`, ` 2.1 `, `Story 2.1` all become `2.1`, `npd-1-2` becomes `npd.1.2`;
 * anything else is returned trimmed.
 */
export function normaliseTypedId(typed: string): string {
  const trimmed = typed.trim().replace(/^story(?![a-z])[\s-]*/i, "");
  // A track's word may lead (`npd-1-2`, `pm-01-3`: ids npd.1.2, pm.01.3).
  return /^(?:[a-z][a-z0-9]*[-._])?\d+[a-z]?(?:[-._]\d+[a-z]?)+$/i.test(trimmed)
    ? trimmed.toLowerCase().replace(/[-_]/g, ".")
    : trimmed;
}

/** Ids are validated before they reach a prompt or a file name: a key is `[a-z0-9._-]`. */
export const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
