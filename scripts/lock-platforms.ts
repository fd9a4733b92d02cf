/**
 * `npm run lock:platforms`: records in package-lock.json every platform binary of `opencode-ai`
 * (an optional dependency per OS and CPU). npm records them itself when the registry serves
 * them all; a registry that lacks some (as the one this project is built with does) leaves them
 * out, and `npm ci` then refuses the lockfile. Listed as optional with their OS and CPU, they
 * are skipped on other machines without being fetched. Run it after changing opencode-ai.
 */
import { readFileSync, writeFileSync } from "node:fs";

type Entry = Record<string, unknown> & { optionalDependencies?: Record<string, string> };
const file = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(file, "utf8")) as { packages: Record<string, Entry> };
const opencode = lock.packages["node_modules/opencode-ai"];
if (!opencode?.optionalDependencies)
  throw new Error("opencode-ai is not in package-lock.json: run npm install first");

const OS: Record<string, string> = { darwin: "darwin", linux: "linux", windows: "win32" };
let added = 0;
for (const [name, version] of Object.entries(opencode.optionalDependencies)) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [, os = "", cpu = ""] = /^opencode-([a-z]+)-([a-z0-9]+)/.exec(name) ?? [];
  lock.packages[key] = {
    version,
    cpu: [cpu],
    dev: true,
    license: "MIT",
    ...(name.includes("musl") ? { libc: ["musl"] } : {}),
    optional: true,
    os: [OS[os] ?? os],
  };
  added++;
}
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} platform entries added`);
