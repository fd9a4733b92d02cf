/**
 * Replaying the project's done stories in sprint order, as the planner would have seen each
 * one before it ran: its plan-time sections only (Story, Acceptance Criteria, Tasks, Dev
 * Notes), the files known then (the disk, the drawn tree, and what earlier stories wrote),
 * and, beside it, what it really wrote (its File List, and what runs of it were seen to write). The history model learns from this;
 * `accuracy` scores the planner on it.
 */
import {
  CHANGED_FILES_HEADING,
  DEV_NOTES,
  opensAgentRecord,
  PLANNING_HEADING,
  PLANNING_SECTIONS,
} from "../bmad/section-intent.ts";
import type { PathMention, StoryDoc } from "../bmad/story.ts";
import { type ClaimContext, claimsForStory, normaliseRepoPath } from "./claims.ts";
import type { DoneStory } from "./history.ts";
import { isElided, type KnownTree, knownTail } from "./known-tree.ts";
import type { Claim } from "./types.ts";

export interface DoneInput {
  key: string;
  /** Repo-relative story file. */
  file: string;
  epic?: string;
  doc: StoryDoc;
  /** Files the plugin saw this story write in completed runs (`.athena/history.jsonl`). */
  seen?: readonly string[];
}

/**
 * The sections a story has before it is worked on (its Story, and the planning sections): what a
 * plan can read. Besides BMAD's, the plan sections other templates give at the top level:
 * "Technical Implementation", "Technical Tasks", "Technical Design", "Files to Modify/Create",
 * and those of the spec BMAD's quick-dev and dev-auto workflows write before they implement
 * ("Intent", "Boundaries & Constraints", "Code Map", "Design Notes"; its "Tasks & Acceptance"
 * is a Tasks section).
 */
const PLAN_TIME = new RegExp(
  `^(?:story|user\\s+story|${PLANNING_SECTIONS}|technical\\s+(?:implementation|tasks?|details|design|approach|specs?)\\b|files?\\s+to\\s+(?:create|modify|change|touch|update|add)|intent\\b|boundaries\\b|code\\s+map\\b|design\\s+notes\\b)`,
  "i",
);

/**
 * The story as it was at plan time: mentions outside those sections are dropped, and so is
 * whatever counts as its record (a "Files Created" list under a plan section, in a story with no
 * Dev Agent Record): what the agent wrote is never read as what the plan knew.
 */
export function planTimeDoc(doc: StoryDoc): StoryDoc {
  const afterWork = recordInNotes(doc);
  const keep = (m: { section: string; line: number }) =>
    PLAN_TIME.test(m.section) && !afterWork.some(([from, to]) => m.line >= from && m.line < to);
  const isRecord = recordOf(doc);
  return {
    ...doc,
    mentions: doc.mentions.filter((m) => !isRecord(m) && keep(m)),
    componentMentions: doc.componentMentions.filter(keep),
  };
}

/**
 * The lines of a Dev Agent Record written inside Dev Notes (`## Dev Notes` > `### Dev Agent
 * Record`), to the end of that Dev Notes section: the headings after it there (Completion
 * Notes, File List) are its own, written as the work was done, though their section is Dev Notes.
 * A record written there without its heading starts at its first part (`### Completion Notes`).
 */
function recordInNotes(doc: StoryDoc): Array<[from: number, to: number]> {
  const spans: Array<[number, number]> = [];
  const open: StoryDoc["sections"] = [];
  let pastRecord = false;
  doc.sections.forEach((heading, i) => {
    while ((open.at(-1)?.depth ?? 0) >= heading.depth) open.pop();
    const notes = open.find((h) => DEV_NOTES.test(h.title));
    const opensRecord = opensAgentRecord(heading.title, pastRecord);
    pastRecord ||= opensRecord;
    if (notes && opensRecord) {
      const end = doc.sections.slice(i + 1).find((h) => h.depth <= notes.depth);
      spans.push([heading.line, end?.line ?? Number.POSITIVE_INFINITY]);
    }
    open.push(heading);
  });
  return spans;
}

/**
 * Which mentions are the story's record of what its agent changed: its Dev Agent Record's File
 * List; without one, a list of changed files elsewhere (`## File List` before the record,
 * "Files Created/Modified", as a list or a drawn tree) outside the planning sections.
 */
function recordOf(doc: StoryDoc): (m: PathMention) => boolean {
  const recorded = doc.mentions.some((m) => m.place === "record");
  return (m) =>
    m.place === "record" ||
    (!recorded &&
      (m.place === "files" || m.place === "tree") &&
      CHANGED_FILES_HEADING.test(m.section) &&
      (!PLANNING_HEADING.test(m.section) || doneUnderPlan(m.section)));
}

/** "Files Created", "Files Modified/Created": what was done, not what is to be done. */
const FILES_DONE = /\bfiles?\s+(?:created|modified|changed|updated)\b/i;

/**
 * A heading in the past tense over files below the last planning heading of the chain
 * ("Implementation Notes > Files Created", "Dev Notes > Files Modified"): written after the work,
 * as a plan says "Files to Create". A "File List" there stays the plan's.
 */
function doneUnderPlan(section: string): boolean {
  const parts = section.split(" > ");
  const lastPlan = parts.findLastIndex((part) => PLANNING_HEADING.test(part));
  return parts.slice(lastPlan + 1).some((part) => FILES_DONE.test(part));
}

/** The files a done story's File List names, repo-relative and resolved where they can be. */
export function writtenFiles(doc: StoryDoc, context: ClaimContext): string[] {
  const out = new Set<string>();
  const isRecord = recordOf(doc);
  for (const mention of doc.mentions) {
    if (!isRecord(mention) || mention.intent !== "write") continue;
    let normal = normaliseRepoPath(mention.path, context.root);
    if (!normal.inside) {
      // An agent on another machine wrote its checkout's absolute path
      // (`/Users/x/dev/app/ios/App.swift`): the project's file is the tail the tree knows.
      const tail = knownTail(mention.path, context.known);
      if (!tail) continue;
      normal = { inside: true, path: tail };
    }
    // A folder or a pattern (`app/client/*.py`) is not a file the story wrote; `[id]` and
    // `(group)` are route folders (`app/users/[id]/page.tsx`).
    if (normal.path.endsWith("/") || /[*?{]/.test(normal.path)) continue;
    const known = context.known.resolve(normal.path);
    // A word the text alone does not prove is a path (`plain/JSON`, `github.com/x/y` in a
    // sentence of the list) counts only when the tree knows it.
    if (mention.bare && (!known || known.candidates)) continue;
    // A file the tree lacks, in a folder it has under a root the list leaves out: there, as the
    // plan places it. A path with folders left out (`src/.../x.py`) is a file only where the
    // tree tells which.
    const named =
      known && !known.candidates
        ? known.path
        : (!known && context.known.placeNew(normal.path)) ||
          (isElided(normal.path) ? undefined : normal.path);
    if (!named) continue;
    // A bare name is a file at the root only when the tree has it there (`package.json`).
    const unplaced = !named.includes("/") && !(known && !known.candidates);
    if (unplaced || context.isArtefact(named) || context.isIgnored(named)) continue;
    out.add(named);
  }
  return [...out];
}

/**
 * Each done story (in the order given: the sprint's) with the claims the planner makes from
 * its plan-time sections, knowing what the stories before it wrote, and the files it really
 * wrote. `known` grows as the replay goes.
 */
export function replayDone(
  done: readonly DoneInput[],
  context: ClaimContext & { known: KnownTree },
  /**
   * Told each story's claims, and the stories replayed before it, while `known` is as it was
   * before the story: where the accuracy plans it as the planner would have then (a module's
   * test found in the tree of then, not in one that holds what later stories wrote).
   */
  each?: (predicted: readonly Claim[], before: readonly DoneStory[]) => void,
  /** After this many stories, what the next ones write is no longer added to `known`. */
  growFor = Number.POSITIVE_INFINITY,
): DoneStory[] {
  const out: DoneStory[] = [];
  for (const story of done) {
    let predicted: DoneStory["predicted"] = [];
    let written: string[] = [];
    try {
      predicted = claimsForStory(
        story.key,
        story.file,
        story.epic,
        planTimeDoc(story.doc),
        context,
      ).claims;
      // The File List and what the write guard saw: an agent's list can forget a file.
      const seen = (story.seen ?? []).filter(
        (f) => !context.isArtefact(f) && !context.isIgnored(f),
      );
      written = [...new Set([...writtenFiles(story.doc, context), ...seen])];
    } catch {
      // A story the planner cannot read teaches nothing; the plan reports it where it matters.
    }
    each?.(predicted, out);
    out.push({ key: story.key, predicted, written });
    if (out.length <= growFor) for (const file of written) context.known.addReal(file);
  }
  return out;
}
