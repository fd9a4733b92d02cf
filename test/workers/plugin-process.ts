// One OpenCode process's plugin over the fake host: runs the named stories (coordinate, waits
// for the end) and prints the run's states. Each story's agent logs, to LOG, when its work
// starts and ends (ms), so a test can count how many ran at once across processes.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Athena, createAthena } from "../../src/athena.ts";
import type { RunRecord } from "../../src/run/state.ts";
import { FakeHost } from "../helpers/fake-host.ts";
import { toolContext } from "../helpers/tool-context.ts";

const [root = "", ids = "", ms = "300", log = ""] = process.argv.slice(2);
if (!root || !ids || !log) throw new Error("usage: plugin-process ROOT ID,ID MS LOG");
let athena: Athena | undefined;
const host = new FakeHost((work) => {
  const key = /\(([\w.-]+)\)/.exec(work.text)?.[1] ?? "?";
  return {
    ms: 0,
    work: async (sessionID) => {
      appendFileSync(log, `${key} start ${Date.now()}\n`);
      await new Promise((resolve) => setTimeout(resolve, Number(ms)));
      appendFileSync(log, `${key} end ${Date.now()}\n`);
      await markStory(sessionID, key);
    },
  };
});

/** As a dev agent does: the story file's status set to review, through the plugin's hooks. */
async function markStory(sessionID: string, key: string): Promise<void> {
  const filePath = path.join(root, "_bmad-output/implementation-artifacts", `${key}.md`);
  if (!existsSync(filePath)) return;
  const args = { filePath, oldString: "Status: ready-for-dev", newString: "Status: review" };
  const call = { tool: "edit", sessionID, callID: `mark-${key}` };
  await athena?.hooks["tool.execute.before"]?.(call, { args });
  writeFileSync(filePath, readFileSync(filePath, "utf8").replace(args.oldString, args.newString));
  await athena?.hooks["tool.execute.after"]?.(
    { ...call, args },
    {
      title: "",
      output: "",
      metadata: {},
    },
  );
}
athena = createAthena({
  directory: root,
  host,
  env: { HOME: root, XDG_CONFIG_HOME: path.join(root, "no-global") },
  pollMs: 50,
});
host.onEvent = (event) => void athena?.hooks.event?.({ event: event as never });
const result = await athena.hooks.tool?.athena_parallel?.execute(
  {
    action: "execute",
    storyIds: ids.split(","),
    conflictStrategy: "coordinate",
    waitForCompletion: true,
  } as never,
  toolContext(root),
);
const run = (result as { metadata?: { run?: RunRecord } }).metadata?.run;
console.log(
  `ended ${run?.stories.map((s) => `${s.key}=${s.state}`).join(" ") ?? JSON.stringify(result)}`,
);
athena.engine.dispose();
process.exit(0);
