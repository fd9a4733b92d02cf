/**
 * A story file as the planner needs it: title, status line, acceptance criteria, task
 * progress, dependencies written in prose, and every path it mentions with the intent of
 * that mention (write or read) and its evidence (section and line).
 *
 * Intent follows BMAD's sections: Tasks, Dev Notes, "source tree components to touch" and
 * File List groups write; References, `[Source: ...]` citations and "do not modify" groups
 * read; the user story, acceptance criteria and the rest of the Dev Agent Record do not
 * claim anything. Resolving what a path names is the planner's job, not this module's.
 */
import type {
  Code,
  Heading,
  List,
  ListItem,
  Paragraph,
  Root,
  RootContent,
  Table,
  TableRow,
} from "mdast";
import { toString as textOf } from "mdast-util-to-string";
import { SKIP, visit } from "unist-util-visit";
import { normaliseTypedId } from "./keys.ts";
import { parseMarkdown } from "./markdown.ts";
import { type PathText, pathFromCode, pathsFromText, sourceCitations } from "./path-text.ts";
import { looksLikeTree, parseTree } from "./tree.ts";

export type Intent = "write" | "read";

export interface Evidence {
  /** Repo-relative file the evidence is in. */
  file: string;
  /** Heading chain, e.g. `Dev Notes > File List`. */
  section: string;
  line: number;
}

export interface PathMention extends PathText {
  intent: Intent;
  via: "code" | "link" | "text" | "tree" | "source";
  section: string;
  line: number;
}

export interface ComponentMention {
  /** The component's name as architecture.md spells it. */
  name: string;
  section: string;
  line: number;
}

export interface Dependency {
  /** What the prose says, normalised: `2.1`. */
  id: string;
  line: number;
  text: string;
}

export interface StoryDoc {
  /** From `# Story 1.2: Title`. */
  title?: string;
  headingId?: string;
  status?: { value: string; line: number };
  acceptanceCriteria: number;
  tasks: { done: number; total: number };
  sections: Array<{ title: string; depth: number; line: number }>;
  dependencies: Dependency[];
  mentions: PathMention[];
  componentMentions: ComponentMention[];
}

type Zone = "write" | "read" | "none";

/** Innermost heading first: the first rule that matches a heading decides its zone. */
const ZONE_RULES: Array<[RegExp, Zone]> = [
  [
    /file\s*list|files?\s+(changed|modified|created|touched|to\s+(create|modify|touch|change))/i,
    "write",
  ],
  [/source\s+tree|components?\s+to\s+touch|project\s+structure/i, "write"],
  [/references?|sources?\b|citations?|related\s+(docs|documents)/i, "read"],
  // What exists already, described for context: read, not written.
  [/context|background|current\s+state|overview|previous\s+stor(y|ies)|existing\s+code/i, "read"],
  [
    /^(story|user\s+story)$|acceptance\s+criteria|user[-\s]visible|change\s*log|completion\s+notes|debug\s+log|agent\s+model|qa\s+results|review|validation|retrospective|learnings|definition\s+of\s+done|success\s+metrics/i,
    "none",
  ],
  [/dev\s+agent\s+record/i, "none"],
  [
    /tasks?|subtasks|implementation|dev\s+notes|technical|architecture|design|notes|testing|approach|guidance/i,
    "write",
  ],
];

const DO_NOT_MODIFY =
  /do\s*n[o']t\s+(modify|touch|change|edit)|must\s+not\s+(be\s+)?(modif|chang|edit)|read[-\s]only|unchanged|untouched|reference\s+only/i;
const WRITE_VERB =
  /\b(create|add|update|implement|extend|write|edit|modify|change|replace|remove|delete)\b/i;
const WRITE_LABEL =
  /^\W*(create[ds]?|new(\s+files?)?|modif(y|ied)|updated?|changed?|added|delete[ds]?|removed?|renamed?|files?\s+(created|modified|changed|updated|added|deleted))\b/i;
const READ_VERB =
  /^\W*(?:(?:task|subtask|step)?\s*[\d.]+\s*[:.)-]\s*)?(read|review|study|see|refer\s+to|consult|understand|inspect|look\s+at|reuse|copy\s+pattern)\b/i;
const READ_CELL =
  /^(reuse|copy\s+pattern|reference|read|read[-\s]only|existing|do\s+not\s+modify)$/i;
const TREE_MARKER =
  /#\s*(new|create|modif|update|add|change|edit|touch)|←|<--|\(new\)|\(modified\)|\bNEW\b|\bMODIFY\b|\bUPDATE\b/i;

const DEPENDENCY =
  /\b(?:depends\s+on|dependent\s+on|dependency:?|dependencies:?|prerequisites?:?|pre-requisites?:?|requires\s+stor(?:y|ies)|builds\s+on(?:\s+top\s+of)?|blocked\s+by|after\s+stor(?:y|ies))\s*((?:(?:stor(?:y|ies)|and|&|,|\s)*\d+[a-z]?[.-]\d+[a-z]?(?:[.-]\d+[a-z]?)?\b)+)/gi;
const ID_IN_LIST = /\d+[a-z]?[.-]\d+[a-z]?(?:[.-]\d+[a-z]?)?/gi;

export interface ParseStoryOptions {
  /** Component names from architecture.md to look for in the story's writing sections. */
  componentNames?: readonly string[];
}

export function parseStory(text: string, options: ParseStoryOptions = {}): StoryDoc {
  const tree = parseMarkdown(text);
  const doc: StoryDoc = {
    acceptanceCriteria: 0,
    tasks: { done: 0, total: 0 },
    sections: [],
    dependencies: [],
    mentions: [],
    componentMentions: [],
  };
  const components = (options.componentNames ?? []).map((name) => ({
    name,
    pattern: new RegExp(`(^|[^\\w])${escapeRegExp(name)}($|[^\\w])`, "i"),
  }));

  const headings: Array<{ depth: number; title: string }> = [];
  let zone: Zone = "write";
  let group: Intent | undefined; // a sticky File List group (`**DO NOT MODIFY:**`), reset per heading
  const sectionName = () =>
    headings
      .filter((h) => h.depth > 1)
      .map((h) => h.title)
      .join(" > ") || "(top)";

  const add = (found: PathText, via: PathMention["via"], line: number, intent: Intent) => {
    doc.mentions.push({ ...found, via, intent, section: sectionName(), line });
  };

  visit(tree as Root, (node, _index, parent) => {
    const line = node.position?.start.line ?? 0;
    switch (node.type) {
      case "heading": {
        const heading = node as Heading;
        const title = textOf(heading).trim();
        while (headings.length > 0 && (headings.at(-1)?.depth ?? 0) >= heading.depth)
          headings.pop();
        headings.push({ depth: heading.depth, title });
        doc.sections.push({ title, depth: heading.depth, line });
        if (heading.depth === 1 && doc.title === undefined) {
          const match = /^story\s+([\w.-]+)\s*[:\-–—]\s*(.+)$/i.exec(title);
          doc.title = match?.[2]?.trim() ?? title;
          if (match?.[1]) doc.headingId = normaliseTypedId(match[1]);
        }
        zone = zoneOf(headings);
        group = DO_NOT_MODIFY.test(title) ? "read" : WRITE_LABEL.test(title) ? "write" : undefined;
        return SKIP;
      }
      case "paragraph": {
        const value = textOf(node as Paragraph);
        if (doc.status === undefined) {
          const status = /^\s*status:\s*([\w-]+)/i.exec(value);
          if (status?.[1]) doc.status = { value: status[1].toLowerCase(), line };
        }
        group = labelGroup(value, group);
        return undefined;
      }
      case "listItem": {
        const item = node as ListItem;
        const sectionTitles = headings.map((h) => h.title).join(" ");
        if (typeof item.checked === "boolean" && /task|subtask/i.test(sectionTitles)) {
          doc.tasks.total++;
          if (item.checked) doc.tasks.done++;
        }
        if (
          /acceptance\s+criteria/i.test(sectionTitles) &&
          parent?.type === "list" &&
          !isNested(parent as List, tree)
        ) {
          doc.acceptanceCriteria++;
        }
        return undefined;
      }
      case "tableRow": {
        const row = node as TableRow;
        const readRow = row.children.some((cell) => READ_CELL.test(textOf(cell).trim()));
        if (readRow && zone === "write") {
          for (const cell of row.children) collectInline(cell, "read");
          return SKIP;
        }
        return undefined;
      }
      case "table":
        if (/acceptance\s+criteria/i.test(headings.map((h) => h.title).join(" "))) {
          doc.acceptanceCriteria += Math.max(0, (node as Table).children.length - 1);
        }
        return undefined;
      case "code": {
        const code = node as Code;
        if (zone !== "none" && looksLikeTree(code.value)) collectTree(code, line);
        return SKIP;
      }
      case "text":
      case "inlineCode":
      case "link":
        collectNode(node as RootContent, line, intentHere(node as RootContent, parent));
        return node.type === "link" ? undefined : SKIP;
      default:
        return undefined;
    }
  });

  function intentHere(node: RootContent, parent: unknown): Intent | undefined {
    if (zone === "none") return undefined;
    if (zone === "read") return "read";
    if (group) return group;
    const paragraph = parent as { type?: string } | undefined;
    if (paragraph?.type === "paragraph") {
      const text = textOf(paragraph as Paragraph);
      if (READ_VERB.test(text) || saysDoNotModify(text)) return "read";
    }
    return node.type === "text" && DO_NOT_MODIFY.test((node as { value: string }).value)
      ? "read"
      : "write";
  }

  function collectNode(node: RootContent, line: number, intent: Intent | undefined) {
    // Citations count everywhere, as reads: they say where a fact comes from.
    if (node.type === "text") {
      for (const path of sourceCitations(node.value))
        add({ path, bare: false }, "source", line, "read");
    }
    if (intent === undefined) return;
    if (node.type === "inlineCode") {
      const found = pathFromCode(node.value);
      if (found) add(found, "code", line, intent);
    } else if (node.type === "link") {
      const found = /^[a-z][\w+.-]*:|^#/i.test(node.url)
        ? undefined
        : pathFromCode(decodeURI(node.url));
      if (found) add(found, "link", line, intent);
    } else if (node.type === "text") {
      const withoutCitations = node.value.replace(/\[Source:[^\]]*\]/gi, " ");
      for (const found of pathsFromText(withoutCitations)) add(found, "text", line, intent);
      if (intent === "write") findComponents(withoutCitations, line);
    }
  }

  function collectInline(root: RootContent, intent: Intent) {
    visit(root, (child) => {
      if (child.type === "text" || child.type === "inlineCode" || child.type === "link") {
        collectNode(child as RootContent, child.position?.start.line ?? 0, intent);
      }
    });
  }

  function collectTree(code: Code, line: number) {
    const entries = parseTree(code.value);
    const lines = code.value.split("\n");
    const marked = lines.some((l) => TREE_MARKER.test(l));
    const parents = new Set(entries.map((e) => e.path.replace(/[^/]+\/?$/, "")));
    for (const entry of entries) {
      const source = lines[entry.lineIndex] ?? "";
      if (marked ? !TREE_MARKER.test(source) : parents.has(entry.path)) continue;
      const intent: Intent =
        zone === "read" || DO_NOT_MODIFY.test(source) ? "read" : (group ?? "write");
      doc.mentions.push({
        path: entry.path,
        bare: false,
        via: "tree",
        intent,
        section: sectionName(),
        line: line + 1 + entry.lineIndex,
      });
    }
  }

  function findComponents(value: string, line: number) {
    for (const component of components) {
      if (component.pattern.test(value)) {
        doc.componentMentions.push({ name: component.name, section: sectionName(), line });
      }
    }
  }

  doc.dependencies = findDependencies(text, doc.headingId);
  return doc;
}

/**
 * "`x.ts` is finished and must stay untouched": a paragraph that forbids changes, with no
 * writing verb before the prohibition, makes the paths in it reads.
 */
function saysDoNotModify(text: string): boolean {
  const match = DO_NOT_MODIFY.exec(text);
  return match !== null && !WRITE_VERB.test(text.slice(0, match.index));
}

function zoneOf(headings: Array<{ title: string }>): Zone {
  for (let i = headings.length - 1; i >= 0; i--) {
    const title = headings[i]?.title ?? "";
    for (const [pattern, zone] of ZONE_RULES) if (pattern.test(title)) return zone;
  }
  return headings.length <= 1 ? "none" : "write";
}

/** A short label like `**Created:**` or `DO NOT MODIFY:` switches the group that follows. */
function labelGroup(value: string, current: Intent | undefined): Intent | undefined {
  const label = value.trim();
  const isLabel = label.length <= 60 && (/:\s*$/.test(label) || /^[A-Z\s/()-]+$/.test(label));
  if (DO_NOT_MODIFY.test(label) && (isLabel || /^\W*do\s*n[o']t/i.test(label)))
    return isLabel ? "read" : current;
  if (WRITE_LABEL.test(label) && isLabel) return "write";
  return current;
}

function isNested(list: List, root: Root): boolean {
  return !root.children.includes(list as RootContent);
}

function findDependencies(text: string, selfId: string | undefined): Dependency[] {
  const found = new Map<string, Dependency>();
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") lineStarts.push(i + 1);
  for (const match of text.matchAll(DEPENDENCY)) {
    const index = match.index ?? 0;
    let line = 1;
    while (line < lineStarts.length && (lineStarts[line] ?? Infinity) <= index) line++;
    for (const idMatch of (match[1] ?? "").matchAll(ID_IN_LIST)) {
      const id = normaliseTypedId(idMatch[0]);
      if (id !== selfId && !found.has(id)) found.set(id, { id, line, text: match[0].trim() });
    }
  }
  return [...found.values()];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
