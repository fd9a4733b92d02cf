/**
 * A synthetic BMAD project of realistic size (stable layout), deterministic from a seed:
 * story files of 10 to 20 KB, a ~250 KB architecture.md, a sprint of any size.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

const WORDS =
  "the story adds a small service that reads the config and writes results to the store while the handler keeps the api stable for callers and the tests cover every edge".split(
    " ",
  );

export interface Generated {
  root: string;
  keys: string[];
  ready: string[];
  /** The done stories (every one has a File List): what the planner learns from. */
  done: string[];
}

export function generateProject(
  root: string,
  options: { stories: number; ready: number; seed?: number },
): Generated {
  const random = prng(options.seed ?? 42);
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)] as T;
  const prose = (words: number) => Array.from({ length: words }, () => pick(WORDS)).join(" ");
  const modules = Array.from({ length: 60 }, (_, i) => `module${i}`);
  const impl = path.join(root, "_bmad-output/implementation-artifacts");
  const planning = path.join(root, "_bmad-output/planning-artifacts");
  mkdirSync(impl, { recursive: true });
  mkdirSync(planning, { recursive: true });
  mkdirSync(path.join(root, "_bmad/bmm"), { recursive: true });
  writeFileSync(
    path.join(root, "_bmad/bmm/config.yaml"),
    "implementation_artifacts: '{project-root}/_bmad-output/implementation-artifacts'\nplanning_artifacts: '{project-root}/_bmad-output/planning-artifacts'\n",
  );

  const keys: string[] = [];
  const sprint = ["# STATUS DEFINITIONS: kept on every write", "development_status:"];
  for (let i = 0; i < options.stories; i++) {
    const epic = Math.floor(i / 10) + 1;
    const story = (i % 10) + 1;
    if (story === 1) sprint.push(`  # Epic ${epic}`, `  epic-${epic}: in-progress`);
    const key = `${epic}-${story}-story-${i}`;
    keys.push(key);
    sprint.push(`  ${key}: ${i < options.ready ? "ready-for-dev" : "done"}`);
    const files = Array.from(
      { length: 3 + Math.floor(random() * 4) },
      () => `src/${pick(modules)}/file${Math.floor(random() * 8)}.ts`,
    );
    const tasks = files
      .map(
        (f, t) =>
          `- [ ] Task ${t + 1}: change \`${f}\` (AC: ${t + 1})\n  - [ ] ${prose(12)}\n  - [ ] ${prose(10)}`,
      )
      .join("\n");
    let body = `# Story ${epic}.${story}: ${prose(3)}\n\nStatus: ${i < options.ready ? "ready-for-dev" : "done"}\n\n## Story\n\nAs a user, ${prose(30)}.\n\n## Acceptance Criteria\n\n${Array.from({ length: 5 }, (_, a) => `${a + 1}. ${prose(25)}`).join("\n")}\n\n## Tasks / Subtasks\n\n${tasks}\n\n## Dev Notes\n\n- Source tree components to touch: ${files.map((f) => `\`${f}\``).join(", ")}\n\n| Item | Action | Source |\n| --- | --- | --- |\n| ${pick(modules)} | REUSE | \`src/${pick(modules)}/index.ts\` |\n\n\`\`\`go\nfunc Example() error {\n  return nil // ${prose(8)}\n}\n\`\`\`\n\n### References\n\n- [Source: _bmad-output/planning-artifacts/architecture.md#${pick(modules)} Service]\n\n`;
    const target = 10_000 + Math.floor(random() * 10_000);
    while (body.length < target) body += `${prose(40)}.\n\n`;
    body += `## Dev Agent Record\n\n### File List\n\n${files.map((f) => `- \`${f}\``).join("\n")}\n`;
    writeFileSync(path.join(impl, `${key}.md`), body);
  }
  writeFileSync(path.join(impl, "sprint-status.yaml"), `${sprint.join("\n")}\n`);

  const tree = ["```", "benchproj/", "├── package.json"];
  for (const m of modules) {
    tree.push(`├── src/${m}/`);
    for (let f = 0; f < 8; f++) tree.push(`│   ├── file${f}.ts      # ${prose(4)}`);
  }
  tree.push("```");
  let arch = `# Architecture\n\n## Project Structure & Boundaries\n\n### Complete Project Directory Structure\n\n${tree.join("\n")}\n\n### Component Boundaries\n\n`;
  for (const m of modules) arch += `#### ${m} Service\n\nOwns \`src/${m}/\`. ${prose(60)}.\n\n`;
  while (arch.length < 250_000)
    arch += `### Notes ${Math.floor(random() * 1000)}\n\n${prose(120)}.\n\n`;
  writeFileSync(path.join(planning, "architecture.md"), arch);
  return { root, keys, ready: keys.slice(0, options.ready), done: keys.slice(options.ready) };
}
