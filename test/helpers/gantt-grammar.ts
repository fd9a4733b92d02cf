/**
 * A strict check of the Mermaid gantt subset athena-parallel writes, after Mermaid's own gantt
 * grammar (gantt.jison): the `gantt` keyword, then `title`, `dateFormat`, `axisFormat`,
 * `section` statements and tasks `text :[tags, ]id, start, end`. Text may not hold `:` (it
 * starts a task's data), `#` (a comment) or `;` (a statement end). Times are epoch seconds
 * (`dateFormat X`), each end after its start, ids unique, every task inside a section.
 * Returns the problems, one per line; none means Mermaid reads it.
 */
const TEXT = "[^#:;\\n]*[^#:;\\n\\s]";
const STATEMENTS: Array<[string, RegExp]> = [
  ["title", new RegExp(`^title ${TEXT}$`)],
  ["dateFormat", /^dateFormat X$/],
  ["axisFormat", /^axisFormat (?:%[a-zA-Z]|[ :./-])+$/],
  ["section", new RegExp(`^section ${TEXT}$`)],
];
const TASK = new RegExp(
  `^(${TEXT}) :((?:(?:done|active|crit|milestone), )*)([A-Za-z_][\\w-]*), (\\d+), (\\d+)$`,
);

export function ganttProblems(text: string): string[] {
  const problems: string[] = [];
  if (!text.endsWith("\n")) problems.push("no final newline");
  const lines = text.replace(/\n$/, "").split("\n");
  if (lines[0] !== "gantt") problems.push(`line 1: expected "gantt", got "${lines[0]}"`);
  const ids = new Set<string>();
  let inSection = false;
  let tasks = 0;
  const seen = new Set<string>();
  for (const [i, raw] of lines.slice(1).entries()) {
    const at = `line ${i + 2}`;
    if (!/^ {2}\S/.test(raw)) {
      problems.push(`${at}: expected two spaces of indent`);
      continue;
    }
    const line = raw.trim();
    const statement = STATEMENTS.find(([, re]) => re.test(line));
    if (statement) {
      const [name] = statement;
      if (name !== "section" && seen.has(name)) problems.push(`${at}: a second ${name}`);
      seen.add(name);
      if (name === "section") inSection = true;
      continue;
    }
    const task = TASK.exec(line);
    if (!task) {
      problems.push(`${at}: not a gantt statement: ${line}`);
      continue;
    }
    tasks++;
    if (!inSection) problems.push(`${at}: a task before any section`);
    const [, , , id = "", start = "0", end = "0"] = task;
    if (ids.has(id)) problems.push(`${at}: id ${id} used twice`);
    ids.add(id);
    if (Number(end) <= Number(start))
      problems.push(`${at}: ends (${end}) before it starts (${start})`);
  }
  for (const needed of ["title", "dateFormat"])
    if (!seen.has(needed)) problems.push(`no ${needed}`);
  if (tasks === 0) problems.push("no task");
  return problems;
}
