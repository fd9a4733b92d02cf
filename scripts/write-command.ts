/** Writes commands/athena-parallel.md from the template the plugin registers (`npm run schema`). */
import { writeFileSync } from "node:fs";
import { COMMAND_DESCRIPTION, COMMAND_TEMPLATE } from "../src/tool/athena-parallel.ts";

export function commandFile(): string {
  return `---\ndescription: ${COMMAND_DESCRIPTION}\n---\n${COMMAND_TEMPLATE}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(new URL("../commands/athena-parallel.md", import.meta.url), commandFile());
  console.log("commands/athena-parallel.md written");
}
