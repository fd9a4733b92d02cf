// npx tsx who.tmp.ts <dir> <file-substring>: per scored story (no history), its claims covering the file and whether it wrote it
import { loadProject } from "./src/bmad/project.ts";
import { loadConfig } from "./src/config/load.ts";
import { claimContext } from "./src/plan/build.ts";
import { applyTestPrior } from "./src/plan/history.ts";
import { replayDone } from "./src/plan/learn.ts";
import { testPartnerOrNew } from "./src/plan/test-partner.ts";
import { doneInputs } from "./src/plan-project.ts";
const [dir, sub] = process.argv.slice(2) as [string, string];
const { config } = loadConfig(dir, {});
const project = loadProject(dir, { config, cache: false });
const done = doneInputs(project);
const context = claimContext(project, config.parallel, []);
const partnerOf = (f: string) => testPartnerOrNew(f, context.known);
const planned: any[][] = [];
const replay = replayDone(done, context, (p) => planned.push(applyTestPrior(p, partnerOf)));
replay.forEach((s, i) => {
  const wrote = s.written.filter((w) => w.includes(sub));
  const claims = (planned[i] ?? []).filter((c: any) => c.path.includes(sub) || (c.path.endsWith("/") && sub.startsWith(c.path)));
  if (wrote.length === 0 && claims.length === 0) return;
  console.log(`${s.key.slice(0, 50).padEnd(50)} wrote=${wrote.length > 0 ? "Y" : "n"} ${claims.map((c: any) => `${c.path.slice(-40)} ${c.confidence.toFixed(2)} ${c.basis} ${c.evidence?.file?.split("/").pop()}:${c.evidence?.line}`).join(" | ")}`);
});
