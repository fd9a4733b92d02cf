// Runs the project's test command as the plugin does (autoRunTests), in a process a test kills.
import { runTestCommand } from "../../src/run/test-command.ts";

const [command, cwd] = process.argv.slice(2);
if (!command || !cwd) throw new Error("usage: test-command COMMAND CWD");
const result = runTestCommand(command, cwd, 600_000);
console.log("running");
console.log(JSON.stringify(await result));
