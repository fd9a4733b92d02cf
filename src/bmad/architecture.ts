/**
 * architecture.md (single or sharded) as the planner needs it: the tree of paths it draws
 * (the "known tree", with the project's own root folder removed) and its components, each a
 * name and the paths it owns.
 *
 * A component is (a) a heading of level 3 or deeper whose own text names paths
 * (`#### Auth Service` ... owns `src/auth/`), (b) a table row whose first cell is a name and
 * whose other cells name paths, or (c) a list item `Name: paths` / `Epic 2: Name -
 * Components: paths` in a requirements-to-structure mapping. An epic number in the name
 * (`Epic 2`) ties the component to every story of that epic.
 */
import type { Code, Heading, ListItem, Paragraph, TableRow } from "mdast";
import { toString as textOf } from "mdast-util-to-string";
import { SKIP, visit } from "unist-util-visit";
import { append } from "../util/append.ts";
import { parseMarkdown } from "./markdown.ts";
import { expandBraces, type PathText, pathFromCode, pathsFromText } from "./path-text.ts";
import { looksLikeTree, parseTree, stripProjectRoot } from "./tree.ts";

export interface ArchPath extends PathText {
  file: string;
  line: number;
}

export interface Component {
  name: string;
  /** Epic ids (`2`, `3.5`) the component is mapped to, if its name says so. */
  epics: string[];
  paths: ArchPath[];
  file: string;
  line: number;
}

export interface ArchitectureDoc {
  files: string[];
  /** Every path the trees draw; folders end with `/`. */
  tree: ArchPath[];
  components: Component[];
}

const MAPPING_SECTION = /mapping|components?|boundar|modules?|services?|structure/i;

/** A heading section naming more paths than this is a listing, not a component. */
const MAX_COMPONENT_PATHS = 40;

export function parseArchitecture(
  docs: Array<{ file: string; text: string }>,
  projectName?: string,
  /** The project's top-level folders (`src/`) and files: a drawn root over them is the project. */
  topLevel: readonly string[] = [],
): ArchitectureDoc {
  const result: ArchitectureDoc = { files: docs.map((d) => d.file), tree: [], components: [] };
  for (const { file, text } of docs) parseOne(file, text, projectName, topLevel, result);
  result.components = result.components.filter(isComponent);
  return result;
}

function parseOne(
  file: string,
  text: string,
  projectName: string | undefined,
  topLevel: readonly string[],
  out: ArchitectureDoc,
) {
  const tree = parseMarkdown(text);
  let current: Component | undefined;
  // List items become components only inside a mapping or boundaries section.
  let inMapping = false;

  visit(tree, (node) => {
    const line = node.position?.start.line ?? 0;
    if (node.type === "heading") {
      const heading = node as Heading;
      const name = cleanName(textOf(heading));
      if (heading.depth <= 3) inMapping = MAPPING_SECTION.test(name);
      current = heading.depth >= 3 ? newComponent(name, file, line) : undefined;
      if (current) out.components.push(current);
      return SKIP;
    }
    if (node.type === "code") {
      const code = node as Code;
      if (!looksLikeTree(code.value)) return SKIP;
      const entries = stripProjectRoot(parseTree(code.value), projectName, topLevel);
      for (const entry of entries) {
        // A tree drawn from the user's home (`~/.app/config.json`, what the program creates
        // at run time) is no part of the project: a story's bare `config.json` must not
        // resolve to it, nor a claim be made on it. (`parseTree` already lifts the entries of
        // an absolute root to the top, as a checkout drawn from `/app/`.)
        if (OUTSIDE_TREE.test(entry.path)) continue;
        const path = { path: entry.path, bare: false, file, line: line + 1 + entry.lineIndex };
        // A drawn tree is the project's structure, not what the section's component owns.
        out.tree.push(path);
      }
      return SKIP;
    }
    if (node.type === "tableRow") {
      const [first, ...rest] = (node as TableRow).children;
      const paths = rest.flatMap((cell) => pathsIn(cell, file));
      if (first && paths.length > 0) {
        const component = newComponent(cleanName(textOf(first)), file, line);
        append(component.paths, paths);
        out.components.push(component);
      }
      return SKIP;
    }
    if (node.type === "listItem") {
      const item = node as ListItem;
      const lead = item.children[0];
      const leadText = lead?.type === "paragraph" ? textOf(lead as Paragraph) : "";
      // `Epic 2: Reminders - Components: paths` names "Epic 2 Reminders"; `Name: paths` names "Name".
      const label =
        /^\s*(epic\s+\d+[a-z]?(?:\.\d+[a-z]?)?\s*:\s*[^:`]{2,80}?)\s*[-–—]\s*components?\s*:\s*\S/i.exec(
          leadText,
        ) ?? /^\s*([^:`]{3,80}?)\s*(?:[-–—]\s*components?\s*)?:\s*\S/i.exec(leadText);
      const paths = pathsIn(item, file);
      const mapping = inMapping || /\bepic\b/i.test(label?.[1] ?? "");
      if (label?.[1] && paths.length > 0 && mapping) {
        const component = newComponent(cleanName(label[1]), file, line);
        append(component.paths, paths);
        out.components.push(component);
        // A mapping's entries are components of their own: the section holding them is not one.
        return SKIP;
      }
      if (current) append(current.paths, paths);
      return SKIP;
    }
    if (node.type === "paragraph") {
      if (current) append(current.paths, pathsIn(node, file));
      return SKIP;
    }
    return undefined;
  });
}

/**
 * Names are matched in stories as written (case-sensitive, whole words), so a one-word name
 * (`Location`, `Logging`) would match prose by accident: a component has two to six words.
 */
function isComponent(component: Component): boolean {
  const words = component.name.split(/\s+/).filter((w) => /\w/.test(w)).length;
  return (
    component.paths.length > 0 &&
    component.paths.length <= MAX_COMPONENT_PATHS &&
    words >= 2 &&
    words <= 6
  );
}

function newComponent(label: string, file: string, line: number): Component {
  // `Epic 2B` as the sprint's `epic-2B` is read: epic 2b.
  const epics = [...label.matchAll(/\bepic\s+(\d+[a-z]?(?:\.\d+[a-z]?)?)/gi)].map((m) =>
    (m[1] ?? "").toLowerCase(),
  );
  // The name a story would use: "Reminders" from "Epic 2: Reminders".
  const name = label.replace(/^\s*epic\s+\d+[a-z]?(?:\.\d+[a-z]?)?\s*:\s*/i, "").trim() || label;
  return { name, epics, paths: [], file, line };
}

/** A drawn path outside the project: under the user's home, or climbing out of the root. */
const OUTSIDE_TREE = /^~|^\.\.(?:\/|$)/;

function cleanName(text: string): string {
  return text
    .replace(/\(([^)]*)\)/g, " ")
    .replace(/[*_`✅❌]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

function pathsIn(node: Parameters<typeof textOf>[0], file: string): ArchPath[] {
  const found: ArchPath[] = [];
  visit(node as Paragraph, (child) => {
    const line = child.position?.start.line ?? 0;
    // Components own concrete project paths: bare names, globs and outside paths say too little.
    const keep = (found: PathText | undefined) =>
      (found ? expandBraces(found) : []).flatMap((path) =>
        !path.bare && !/^[~/]|^[A-Za-z]:\/|[*?{]/.test(path.path) ? [{ ...path, file, line }] : [],
      );
    if (child.type === "inlineCode") append(found, keep(pathFromCode(child.value)));
    else if (child.type === "text") append(found, pathsFromText(child.value).flatMap(keep));
  });
  return found;
}
