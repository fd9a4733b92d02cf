/**
 * Turns a story's path mentions into claims: normalised, repo-relative, resolved against the
 * known tree, with BMAD's own files, ignored paths and paths that leave the project taken
 * out (the last ones become findings, never claims). Components the story names, and those
 * its epic is mapped to, add the component's paths as claims of origin `component`.
 */
import path from "node:path";
import picomatch from "picomatch";
import type { Component } from "../bmad/architecture.ts";
import type { ComponentMention, Evidence, PathMention, StoryDoc } from "../bmad/story.ts";
import type { KnownTree } from "./known-tree.ts";
import type { Claim, ClaimKind, Finding } from "./types.ts";

export interface ClaimContext {
  /** Absolute project root: an absolute path inside it is made relative, any other leaves. */
  root: string;
  known: KnownTree;
  /** BMAD's own files and folders (sprint file, story files, planning docs, the `_bmad` folders). */
  isArtefact: (repoPath: string) => boolean;
  /** athena.json `ignorePaths`. */
  isIgnored: (repoPath: string) => boolean;
  components: Component[];
}

export interface StoryClaims {
  claims: Claim[];
  findings: Finding[];
  warnings: string[];
}

type Normalised = { inside: true; path: string } | { inside: false; path: string };

/** Repo-relative posix path, or the reason it is not one. */
export function normaliseRepoPath(raw: string, root: string): Normalised {
  const p = raw.replace(/\\/g, "/");
  if (p.startsWith("~")) return { inside: false, path: p };
  let relative = p;
  if (p.startsWith("/")) {
    const rootPosix = root.replace(/\\/g, "/").replace(/\/$/, "");
    if (!p.startsWith(`${rootPosix}/`)) return { inside: false, path: p };
    relative = p.slice(rootPosix.length + 1);
  }
  const slash = relative.endsWith("/");
  const normal = path.posix.normalize(relative);
  if (normal === ".." || normal.startsWith("../")) return { inside: false, path: p };
  if (normal === "." || normal === "./") return { inside: false, path: p };
  return { inside: true, path: normal.replace(/\/$/, "") + (slash ? "/" : "") };
}

export function kindOf(p: string): ClaimKind {
  if (picomatch.scan(p).isGlob) return "glob";
  return p.endsWith("/") ? "dir" : "file";
}

export function claimsForStory(
  key: string,
  storyFile: string,
  epic: string | undefined,
  doc: StoryDoc,
  context: ClaimContext,
): StoryClaims {
  const out: StoryClaims = { claims: [], findings: [], warnings: [] };
  const evidence = (m: { section: string; line: number }): Evidence => ({
    file: storyFile,
    section: m.section,
    line: m.line,
  });

  for (const mention of doc.mentions) addMention(mention, evidence(mention), "story", undefined);
  // An epic's mapping predicts files only for a story that names none of its own: stories that
  // do name files say more precisely what they touch (and would otherwise all collide).
  const namesFiles = out.claims.some((c) => c.intent === "write");

  const named = new Map<string, ComponentMention>();
  for (const mention of doc.componentMentions)
    if (!named.has(mention.name)) named.set(mention.name, mention);
  for (const component of context.components) {
    const mention = named.get(component.name);
    const byEpic = !namesFiles && epic !== undefined && component.epics.includes(epic);
    if (!mention && !byEpic) continue;
    const where = `${component.file}:${component.line}`;
    const note = mention
      ? `component "${component.name}" (${where})`
      : `epic ${epic} mapping "${component.name}" (${where})`;
    const ev: Evidence = mention
      ? evidence(mention)
      : { file: component.file, section: component.name, line: component.line };
    for (const p of component.paths) {
      addMention(
        { ...p, intent: "write", via: "code", section: ev.section, line: ev.line },
        ev,
        "component",
        note,
      );
    }
  }

  out.claims = dedupe(out.claims);
  return out;

  function addMention(
    mention: PathMention,
    ev: Evidence,
    origin: Claim["origin"],
    note: string | undefined,
  ) {
    const normal = normaliseRepoPath(mention.path, context.root);
    if (!normal.inside) {
      out.findings.push({
        story: key,
        path: mention.path,
        reason: "outside-project",
        evidence: ev,
        detail: `\`${mention.path}\` leaves the project: reported, never locked or followed`,
      });
      return;
    }
    const resolved = resolve(normal.path, mention.bare, ev);
    if (!resolved) return;
    if (
      context.isArtefact(resolved.path) ||
      context.isIgnored(resolved.path) ||
      resolved.path === storyFile
    )
      return;
    const notes = [note, resolved.note].filter(Boolean).join("; ");
    out.claims.push({
      path: resolved.path,
      kind: kindOf(resolved.path),
      intent: mention.intent,
      origin,
      evidence: ev,
      ...(notes ? { note: notes } : {}),
    });
  }

  /** The known path a mention names; bare mentions that name nothing known are dropped. */
  function resolve(
    p: string,
    bare: boolean,
    ev: Evidence,
  ): { path: string; note?: string } | undefined {
    if (kindOf(p) === "glob") return { path: p };
    const known = context.known.resolve(p);
    if (!known) return bare ? undefined : { path: p };
    if (known.candidates) {
      const some = known.candidates.slice(0, 5).join(", ");
      out.warnings.push(
        `${ev.file}:${ev.line}: \`${p}\` could be ${some}${known.candidates.length > 5 ? ", ..." : ""}; claimed as written`,
      );
    }
    return known.resolvedFrom
      ? { path: known.path, note: `resolved from \`${known.resolvedFrom}\`` }
      : { path: known.path };
  }
}

/** One claim per path: a write beats a read, a story mention beats a component one. */
function dedupe(claims: Claim[]): Claim[] {
  const best = new Map<string, Claim>();
  const rank = (c: Claim) => (c.intent === "write" ? 2 : 0) + (c.origin === "story" ? 1 : 0);
  for (const claim of claims) {
    const current = best.get(claim.path);
    if (!current || rank(claim) > rank(current)) best.set(claim.path, claim);
  }
  return [...best.values()];
}
