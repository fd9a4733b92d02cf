/**
 * The markdown parser's budget (`MAX_PARSE_COST`): a story of each costliest kind of text, as
 * large as the budget lets in, against an ordinary story of the same cost, each parsed in a new
 * process (three rounds, medians). Memory is the peak RSS above a process that parsed one line.
 * The ratios say how far a hostile or odd story can cost more than a real one the same size
 * under the budget; the times are what such a story adds to a plan.
 */
import { once } from "./lib/child.ts";
import { KINDS } from "./lib/parse-texts.ts";
import { fmt, line, median } from "./lib/stats.ts";

type Parsed = { ms: number; maxRssKb: number; kb: number; cost: number; problems: number };

const ROUNDS = 3;
const kinds = Object.keys(KINDS);
const runs = new Map<string, Parsed[]>(kinds.map((k) => [k, []]));
const idle: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  idle.push(once<Parsed>("parse-once.ts", []).maxRssKb);
  for (const kind of kinds) runs.get(kind)?.push(once<Parsed>("parse-once.ts", [kind]));
}

const idleKb = median(idle);
const of = (kind: string) => {
  const r = runs.get(kind) ?? [];
  return {
    ms: median(r.map((p) => p.ms)),
    rssKb: median(r.map((p) => p.maxRssKb)) - idleKb,
    kb: r[0]?.kb ?? 0,
    cost: r[0]?.cost ?? 0,
    problems: r[0]?.problems ?? 0,
  };
};
const [baselineKind = ""] = kinds;
const baseline = of(baselineKind);

console.log("\n## Parser budget (npm run bench -- parse)\n");
console.log(
  `Each story costs just under the budget; memory is peak RSS above a process that parsed one line (${(idleKb / 1024).toFixed(0)} MB). Medians of ${ROUNDS} rounds.\n`,
);
console.log(
  `baseline: ${baselineKind}, ${baseline.kb.toFixed(0)} KB, cost ${baseline.cost}: ${fmt(baseline.ms)}, ${(baseline.rssKb / 1024).toFixed(0)} MB\n`,
);
for (const kind of kinds.slice(1)) {
  const k = of(kind);
  const note = k.problems > 0 ? `, ${k.problems} paragraph(s) read as text` : "";
  line(`${kind} (${k.kb.toFixed(0)} KB${note}): time`, fmt(k.ms), k.ms / baseline.ms);
  line(`  memory`, `${(k.rssKb / 1024).toFixed(0)} MB`, k.rssKb / baseline.rssKb);
}
