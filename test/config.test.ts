import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { athenaJsonSchemaText } from "../src/config/json-schema.ts";
import { loadConfig, parseAthenaJson } from "../src/config/load.ts";
import { InputError } from "../src/util/errors.ts";
import { REPO, tempProject } from "./helpers/tmp.ts";

const noGlobal = (dir: string) => ({ HOME: dir, XDG_CONFIG_HOME: path.join(dir, "xdg") });

describe("athena.schema.json", () => {
  it("is exactly what the zod schema generates (run `npm run schema` after changing it)", () => {
    expect(readFileSync(path.join(REPO, "athena.schema.json"), "utf8")).toBe(
      athenaJsonSchemaText(),
    );
  });
});

describe("loadConfig", () => {
  it("gives the defaults when no file exists", () => {
    const dir = tempProject({});
    const { config, sources } = loadConfig(dir, { env: noGlobal(dir) });
    expect(config.parallel.maxConcurrentStories).toBe(3);
    expect(config.parallel.conflictStrategy).toBe("prevent");
    expect(config.parallel.sharedFiles).toContain("**/package.json");
    expect(sources).toEqual([]);
  });

  it("merges global < athena.json < .opencode/athena.json < plugin options, key by key", () => {
    const dir = tempProject({
      "xdg/opencode/athena.json": JSON.stringify({
        parallel: { maxConcurrentStories: 5, testCommand: "global" },
      }),
      "athena.json": JSON.stringify({
        parallel: { maxConcurrentStories: 4, conflictStrategy: "coordinate" },
      }),
      ".opencode/athena.json": JSON.stringify({
        parallel: { maxConcurrentStories: 2 },
        bmad: { paths: { stories: "docs/stories" } },
      }),
    });
    const { config, sources } = loadConfig(dir, {
      env: noGlobal(dir),
      pluginOptions: { autoRunTests: true },
    });
    expect(config.parallel).toMatchObject({
      maxConcurrentStories: 2,
      conflictStrategy: "coordinate",
      testCommand: "global",
      autoRunTests: true,
    });
    expect(config.bmadPaths.stories).toBe("docs/stories");
    expect(sources).toHaveLength(4);
    expect(sources.at(-1)).toBe("plugin options");
  });

  it("lets keys owned by other tools pass through", () => {
    const data = parseAthenaJson(
      JSON.stringify({
        version: "1",
        features: { x: true },
        parallel: { maxConcurrentStories: 2 },
      }),
      "athena.json",
    );
    expect((data as Record<string, unknown>).features).toEqual({ x: true });
  });

  it("warns of a key one edit from ours where other tools' keys pass through, with its line", () => {
    const dir = tempProject({
      "athena.json": `${JSON.stringify(
        {
          paralel: { maxConcurrentStories: 2 },
          features: { x: true },
          bmad: { pathz: {}, paths: { sprintstatus: "s.yaml", stories: "docs/stories", prd: "p" } },
        },
        null,
        2,
      )}\n`,
    });
    const { config, warnings } = loadConfig(dir, { env: noGlobal(dir) });
    const file = path.join(dir, "athena.json");
    expect(warnings).toEqual([
      `${file}:2: unknown key "paralel" ignored; did you mean "parallel"?`,
      `${file}:9: unknown key "bmad.pathz" ignored; did you mean "bmad.paths"?`,
      `${file}:11: unknown key "bmad.paths.sprintstatus" ignored; did you mean "bmad.paths.sprintStatus"?`,
    ]);
    // Ignored indeed: the defaults hold; another tool's key (`features`) is no typo.
    expect(config.parallel.maxConcurrentStories).toBe(3);
    expect(config.bmadPaths.stories).toBe("docs/stories");
  });

  it("names the file, the line and the closest key for an unknown key in `parallel`", () => {
    const text = '{\n  "parallel": {\n    "maxConcurentStories": 2\n  }\n}\n';
    const error = catchError(() => parseAthenaJson(text, "/p/athena.json"));
    expect(error.file).toBe("/p/athena.json");
    expect(error.line).toBe(3);
    expect(error.message).toContain('unknown key "parallel.maxConcurentStories"');
    expect(error.message).toContain('did you mean "maxConcurrentStories"');
  });

  it("names the line of a value of the wrong type", () => {
    const text = '{\n  "parallel": {\n    "conflictStrategy": "yolo"\n  }\n}\n';
    const error = catchError(() => parseAthenaJson(text, "athena.json"));
    expect(error.line).toBe(3);
    expect(error.message).toContain("parallel.conflictStrategy");
  });

  it("names the line and column of a JSON syntax error", () => {
    const error = catchError(() => parseAthenaJson('{\n  "parallel": {,\n}', "athena.json"));
    expect(error.line).toBe(2);
    expect(error.column).toBeGreaterThan(1);
    expect(error.format()).toMatch(/^athena\.json:2:\d+: not valid JSON/);
  });

  it("finds a syntax error's place itself, whatever the JS engine says (Bun's message has none)", () => {
    const text = '{\n  // our settings\n  "parallel": { "maxConcurrentStories": 2, },\n}\n';
    // OpenCode runs on Bun, whose JSON.parse throws without a position.
    const bun = vi.spyOn(JSON, "parse").mockImplementation(() => {
      throw new SyntaxError("JSON Parse error: Unrecognized token '/'");
    });
    let error: InputError;
    try {
      error = catchError(() => parseAthenaJson(text, "athena.json"));
    } finally {
      bun.mockRestore();
    }
    expect(error.format()).toBe(
      "athena.json:2:3: not valid JSON: a comment (athena.json is plain JSON, as opencode-athena reads it: no comments)",
    );
    const comma = catchError(() =>
      parseAthenaJson('{\n  "parallel": {\n    "maxConcurrentStories": 2,\n  }\n}', "athena.json"),
    );
    expect(comma.format()).toBe(
      "athena.json:4:3: not valid JSON: a comma before a closing bracket (plain JSON has no trailing commas)",
    );
    const deep = catchError(() => parseAthenaJson("[".repeat(200_000), "athena.json"));
    expect(deep.format()).toBe("athena.json: not valid JSON (nested too deep to say where)");
  });

  it("rejects bad plugin options with a clear origin", () => {
    const dir = tempProject({});
    const error = catchError(() =>
      loadConfig(dir, { env: noGlobal(dir), pluginOptions: { maxConcurrentStories: 0 } }),
    );
    expect(error.file).toBe("plugin options (opencode.json)");
    expect(error.message).toContain("maxConcurrentStories");
  });
});

function catchError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("expected an InputError");
}
