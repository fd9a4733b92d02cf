// Moves each given story of the sprint file to a status, one `setStatus` call each.
import { setStatus } from "../../src/bmad/sprint-writer.ts";

const [root, sprintFile, status, ...keys] = process.argv.slice(2);
if (!root || !sprintFile || !status) throw new Error("usage: mark ROOT SPRINT STATUS KEY...");
for (const key of keys) await setStatus({ root, sprintFile }, { key, status });
console.log(`marked ${keys.length}`);
