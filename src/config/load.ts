/**
 * Loads `athena.json` from every place it may be and merges them, lowest first:
 * global (`$XDG_CONFIG_HOME/opencode/athena.json`) < `athena.json` at the project root <
 * `.opencode/athena.json` < the plugin options given in `opencode.json`'s tuple form.
 *
 * A file that is not JSON, or whose `parallel` block holds an unknown key or a wrong value,
 * is an InputError naming the file, the line and the closest valid key.
 */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { distance } from "fastest-levenshtein";
import { type ParseError, parse, printParseErrorCode } from "jsonc-parser";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { InputError } from "../util/errors.ts";
import { suggest } from "../util/suggest.ts";
import {
  type AthenaConfig,
  AthenaFile,
  BmadPaths,
  PARALLEL_KEYS,
  ParallelConfig,
} from "./schema.ts";

export interface ConfigSource {
  /** The file read, or `plugin options`. */
  origin: string;
  data: AthenaFile;
}

export interface LoadedConfig {
  config: AthenaConfig;
  /** Where each layer came from, lowest precedence first (for the report). */
  sources: string[];
  /**
   * Keys that look like typos of ours where other tools' keys are allowed (`paralel`,
   * `bmad.pathz`, `bmad.paths.sprintstatus`): ignored, and said so.
   */
  warnings: string[];
}

export interface LoadConfigOptions {
  /** Plugin options from the tuple form in opencode.json: `parallel` keys, flat, and/or `bmad`. */
  pluginOptions?: Record<string, unknown> | undefined;
  /** Defaults to `process.env`; tests pass their own. */
  env?: NodeJS.ProcessEnv;
}

/** The global OpenCode config folder, as OpenCode itself resolves it. */
export function globalConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME || path.join(env.HOME || homedir(), ".config");
  return path.join(base, "opencode");
}

export function configFiles(projectDir: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return [
    path.join(globalConfigDir(env), "athena.json"),
    path.join(projectDir, "athena.json"),
    path.join(projectDir, ".opencode", "athena.json"),
  ];
}

export function loadConfig(projectDir: string, options: LoadConfigOptions = {}): LoadedConfig {
  const layers: ConfigSource[] = [];
  const warnings: string[] = [];
  for (const file of configFiles(projectDir, options.env)) {
    const text = readIfExists(file);
    if (text === undefined) continue;
    const data = parseAthenaJson(text, file);
    layers.push({ origin: file, data });
    for (const typo of likelyTypos(data))
      warnings.push(`${file}:${lineOfKey(text, typo.path) ?? 1}: ${typo.message}`);
  }
  if (options.pluginOptions && Object.keys(options.pluginOptions).length > 0) {
    const data = pluginOptionsToFile(options.pluginOptions);
    layers.push({ origin: "plugin options", data });
    for (const typo of likelyTypos(data))
      warnings.push(`plugin options (opencode.json): ${typo.message}`);
  }
  return {
    config: mergeLayers(layers.map((l) => l.data)),
    sources: layers.map((l) => l.origin),
    warnings,
  };
}

/** Our keys where unknown keys pass through (they may be another tool's), by where they sit. */
const OWN_KEYS: ReadonlyArray<{ at: string[]; keys: readonly string[] }> = [
  { at: [], keys: ["bmad", "parallel"] },
  { at: ["bmad"], keys: ["paths"] },
  { at: ["bmad", "paths"], keys: Object.keys(BmadPaths.shape) },
];

/**
 * Unknown keys one small edit from one of ours (or the same but for case): almost surely a
 * typo that would otherwise be ignored without a word. Keys further from ours are left alone:
 * the file is shared with opencode-athena.
 */
export function likelyTypos(data: AthenaFile): Array<{ path: string[]; message: string }> {
  const out: Array<{ path: string[]; message: string }> = [];
  for (const { at, keys } of OWN_KEYS) {
    const object = at.reduce<unknown>(
      (node, key) => (node && typeof node === "object" ? Reflect.get(node, key) : undefined),
      data,
    );
    if (!object || typeof object !== "object") continue;
    for (const key of Object.keys(object)) {
      if (keys.includes(key)) continue;
      const meant = keys.find((own) => isNearMiss(key, own));
      if (meant === undefined) continue;
      const where = [...at, key].join(".");
      out.push({
        path: [...at, key],
        message: `unknown key "${where}" ignored; did you mean "${[...at, meant].join(".")}"?`,
      });
    }
  }
  return out;
}

function isNearMiss(typed: string, own: string): boolean {
  const a = typed.toLowerCase();
  const b = own.toLowerCase();
  return a === b || distance(a, b) <= Math.max(1, Math.floor(b.length / 4));
}

/** Later layers win key by key; arrays and records are replaced whole. */
export function mergeLayers(layers: AthenaFile[]): AthenaConfig {
  const parallel: Record<string, unknown> = {};
  const bmadPaths: Record<string, unknown> = {};
  for (const layer of layers) {
    Object.assign(parallel, layer.parallel);
    Object.assign(bmadPaths, layer.bmad?.paths);
  }
  return { parallel: ParallelConfig.parse(parallel), bmadPaths };
}

/**
 * Parses and validates one athena.json text; `file` names it in errors. Plain JSON, without
 * comments or trailing commas: opencode-athena reads the same file with `JSON.parse` and
 * ignores the whole file when it fails.
 */
export function parseAthenaJson(text: string, file: string): AthenaFile {
  const json = text.replace(/^\uFEFF/, "");
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw jsonSyntaxError(json, file);
  }
  const result = AthenaFile.safeParse(raw);
  if (result.success) return onlyKeysSet(result.data, raw);
  throw issueToError(result.error.issues[0], text, file);
}

/**
 * Validation fills in defaults, but a layer must only carry the keys it sets, or a later
 * layer's defaults would undo an earlier layer's values when they are merged.
 */
function onlyKeysSet(data: AthenaFile, raw: unknown): AthenaFile {
  const set = (raw as { parallel?: object } | null)?.parallel;
  if (!data.parallel || !set) return data;
  const keys = new Set(Object.keys(set));
  const parallel = Object.fromEntries(
    Object.entries(data.parallel).filter(([key]) => keys.has(key)),
  );
  return { ...data, parallel };
}

function pluginOptionsToFile(options: Record<string, unknown>): AthenaFile {
  const { bmad, parallel, ...flat } = options;
  const candidate = { bmad, parallel: { ...(parallel as object | undefined), ...flat } };
  const result = AthenaFile.safeParse(candidate);
  if (result.success) return onlyKeysSet(result.data, candidate);
  throw issueToError(result.error.issues[0], undefined, "plugin options (opencode.json)");
}

function issueToError(
  issue: z.core.$ZodIssue | undefined,
  text: string | undefined,
  file: string,
): InputError {
  if (!issue) return new InputError("invalid configuration", file);
  const keyPath = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0] ?? "";
    const where = [...keyPath, key];
    const near = keyPath.at(-1) === "parallel" ? suggest(key, PARALLEL_KEYS, 1) : [];
    const hint = near.length > 0 ? `; did you mean "${near[0]}"?` : "";
    const line = text === undefined ? undefined : lineOfKey(text, where);
    return new InputError(`unknown key "${where.join(".")}"${hint}`, file, line);
  }
  const line = text === undefined ? undefined : lineOfKey(text, keyPath);
  return new InputError(`"${keyPath.join(".")}": ${issue.message}`, file, line);
}

/** The 1-based line of a key path in a JSON text (JSON is YAML, and yaml keeps positions). */
function lineOfKey(text: string, keyPath: string[]): number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  for (let depth = keyPath.length; depth > 0; depth--) {
    const node = doc.getIn(keyPath.slice(0, depth), true) as { range?: [number] } | undefined;
    if (node?.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Where and why a text is not JSON, found by jsonc-parser: the JS engine's message cannot be
 * relied on (Node names a position, Bun, OpenCode's runtime, names none) and words it its own way.
 */
export function jsonSyntaxError(text: string, file: string): InputError {
  const errors: ParseError[] = [];
  try {
    parse(text, errors, { disallowComments: true, allowTrailingComma: false });
  } catch {
    // Its parser recurses: nesting thousands deep runs out of stack before it says where.
    return new InputError("not valid JSON (nested too deep to say where)", file);
  }
  const first = errors[0];
  if (!first) return new InputError("not valid JSON", file);
  const before = text.slice(0, first.offset).split("\n");
  const column = (before.at(-1)?.length ?? 0) + 1;
  return new InputError(`not valid JSON: ${jsonProblem(text, first)}`, file, before.length, column);
}

/** The syntax error in words, with what plain JSON does not allow said so. */
function jsonProblem(text: string, error: ParseError): string {
  const code = printParseErrorCode(error.error);
  if (code === "InvalidCommentToken" || code === "UnexpectedEndOfComment")
    return "a comment (athena.json is plain JSON, as opencode-athena reads it: no comments)";
  const closing = /^[}\]]/.test(text.slice(error.offset));
  if (closing && /,\s*$/.test(text.slice(0, error.offset)))
    return "a comma before a closing bracket (plain JSON has no trailing commas)";
  return JSON_PROBLEMS[code] ?? code;
}

const JSON_PROBLEMS: Readonly<Record<string, string>> = {
  InvalidSymbol: "unexpected text",
  InvalidNumberFormat: "a malformed number",
  PropertyNameExpected: "a property name in double quotes expected",
  ValueExpected: "a value expected",
  ColonExpected: "':' expected",
  CommaExpected: "',' expected",
  CloseBraceExpected: "'}' expected",
  CloseBracketExpected: "']' expected",
  EndOfFileExpected: "text after the end of the JSON value",
  UnexpectedEndOfString: "a string not closed",
  UnexpectedEndOfNumber: "a number cut short",
  InvalidUnicode: "a malformed \\u escape",
  InvalidEscapeCharacter: "a malformed escape",
  InvalidCharacter: "a control character inside a string",
};

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new InputError(`cannot read: ${(error as Error).message}`, file);
  }
}
