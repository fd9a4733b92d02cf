import { describe, expect, it } from "vitest";
import { canonicalHeading, canonicalLabel } from "../src/bmad/heading-words.ts";
import {
  cleanPath,
  expandBraces,
  pathFromCode,
  pathsFromText,
  sourceCitations,
} from "../src/bmad/path-text.ts";
import { findDependencies } from "../src/bmad/prose-dependencies.ts";
import { parseStory } from "../src/bmad/story.ts";
import { looksLikeTree, parseTree, stripProjectRoot } from "../src/bmad/tree.ts";

const STORY = `# Story 2.3: Watering Notifications

Status: ready-for-dev

## Story

As a gardener, I want reminders, so that plants live. Mentions \`src/story-section.ts\`.

## Acceptance Criteria

1. A reminder is sent.
2. Nothing is sent twice.

## Tasks / Subtasks

- [x] Task 1: Notifier (AC: 1)
  - [x] Create \`src/services/notifier.ts\`
  - [ ] Wire it in \`./src/app.ts:42\`
- [ ] Task 2: Read \`src/services/watering.ts\` to learn the schedule shape
- [ ] Task 3: update [the routes](src/api/routes.ts#L10) and model.go

## Dev Notes

- Source tree components to touch: \`src/services/\`, \`src/db/schema.ts\`
- Depends on Story 2.2 (watering schedule must exist).
- Prerequisites: 1.3 and 1.4
- This requires story 2-1 to be merged; it builds on 3.2.
- Uses the Notification Service as designed.

\`\`\`
src/
├── services/
│   ├── notifier.ts        # NEW
│   └── watering.ts
└── ui/
    └── AlertsPanel.tsx    # MODIFY
\`\`\`

\`\`\`ts
const notInAPath = "src/not/claimed.ts";
\`\`\`

### References

- [Source: docs/architecture.md#Component Boundaries]
- \`src/services/queue.ts\`

## Dev Agent Record

### Completion Notes List

- Touched \`src/completion-notes.ts\` by accident.

### File List

**CREATE:**
- \`src/services/notifier.ts\`

**MODIFY:**
- \`src/ui/AlertsPanel.tsx\`

**DO NOT MODIFY:**
- \`src/auth/login.ts\`
`;

describe("parseStory", () => {
  const doc = parseStory(STORY, { componentNames: ["Notification Service", "Dashboard UI"] });
  /** What a story's `src/` mentions are read as, with `sections` under its title. */
  const intentsIn = (sections: string) =>
    parseStory(`# Story 2.3: x\n\n${sections}`)
      .mentions.filter((m) => m.path.startsWith("src/"))
      .map((m) => `${m.path} ${m.intent}`);
  /** The same for one `line` under a heading of the Dev Notes. */
  const intentsUnder = (heading: string, line: string) =>
    intentsIn(`## Dev Notes\n\n### ${heading}\n\n${line}\n`);
  const mentions = (intent: "write" | "read") =>
    [...new Set(doc.mentions.filter((m) => m.intent === intent).map((m) => m.path))].sort();

  it("reads the title, the status line, the criteria and the task boxes", () => {
    expect(doc.title).toBe("Watering Notifications");
    expect(doc.headingId).toBe("2.3");
    expect(doc.status).toEqual({ value: "ready-for-dev", line: 3 });
    expect(doc.acceptanceCriteria).toBe(2);
    expect(doc.tasks).toEqual({ done: 2, total: 5 });
  });

  it("claims writes from tasks, dev notes, marked tree lines and File List groups", () => {
    expect(mentions("write")).toEqual([
      "model.go",
      "src/api/routes.ts",
      "src/app.ts",
      "src/db/schema.ts",
      "src/services/",
      "src/services/notifier.ts",
      "src/ui/AlertsPanel.tsx",
    ]);
  });

  it("reads the status line that ends in a hard line break, not the line after it", () => {
    const doc = parseStory(
      "# Story 3.4: X\n\nStatus: done  \nStory Key: 3-4-x  \nEpic: 3\n\n## Tasks / Subtasks\n",
    );
    expect(doc.status).toEqual({ value: "done", line: 3 });
    expect(parseStory("# Story 3.4: X\n\nStatus: review\nEpic: 3\n").status?.value).toBe("review");
    // Below another header line of its paragraph; a review's status of a criterion is not it.
    const header = parseStory(
      "# Story 4.10: X\n\n**Story ID:** 4.10\n**Status:** DONE\n\n## Review\n\n- **Status:** Implemented correctly\n",
    );
    expect(header.status).toEqual({ value: "done", line: 4 });
    expect(
      parseStory("# Story 4.10: X\n\n## Review\n\n- **Status:** Implemented correctly\n").status,
    ).toBeUndefined();
  });

  it("counts a task box with no space after it, as the agents that tick them so write it", () => {
    const doc = parseStory(
      "# Story 1.1: A\n\n## Tasks / Subtasks\n\n- [x]Task 1: edit `src/a.ts`\n  - [x]1.1 Modify `src/b.ts`\n- [ ]Task 2\n- [x] Task 3\n- [see](x.md) not a box\n- [x]\n",
    );
    expect(doc.tasks).toEqual({ done: 3, total: 4 });
    expect(doc.mentions.map((m) => m.path)).toEqual(["src/a.ts", "src/b.ts", "x.md"]);
  });

  it("counts tasks written as headings when the Tasks section has no box, ticked ones done", () => {
    const headed = [
      "# Story 1.1: A",
      "## Technical Tasks",
      "### Task 1: Extend the model ✅",
      "#### 1.1 Add the field",
      "1. Edit `src/a.ts`",
      "### Task 2: Update the processors",
      "```python",
      "# not a heading",
      "```",
      "### [x] Task 3: Metrics",
      "## Dev Notes",
      "### Not a task",
      "",
    ].join("\n\n");
    expect(parseStory(headed).tasks).toEqual({ done: 2, total: 3 });
    // Boxes, where there are some, are the tasks: the headings over them are not counted again.
    const boxed = headed.replace("1. Edit `src/a.ts`", "- [ ] Edit `src/a.ts`");
    expect(parseStory(boxed).tasks).toEqual({ done: 0, total: 1 });
    // A title or a section about tasks as a subject holds no task headings; a tick in a code
    // span names a marker.
    const subject = [
      "# Story 3.2: Task assignment",
      "## Story",
      "## Task Model",
      "### Fields",
      "## Tasks",
      "### Task 1: Parse `[x]` markers",
      "",
    ].join("\n\n");
    expect(parseStory(subject).tasks).toEqual({ done: 0, total: 1 });
  });

  it("claims each file of a brace list, with the cue of the clause it sits in", () => {
    const doc = parseStory(
      "# Story 1.1: A\n\n## Tasks / Subtasks\n\n- [ ] Add the strings to `web/messages/{en,fr}.json`\n- [ ] Follow `src/{a,b}.ts`\n",
    );
    expect(doc.mentions.map((m) => [m.path, m.intent, m.cue, m.line])).toEqual([
      ["web/messages/en.json", "write", "write", 5],
      ["web/messages/fr.json", "write", "write", 5],
      ["src/a.ts", "read", "read", 6],
      ["src/b.ts", "read", "read", 6],
    ]);
  });

  it("claims reads from references, citations, read verbs and DO NOT MODIFY groups", () => {
    expect(mentions("read")).toEqual([
      "docs/architecture.md",
      "src/auth/login.ts",
      "src/services/queue.ts",
      "src/services/watering.ts",
    ]);
  });

  it("reads a heading over the project's source files as files to change; Sources, files not to modify and recent commits as reads", () => {
    const intents = (heading: string) =>
      parseStory(
        `# Story 1.1: X\n\n## Dev Notes\n\n### ${heading}\n\n- \`src/a.swift\` -- rename\n`,
      ).mentions.map((m) => m.intent);
    expect(intents("Source Files Affected (12 files)")).toEqual(["write"]);
    expect(intents("Files Impacted")).toEqual(["write"]);
    expect(intents("Source Code Changes")).toEqual(["write"]);
    expect(intents("Files NOT to Modify")).toEqual(["read"]);
    expect(intents("Git Intelligence (Recent Commits)")).toEqual(["read"]);
    expect(intents("Sources")).toEqual(["read"]);
    expect(intents("Source Documents")).toEqual(["read"]);
  });

  it("ignores the user story, completion notes and code that is not a tree", () => {
    const all = doc.mentions.map((m) => m.path);
    expect(all).not.toContain("src/story-section.ts");
    expect(all).not.toContain("src/completion-notes.ts");
    expect(all).not.toContain("src/not/claimed.ts");
  });

  it("reads a file with no `#` title (a spec, its title in front matter) by its sections; text under a title alone claims nothing", () => {
    const spec = parseStory(
      "---\ntitle: 'Totals'\n---\n\n## Code Map\n\n- `src/totals.ts` -- the module\n",
    );
    expect(spec.mentions.map((m) => [m.path, m.intent])).toEqual([["src/totals.ts", "write"]]);
    const titled = parseStory("# Story 1.2: Totals\n\nThe numbers come from `src/sums.ts`.\n");
    expect(titled.mentions).toEqual([]);
  });

  it("reads a story written in Chinese, as the create-story workflow translates the template", () => {
    const doc = parseStory(
      [
        "# 故事 1.4：日志查询",
        "",
        "## 故事",
        "",
        "作为运维人员，我想查询日志。",
        "",
        "## 任务 / 子任务",
        "",
        "- [x] 任务 1：实现 `pkg/service/query.go`",
        "- [ ] 任务 2：测试",
        "",
        "## 开发笔记",
        "",
        "- 日志模型见 `pkg/model/log.go` [来源: docs/architecture.md#数据模型]",
        "",
        "## 开发代理记录",
        "",
        "### 文件列表",
        "",
        "- `pkg/service/query.go` - 查询服务",
        "",
      ].join("\n"),
    );
    expect([doc.title, doc.headingId, doc.tasks]).toEqual([
      "日志查询",
      "1.4",
      { done: 1, total: 2 },
    ]);
    const at = (p: string) =>
      doc.mentions.filter((m) => m.path === p).map((m) => `${m.place}:${m.intent}:${m.section}`);
    expect(at("pkg/service/query.go")).toEqual([
      "task:write:Tasks / Subtasks",
      "record:write:Dev Agent Record > File List",
    ]);
    expect(at("pkg/model/log.go")).toEqual(["notes:write:Dev Notes"]);
    expect(at("docs/architecture.md")).toEqual(["notes:read:Dev Notes"]);
  });

  it("reads a story whose template headings are in Spanish or French as the English ones", () => {
    const es = parseStory(
      [
        "# Historia 2.5: Tabla",
        "## Historia",
        "Como visitante, quiero ver `src/home/Page.tsx`.",
        "## Criterios de Aceptación",
        "1. Cuando se ejecuta `src/home/logic.test.ts`, pasan.",
        "## Tareas / Subtareas",
        "- [x] Tarea 1: Crear `src/home/logic.ts`",
        "- [ ] Tarea 2: Ejecutar `src/home/run.ts`",
        "## Registro del Agente Dev",
        "### Modelo Utilizado",
        "claude",
        "### Lista de Archivos",
        "- `src/home/logic.ts`",
      ].join("\n\n"),
    );
    expect([es.title, es.headingId, es.tasks]).toEqual(["Tabla", "2.5", { done: 1, total: 2 }]);
    // The story and its acceptance criteria claim nothing, as in English; the tasks are tasks,
    // and the File List is the record's.
    expect(es.mentions.map((m) => `${m.path} ${m.place}:${m.intent}:${m.section}`)).toEqual([
      "src/home/logic.ts task:write:Tasks / Subtasks",
      "src/home/run.ts task:write:Tasks / Subtasks",
      "src/home/logic.ts record:write:Dev Agent Record > File List",
    ]);
    const fr = parseStory(
      [
        "# Story 2.4: Section",
        "## Tâches / Sous-tâches",
        "- [ ] **Tâche 1** : Créer `Views/ActivityRow.swift`",
        "## Notes de Développement",
        "- Le modèle `Views/Row.swift` sert de patron",
        "## Historique Agent Dev",
        "### Notes de Complétion",
        "Fait.",
        "### Liste des Fichiers",
        "- `Views/ActivityRow.swift`",
      ].join("\n\n"),
    );
    expect(fr.tasks.total).toBe(1);
    expect(fr.mentions.map((m) => `${m.path} ${m.place}:${m.section}`)).toEqual([
      "Views/ActivityRow.swift task:Tasks / Subtasks",
      "Views/Row.swift notes:Dev Notes",
      "Views/ActivityRow.swift record:Dev Agent Record > File List",
    ]);
    // Labels over lists of files too; a German label that forbids stays a prohibition.
    const labels = parseStory(
      [
        "# Story 3.1: x",
        "## Notas de desarrollo",
        "**Archivos a modificar:**\n\n- `src/a.ts`",
        "**Nouveaux fichiers :**\n\n- `src/b.ts`",
        "**Nicht zu ändernde Dateien:**\n\n- `src/c.ts`",
      ].join("\n\n"),
    );
    expect(labels.mentions.map((m) => `${m.path} ${m.place}:${m.intent}:${m.section}`)).toEqual([
      "src/a.ts files:write:Dev Notes",
      "src/b.ts files:write:Dev Notes",
      "src/c.ts notes:read:Dev Notes",
    ]);
    // A review after the work claims nothing, as "Code Review" does.
    for (const heading of [
      "Revisión de Código (IA)",
      "Revisão de Código",
      "Revue de code",
      "Revisione del codice",
      "Code Review",
    ]) {
      const review = parseStory(`# Story 3.1: x\n\n## ${heading}\n\n- Corregido \`src/d.ts\`\n`);
      expect([heading, review.mentions]).toEqual([heading, []]);
    }
    // A line of prose is no label: the same words as a label are, and as a heading.
    expect(["Tareas", "Tareas:"].map(canonicalLabel)).toEqual(["Tareas", "Tasks:"]);
    expect(canonicalHeading("Tareas")).toBe("Tasks");
    // Words a heading shares with prose translate only where they open it: an activity log
    // is no Tasks section, and English headings stay as written.
    expect(
      parseStory("# Story 1.1: x\n\n## Registro attività\n\n- [ ] Salvare\n").tasks.total,
    ).toBe(0);
    expect(parseStory("# Story 1.1: x\n\n## Attività\n\n- [ ] Salvare\n").tasks.total).toBe(1);
  });

  it("reads a list of modified files as files changed, even when its heading names a review", () => {
    const doc = parseStory(
      "# Story 1.5: x\n\n## File List\n\n### Modified Files (Code Review Round 2 Updates)\n\n- `src/a.ts` - parsing\n\n### New Files\n\n- `src/b.ts`\n",
    );
    expect(doc.mentions.map((m) => `${m.path} ${m.place}:${m.intent}`)).toEqual([
      "src/a.ts files:write",
      "src/b.ts files:write",
    ]);
  });

  it("reads what the stories before left as context, in the languages stories are written in", () => {
    const intents = (heading: string) =>
      intentsUnder(heading, "- Updated `src/lib/db.ts` with the table");
    for (const heading of [
      "Previous Story Intelligence",
      "Previous/Sibling Story Intelligence (Stories 2.1a, 2.2)",
      "Héritage des stories précédentes",
      "Héritage de Story 2.2",
      "Apprentissages Story 1.1 (Intelligence Précédente)",
      "Aprendizajes de historias anteriores aplicados",
      "Erkenntnisse aus der vorherigen Story",
      "Storie precedenti",
      "Inteligência da História Anterior",
      "前一个 Story 情报（Story 2.2）",
      "前序 Story 情报",
      "从前置 Story 学到的经验",
      // What the project did lately, under its own heading.
      "Git Intelligence\n\n#### Recently Changed Files",
    ]) {
      expect([heading, intents(heading)]).toEqual([heading, ["src/lib/db.ts read"]]);
    }
    // The same line under a heading of the work to do is a write; so under one over files the
    // story changes, whichever the order of its words.
    for (const heading of [
      "Implementation",
      // Not a story before: an app's own words.
      "Heritage Story Card Component",
      "之前的 Storybook 配置",
      "Files Modified from Previous Stories",
      "Modified Files from Previous Stories",
      "Archivos MODIFICADOS de historias previas",
    ]) {
      expect([heading, intents(heading)]).toEqual([heading, ["src/lib/db.ts write"]]);
    }
  });

  it("reads a heading that says a thing is there already as context, whatever its state and language", () => {
    const under = (heading: string) => intentsUnder(heading, "- `src/lib/db.ts` holds the fields");
    for (const heading of [
      "CRITIQUE — Champs route déjà dans le schéma Dexie ET Drizzle",
      "Observer infrastructure — already wired",
      "Dependencies (Already in Cargo.toml)",
      "Campi già nel modello",
      "Felder bereits im Schema",
      "Campos já no esquema",
      // "Nothing new to build" is no new thing beside it.
      "Was bereits existiert — NICHT neu bauen",
      "What is already built — do not build anew",
    ]) {
      expect([heading, under(heading)]).toEqual([heading, ["src/lib/db.ts read"]]);
    }
    // Beside a change to make, or something new, the heading is a plan; so a task's, whatever
    // else it says; so in a File List.
    for (const heading of [
      "Update the already wired observer",
      "What Already Exists vs What's New",
      "Ce qui est déjà là et les nouveaux champs",
      "Already built — do not forget the new tests",
      "Task 2: Handle users who are already logged in (AC: 2)",
      "Tâche 2 : Gérer les utilisateurs déjà connectés",
    ]) {
      expect([heading, under(heading)]).toEqual([heading, ["src/lib/db.ts write"]]);
    }
    expect(intentsIn("## File List\n\n### Déjà présents\n\n- `src/lib/db.ts`\n")).toEqual([
      "src/lib/db.ts write",
    ]);
  });

  it("reads a heading over what to reuse as context, in the languages stories are written in", () => {
    const under = (heading: string) =>
      intentsUnder(heading, "- `src/lib/money.ts` — formatAmount()");
    for (const heading of [
      "Code Reuse Requirements",
      "Prior Art / Existing Modules to Reuse",
      "Pattern modal admin — réutilisation",
      "재사용 목록 — 다시 만들지 말 것",
      "Meglévő Kód Újrahasználás",
      "复用要求",
    ]) {
      expect([heading, under(heading)]).toEqual([heading, ["src/lib/money.ts read"]]);
    }
    // What is to be made reusable, or a change beside the reuse, or a task, is work to do.
    for (const heading of [
      "Task 4: Reuse connections in the pool",
      "Create Reusable ErrorBoundary",
      "Composants réutilisables",
      "재사용 가능한 컴포넌트",
      "Reuse and extend the parser",
    ]) {
      expect([heading, under(heading)]).toEqual([heading, ["src/lib/money.ts write"]]);
    }
  });

  it("reads a heading over the current state or the background as context, in Chinese, Korean and Japanese", () => {
    const under = (heading: string) => intentsUnder(heading, "- `src/lib/db.rs` — open()");
    for (const heading of [
      "Current State",
      "棕地现状（摘录）",
      "当前实现状态",
      "技术背景",
      "현재 상태",
      "배경",
      "現状",
    ]) {
      expect([heading, under(heading)]).toEqual([heading, ["src/lib/db.rs read"]]);
    }
    // A background colour or image is a thing to change, not context.
    for (const heading of ["背景色调整", "배경색 변경", "배경 이미지"]) {
      expect([heading, under(heading)]).toEqual([heading, ["src/lib/db.rs write"]]);
    }
  });

  it("reads a heading over the mistakes to avoid as context, in the languages stories are written in", () => {
    const under = (heading: string) =>
      intentsUnder(heading, "| Modifier `src/lib/db.ts` | Ce fichier est complet |");
    for (const heading of [
      "Anti-Patterns to Avoid",
      "Pièges & Anti-patterns",
      "Common Pitfalls",
      "Gotchas",
      "Critical Mistakes to Prevent",
      "§Guardrails — Erreurs critiques à éviter",
      "§Guardrails — Erreurs à ne pas commettre",
      "Anti-Pattern da Evitare",
      "Errores a evitar",
      "Fallstricke",
      "흔한 함정",
      "常见陷阱",
    ]) {
      expect([heading, under(heading)]).toEqual([heading, ["src/lib/db.ts read"]]);
    }
    // A task's heading is work to do, whatever else it says; so is one that says to change.
    for (const heading of [
      "Task 3: Avoid the cache pitfalls",
      "Tâche 2 : éviter les pièges",
      "Remove the N+1 anti-pattern in the order queries",
      "Fix the gotcha in the cache",
      // The other side beside it, work to do with the pitfalls, or a feature's heading.
      "Boundaries & Anti-Patterns",
      "Key code patterns / anti-patterns",
      "Eliminate anti-patterns",
      "Pitfalls to address",
      "Réalité actuelle du code — pièges à ne pas manquer",
      "Anti-Pattern Detector",
      "AC3: Anti-pattern linting",
      "Step 2: Avoid pitfalls",
    ]) {
      expect([heading, under(heading)]).toEqual([heading, ["src/lib/db.ts write"]]);
    }
  });

  it("reads headings with an emoji before their words as the plain ones", () => {
    const doc = parseStory(
      "# 🚀 Story 1.2: Emoji\n\n## 📖 User Story\n\nAs a user of `src/story.ts`, I want it.\n\n## 📝 Implementation Tasks\n\n- [ ] Update `src/task.ts`\n",
    );
    expect([doc.title, doc.headingId, doc.tasks.total]).toEqual(["Emoji", "1.2", 1]);
    expect(doc.mentions.map((m) => [m.path, m.place, m.section])).toEqual([
      ["src/task.ts", "task", "Implementation Tasks"],
    ]);
  });

  it("reads files a story in another language says not to touch as reads", () => {
    const doc = parseStory(
      [
        "# Story 1.3: x",
        "## Dev Notes",
        "**Не изменять:**\n\n- `cmd/app/main.go` — интеграция будет в Story 1.7",
        "**File da NON toccare:**\n\n- `scripts/core/EventBus.mjs`",
        "### Fichiers à ne pas modifier\n\n- `src/a.ts`",
        "### 不要修改的文件\n\n- `src/b.ts`",
        // "Files that need no change", and a label that says they must not be changed.
        "### 不需修改的文件\n\n- `src/d.ts`",
        "以下文件在本 Story 中**不应修改**：\n\n- `src/e.ts`（已完整实现）",
        // "Cannot be changed", over files; "do not change the newly added".
        "### 不可修改的文件\n\n- `src/g.ts`",
        "以下文件**不能修改**：\n\n- `src/h.ts`",
        "### 不要变更新增的文件\n\n- `src/i.ts`",
        "### Files to change\n\n- `src/c.ts`",
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent])).toEqual([
      ["cmd/app/main.go", "read"],
      ["scripts/core/EventBus.mjs", "read"],
      ["src/a.ts", "read"],
      ["src/b.ts", "read"],
      ["src/d.ts", "read"],
      ["src/e.ts", "read"],
      ["src/g.ts", "read"],
      ["src/h.ts", "read"],
      ["src/i.ts", "read"],
      ["src/c.ts", "write"],
    ]);
  });

  it("keeps the writes of Chinese words that end as a negation begins, or say what the product does", () => {
    const doc = parseStory(
      [
        "# Story 3.2: 日志",
        "## Tasks / Subtasks",
        // 分别 ("each"): 别 is no "don't" here; 不可变更新 is an immutable update.
        "- [ ] 分别修改 `src/a.ts` 和 `src/b.ts`",
        "- [ ] 更新 `src/store/todos.ts`（不可变更新）",
        // "An order cannot be changed once sent": a rule to build, not a file to leave.
        "- [ ] 在 `src/order/service.ts` 中实现：订单提交后不可修改",
        "## Dev Notes",
        "### 日志级别变更\n\n- `src/log.ts`",
        "### 不可变更新\n\n- `src/store/cart.ts`",
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent, Boolean(m.forbidden)])).toEqual([
      ["src/a.ts", "write", false],
      ["src/b.ts", "write", false],
      ["src/store/todos.ts", "write", false],
      ["src/order/service.ts", "write", false],
      ["src/log.ts", "write", false],
      ["src/store/cart.ts", "write", false],
    ]);
  });

  it("keeps the writes under a heading that says no change is needed of something else", () => {
    const doc = parseStory(
      [
        "# Story 4.3: Sync",
        "## Tasks / Subtasks",
        "### Task 3: Return early when no changes needed\n\n- [ ] Add an early return to `src/sync/diff.ts`",
        "## Dev Notes",
        "### No changes needed beyond the new route\n\n- Add `src/routes/export.ts`",
        "### Files to Modify (no changes needed in tests)\n\n- `src/sync/writer.ts`",
        // A heading that names its file, however it is written, says it of that file.
        "#### 2. **`list.go`** (NO CHANGE NEEDED)\n\nPad the rows in `src/e.go`.",
        "#### 3. src/table.go — no changes needed\n\nPad the cells in `src/f.go`.",
        // A line's own write verb under a heading that says no change is needed.
        "### Configuration (no code changes required)\n\n- [ ] Add `FOO` to `.env.example`",
        "### Backward Compatibility (no changes needed for existing callers)\n\n- Add an optional `timeout` parameter to `src/client.ts`",
        "## Dev Agent Record",
        "### File List — no code changes required, docs only\n\n- docs/sync.md",
      ].join("\n\n"),
    );
    const intents = Object.fromEntries(doc.mentions.map((m) => [m.path, m.intent]));
    expect(intents).toMatchObject({
      "src/sync/diff.ts": "write",
      "src/routes/export.ts": "write",
      "src/sync/writer.ts": "write",
      "src/e.go": "write",
      "src/f.go": "write",
      ".env.example": "write",
      "src/client.ts": "write",
      "docs/sync.md": "write",
    });
  });

  it("reads the files under a heading that says they need no change as reads", () => {
    const doc = parseStory(
      [
        "# Story 4.2: Totals",
        "## Dev Notes",
        "### No Changes Needed\n\n- `src/a.ts`",
        "### Files That Do Not Need Changes\n\n- `src/b.ts`",
        "## Existing Entities (No Changes Required)\n\n- `src/c.ts`",
        // A heading that names its file says it of that file only.
        "#### 5. `src/d.ts` (NO CHANGE NEEDED)\n\nPad the rows in `src/e.ts`.",
        "### Changes Needed\n\n- `src/f.ts`",
        // Words that are no file, a state, and plain words beside the phrase.
        "### UI/UX Components (No Changes Needed)\n\n- `src/ui/button.tsx`",
        "### Profile List Screen (No Changes Needed)\n\n- `src/profile/list.tsx`",
        "### Existing Helpers (No Changes Needed — already implemented)\n\n- `src/helpers.ts`",
        "### Backend Only (No Changes Needed)\n\n- `src/server.ts`",
      ].join("\n\n"),
    );
    // ("UI/UX" is a name the heading holds, read as one.)
    const inSrc = doc.mentions.filter((m) => m.path.startsWith("src/"));
    expect(inSrc.map((m) => [m.path, m.intent])).toEqual([
      ["src/a.ts", "read"],
      ["src/b.ts", "read"],
      ["src/c.ts", "read"],
      ["src/d.ts", "read"],
      ["src/e.ts", "write"],
      ["src/f.ts", "write"],
      ["src/ui/button.tsx", "read"],
      ["src/profile/list.tsx", "read"],
      ["src/helpers.ts", "read"],
      ["src/server.ts", "read"],
    ]);
  });

  it("reads the files under a label over what the story leaves out as reads, as under such a heading", () => {
    const doc = parseStory(
      [
        "# Story 2.7: Search",
        "## Dev Notes",
        // Neither side, or a feature's own name: as they were.
        "**In Scope / Out of Scope:**\n\n- `src/both.ts`",
        "**Exclusion logic:**\n\n- Update `src/filter.ts`",
        "**Out of Scope:**\n\n- `src/sync/queue.ts` refactor (Story 2.9)",
        "**INCLUS (fichiers à créer ou modifier) :**\n\n- `src/hooks/use-search.ts` — CRÉER",
        "**EXCLU (déjà implémenté — NE PAS MODIFIER) :**\n\n- `src/lib/local-db.ts`",
        "**Fuera de alcance:**\n\n- `src/api/route.ts`",
        "**Excludes:**\n\n- `src/ui/Legacy.tsx` changes",
        "## Hors périmètre\n\n- `src/admin/page.tsx`",
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent])).toEqual([
      ["src/both.ts", "write"],
      ["src/filter.ts", "write"],
      ["src/sync/queue.ts", "read"],
      ["src/hooks/use-search.ts", "write"],
      ["src/lib/local-db.ts", "read"],
      ["src/api/route.ts", "read"],
      ["src/ui/Legacy.tsx", "read"],
      ["src/admin/page.tsx", "read"],
    ]);
  });

  it("reads a Korean story's headings, labels and tree marks as the English ones", () => {
    const doc = parseStory(
      [
        "# Story 5.4: 타이머",
        "## 개발 노트",
        "### 이전 스토리 학습 사항\n\n- `src/old/Done.tsx` 패턴",
        "### 아키텍처 경계\n\n- 참고: `src/game/Theme.ts`\n- `src/game/Rules.ts` 확장",
        "### 프로젝트 구조 노트",
        "**수정 파일:**\n\n```\nsrc/game/\n├── GameCanvas.tsx   # 수정: 알림 통합\n└── Board.tsx\n```",
        "**신규 파일:**\n\n- `src/game/Toast.tsx`",
        "## 개발 에이전트 기록",
        "### 파일 목록\n\n- `src/game/GameCanvas.tsx`",
      ].join("\n\n"),
    );
    const at = (p: string) =>
      doc.mentions.filter((m) => m.path === p).map((m) => `${m.place}:${m.intent}:${m.cue}`);
    // A previous story's learnings are context; the tree marks the one file it changes.
    expect(at("src/old/Done.tsx")).toEqual(["notes:read:none"]);
    // A "reference:" label makes its file a read, where an unlabelled one stays a write, and
    // Korean's verb after it ("확장", extend) is a write cue.
    expect(at("src/game/Theme.ts")).toEqual(["notes:read:read"]);
    expect(at("src/game/Rules.ts")).toEqual(["notes:write:write"]);
    expect(at("src/game/GameCanvas.tsx")).toEqual(["tree:write:write", "record:write:none"]);
    expect(at("src/game/Board.tsx")).toEqual(["tree:write:none"]);
    expect(at("src/game/Toast.tsx")).toEqual(["files:write:none"]);
    // The same label in Chinese, with its full-width colon.
    const zh = parseStory("# Story 1.1: x\n\n## Dev Notes\n\n**新增文件：**\n\n- `src/zh.ts`\n");
    expect(zh.mentions.map((m) => `${m.place}:${m.intent}`)).toEqual(["files:write"]);
  });

  it("reads the list under a label over what not to do as reads, up to the prose after it", () => {
    const doc = parseStory(
      [
        "# Story 1.1: A",
        "## Dev Notes",
        "**Il dev agent NON deve:**\n- Modificare `src/orch.mjs`\n- Rinominare `src/names.mjs`",
        "**Il dev agent deve:**\n\n- Creare `src/machine.mjs`",
        "**The dev agent must NOT:**\n\n- Edit `src/core.ts`",
        "Then update `src/after.ts`.",
        "**Never:**\n- Touch `src/never.ts`",
        "### Next",
        "- Edit `src/next.ts`",
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => `${m.path} ${m.intent}`)).toEqual([
      "src/orch.mjs read",
      "src/names.mjs read",
      "src/machine.mjs write",
      "src/core.ts read",
      "src/after.ts write",
      "src/never.ts read",
      "src/next.ts write",
    ]);
  });

  it("claims the file a code sample's first comment names, unless the comment says it is context", () => {
    const doc = parseStory(
      [
        "# Story 1.1: A",
        "## Dev Notes",
        "```ts\n// packages/api/src/services/pdf.ts\nexport const pdf = 1;\n```",
        "```python\n# backend/app/main.py に追加\nrouter = 1\n```",
        "```php\n// Dans ModuleDiscovery.php\n```",
        "```ts\n// Existing code in src/old.ts\n```",
        "```bash\n#!/usr/bin/env bash\n```",
        "```ts\nconst a = 'src/not-a-comment.ts';\n```",
        "## References",
        "```ts\n// src/ref.ts\n```",
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent, m.cue, m.line])).toEqual([
      ["packages/api/src/services/pdf.ts", "write", "none", 6],
      ["backend/app/main.py", "write", "write", 11],
      ["ModuleDiscovery.php", "write", "none", 16],
      ["src/old.ts", "read", "read", 20],
    ]);
  });

  it("reads a list of files to read first as reads, under a heading or a label", () => {
    const doc = parseStory(
      [
        "# Story 1.3: x",
        "## Dev Notes",
        "### Files to Read Before Implementing\n\n- `src/events.cs` — field names",
        "### Plan",
        "**Read these files first:**\n\n- `src/bus.cs`",
        "**New files:**\n\n- `src/feel.cs`",
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent])).toEqual([
      ["src/events.cs", "read"],
      ["src/bus.cs", "read"],
      ["src/feel.cs", "write"],
    ]);
  });

  it("reads files to reference or reuse as reads, and a label of files to change after them as writes", () => {
    const doc = parseStory(
      [
        "# Story 2.3: x",
        "## Dev Notes",
        "### Project Structure Notes",
        "**New Files to Create**:\n\n- `src/a.ts` - the agent",
        "**Files to Reference**:\n\n- `src/pool.ts` - lifecycle (Story 1.4)",
        "**Test Files to Create**:\n\n- `tests/a.test.ts`",
        "**Files to Reuse:**\n\n- `src/retry.ts`",
        "**Existing Files to Modify:**\n\n- `src/registry.ts`",
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent])).toEqual([
      ["src/a.ts", "write"],
      ["src/pool.ts", "read"],
      ["tests/a.test.ts", "write"],
      ["src/retry.ts", "read"],
      ["src/registry.ts", "write"],
    ]);
  });

  it("ends a labelled list's group at the next label, unless that one names a change", () => {
    const doc = parseStory(
      [
        "# Story 2.5: x",
        "## Dev Notes",
        "### Project Structure Notes",
        "**Files to Modify**:\n\n- `backend/tasks/work.py` - add the task",
        "**May need to add these components:**\n\n- `web/src/ui/slider.tsx` - if not already added",
        "**Fichiers NON touchés :**\n\n- `web/src/Login.tsx` — uses the existing useAuth hook",
        "**Integration with Existing Code**:\n\n- Use `Settings` from `backend/core/config.py` for the key\n- `openai` already in `requirements.txt`",
        "**Backend:**\n\n**Files to Create:**\n\n- `backend/tasks/new.py`",
      ].join("\n\n"),
    );
    expect(
      doc.mentions
        .filter((m) => m.path.includes("/") || m.path.includes("."))
        .map((m) => [m.path, m.intent]),
    ).toEqual([
      ["backend/tasks/work.py", "write"],
      ["web/src/ui/slider.tsx", "write"],
      ["web/src/Login.tsx", "read"],
      ["backend/core/config.py", "read"],
      ["requirements.txt", "read"],
      ["backend/tasks/new.py", "write"],
    ]);
  });

  it("reads every file of an item whose label says they stay as they are, past its semicolons", () => {
    const doc = parseStory(
      [
        "# Story 4.2: x",
        "## Dev Notes",
        "### File Change Plan",
        "- **Modified:** `apps/web/src/a.ts`",
        "- **Not modified:** `packages/ui/package.json`; `apps/web/locales/{en,id}.json`; `packages/db/`; `.env.example`.",
        "- **Files to read**: `src/one.ts`; `src/two.ts`",
        "> - **未修改：** `src/cn1.ts`; `src/cn2.ts`",
        "- **Not modified:** `src/five.ts`; any route (this story adds `src/three.ts` instead)",
        "## Dev Agent Record",
        "### File List",
        "- `apps/web/src/a.ts`",
        "- **Not modified:** `src/four.ts`",
      ].join("\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent])).toEqual([
      ["apps/web/src/a.ts", "write"],
      ["packages/ui/package.json", "read"],
      ["apps/web/locales/en.json", "read"],
      ["apps/web/locales/id.json", "read"],
      ["packages/db/", "read"],
      [".env.example", "read"],
      ["src/one.ts", "read"],
      ["src/two.ts", "read"],
      ["src/cn1.ts", "read"],
      ["src/cn2.ts", "read"],
      ["src/five.ts", "read"],
      ["src/three.ts", "write"],
      ["apps/web/src/a.ts", "write"],
      ["src/four.ts", "read"],
    ]);
  });

  it("reads a label that updates or creates reference files (golden files) as writes", () => {
    const doc = parseStory(
      [
        "# Story 2.4: x",
        "## Dev Notes",
        "**Reference Files:**\n\n- `src/pool.ts`",
        "**Update reference files:**\n\n- `tests/golden/a.json`",
        "**New Reference Files:**\n\n- `tests/golden/b.json`",
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent])).toEqual([
      ["src/pool.ts", "read"],
      ["tests/golden/a.json", "write"],
      ["tests/golden/b.json", "write"],
    ]);
  });

  it("reads the record's list of changed files under any heading that names one", () => {
    const doc = parseStory(
      [
        "# Story 2.3: x",
        "## Tasks / Subtasks",
        "- [x] Edit `app/_layout.tsx`",
        "## Dev Agent Record",
        "### Files Created/Modified",
        "- `app/_layout.tsx`\n- `features/cards/index.ts`",
      ].join("\n\n"),
    );
    const at = (place: string) => doc.mentions.filter((m) => m.place === place).map((m) => m.path);
    expect(at("task")).toEqual(["app/_layout.tsx"]);
    expect(at("record")).toContain("app/_layout.tsx");
    expect(at("record")).toContain("features/cards/index.ts");
    // Other files this story changed, in an earlier session too, are its record.
    for (const heading of ["Other Files Modified", "Files Modified in an Earlier Session"]) {
      const own = parseStory(
        `# Story 2.3: x\n\n## Dev Agent Record\n\n### Files Created\n\n- \`src/a.ts\`\n\n### ${heading}\n\n- \`src/b.ts\`\n`,
      );
      expect(own.mentions.filter((m) => m.place === "record").map((m) => m.path)).toEqual([
        "src/a.ts",
        "src/b.ts",
      ]);
    }
    // Not a list of what another story changed, nor of files left alone.
    for (const heading of [
      "Files Modified (previous story)",
      "Files Modified by Story 1.1 (context)",
      "No Files Modified",
    ]) {
      const other = parseStory(
        `# Story 2.3: x\n\n## Dev Agent Record\n\n### ${heading}\n\n- \`src/old.ts\`\n`,
      );
      expect(other.mentions.filter((m) => m.place === "record")).toEqual([]);
    }
  });

  it("leaves out of the record the files a label in another language says were not changed", () => {
    const doc = parseStory(
      [
        "# Story 2.1: x",
        "## Dev Agent Record",
        "### File List",
        "**Modificados:**\n\n- `src/a.ts`",
        "**Não alterados (verificados apenas):**\n\n- `src/b.ts`",
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent])).toEqual([
      ["src/a.ts", "write"],
      ["src/b.ts", "read"],
    ]);
  });

  it("leaves out of the record an entry that says its file was not changed, and what the rest of its line names", () => {
    const doc = parseStory(
      [
        "# Story 3.7: x",
        "## Dev Agent Record",
        "### File List",
        [
          "- `go.mod` - **NO CHANGE NEEDED** - `bubbles` already in go.mod",
          "- `src/a.ts` — updated; no changes to the public API",
          "- `src/b.ts` (reviewed, no changes)",
          "- `src/c.ts` — no changes to logic, only renamed variables",
          "- `src/d.ts` (inchangé, scaffold Vite)",
          "- `src/e.ts` - new",
        ].join("\n"),
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent])).toEqual([
      ["go.mod", "read"],
      ["go.mod", "read"],
      ["src/a.ts", "write"],
      ["src/b.ts", "read"],
      ["src/c.ts", "write"],
      ["src/d.ts", "read"],
      ["src/e.ts", "write"],
    ]);
  });

  it("reads a document cited at a section or line as a read, unless a verb changes it", () => {
    const doc = parseStory(
      [
        "# Story 4.1: x",
        "## Dev Notes",
        "- **Spine refs**: users DDL `docs/spine.md#L135-147`; ledger `#L149-160`",
        "- The query side is pinned (`docs/search.md:674`)",
        "- Update `docs/guide.md#setup` with the new flag",
        "- `docs/credits.md`: the credit rules",
        "- [ ] E2E run as `CLAUDE.md` §6 says",
        "- [ ] `docs/conventions.md` §4·§6.1 re-checked (architecture.md (§3.2))",
        "- [ ] Add the flag to `docs/flags.md` §2",
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent])).toEqual([
      ["docs/spine.md", "read"],
      ["docs/search.md", "read"],
      ["docs/guide.md", "write"],
      ["docs/credits.md", "write"],
      ["CLAUDE.md", "read"],
      ["docs/conventions.md", "read"],
      ["architecture.md", "read"],
      ["docs/flags.md", "write"],
    ]);
  });

  it("keeps evidence: section and line", () => {
    const app = doc.mentions.find((m) => m.path === "src/app.ts");
    expect(app).toMatchObject({ section: "Tasks / Subtasks", line: 18, via: "code", bare: false });
    const tree = doc.mentions.find((m) => m.path === "src/ui/AlertsPanel.tsx" && m.via === "tree");
    expect(tree?.line).toBe(36);
    const modelGo = doc.mentions.find((m) => m.path === "model.go");
    expect(modelGo?.bare).toBe(true);
  });

  it("finds dependencies in prose, in every phrasing", () => {
    expect(doc.dependencies.map((d) => d.id).sort()).toEqual(["1.3", "1.4", "2.1", "2.2", "3.2"]);
    expect(doc.dependencies.find((d) => d.id === "2.2")?.line).toBe(25);
  });

  it("reads a range of stories as each of them, and a list with asides as every story in it", () => {
    const ids = (text: string) => findDependencies(text, "2.9").map((d) => d.id);
    // The story's own id in a range is left out; an en dash or "to" is a range too.
    expect(ids("Re-validate after Stories 2.8-2.11 complete")).toEqual(["2.8", "2.10", "2.11"]);
    expect(ids("Dependencies: Stories 1.2 – 1.4 complete")).toEqual(["1.2", "1.3", "1.4"]);
    expect(ids("requires stories 3.1 to 3.2")).toEqual(["3.1", "3.2"]);
    // Across epics, or longer than any epic plans: its two ends.
    expect(ids("after Stories 1.8-2.2")).toEqual(["1.8", "2.2"]);
    expect(ids("depends on 1.1-1.99")).toEqual(["1.1", "1.99"]);
    // An aside says what the story does: its numbers are no ids, and the list goes on past it.
    expect(ids("builds on Stories 1.3 (file indexing, v2.0) and 1.4 (vector database)")).toEqual([
      "1.3",
      "1.4",
    ]);
    // Sub-story ids as before.
    expect(ids("Depends on 0-10-1 and 3.2")).toEqual(["0.10.1", "3.2"]);
  });

  it("reads dependencies from what the story needs, not from what happened as it was worked on", () => {
    const doc = parseStory(
      [
        "# Story 2.8: X",
        "",
        "## Dev Notes",
        "",
        "Depends on Story 1.2.",
        "",
        "## Dev Agent Record",
        "",
        "### Implementation Summary",
        "",
        "2. **Accuracy Validation Deferred**: Blocked by Story 2.9",
        "",
        "## QA Results",
        "",
        "After Story 2.11, re-run the accuracy tests.",
        "",
        "## Prerequisites",
        "",
        "Prerequisites: 1.4",
      ].join("\n"),
    );
    expect(doc.dependencies.map((d) => [d.id, d.line])).toEqual([
      ["1.2", 5],
      ["1.4", 19],
    ]);
  });

  it("finds the components it names, case and word exact", () => {
    expect(doc.componentMentions).toEqual([
      { name: "Notification Service", section: "Dev Notes", line: 28 },
    ]);
  });
});

describe("path text", () => {
  it.each([
    ["./src/a.ts:42", "src/a.ts"],
    ["src/a.ts:42-50", "src/a.ts"],
    ["docs/architecture.md#Data Architecture", undefined],
    ["docs/architecture.md#Data", "docs/architecture.md"],
    ["'src/x.go'", "src/x.go"],
    ["https://example.com/a.ts", undefined],
    ["foo(bar)", undefined],
    ["--flag", undefined],
    ["web/{en,fr}.json", "web/{en,fr}.json"],
    ["specs/{a/spec.md,b/{x,y}.md}", "specs/{a/spec.md,b/{x,y}.md}"],
    ["f(a,b)", undefined],
    ["a,b", undefined],
    // Route groups are folders; the parentheses of a call or an aside are not.
    ["app/(shop)/cart/page.tsx", "app/(shop)/cart/page.tsx"],
    ["(auth)/login/page.tsx", "(auth)/login/page.tsx"],
    ["app/@modal/(..)photo/[id]/page.tsx", "app/@modal/(..)photo/[id]/page.tsx"],
    ["(e.g.)", undefined],
    ["src/(a,b)/x.ts", undefined],
    ["src/f(a)/x.ts", undefined],
  ])("cleanPath(%j) = %j", (raw, expected) => {
    expect(cleanPath(raw)).toBe(expected);
  });

  it("tells paths from code and prose", () => {
    expect(pathFromCode("src/accounts/")).toEqual({ path: "src/accounts/", bare: false });
    expect(pathFromCode("model.go")).toEqual({ path: "model.go", bare: true });
    expect(pathFromCode("repo.FindActive")).toBeUndefined();
    expect(pathFromCode("hibernation_days")).toBeUndefined();
    expect(pathFromCode("1.2")).toBeUndefined();
    expect(pathFromCode("src/**/*.test.ts")).toEqual({ path: "src/**/*.test.ts", bare: false });
    expect(pathsFromText("edit src/a/b.ts and/or package.json, e.g. Node.js")).toEqual([
      { path: "src/a/b.ts", bare: false, index: 5 },
      { path: "and/or", bare: true, index: 16 },
      { path: "package.json", bare: true, index: 23 },
    ]);
    expect(pathsFromText("edit app/(shop)/cart/page.tsx (see src/a.ts) and app/(auth)/")).toEqual([
      { path: "app/(shop)/cart/page.tsx", bare: false, index: 5 },
      { path: "src/a.ts", bare: false, index: 35 },
      { path: "app/(auth)/", bare: false, index: 49 },
    ]);
  });

  it("reads a brace list as its files, and a longer or odd pattern as written", () => {
    const paths = (p: string) => expandBraces({ path: p, bare: false }).map((f) => f.path);
    expect(paths("web/messages/{en,fr,ar}.json")).toEqual([
      "web/messages/en.json",
      "web/messages/fr.json",
      "web/messages/ar.json",
    ]);
    expect(paths("specs/{001-old/spec.md,002-new/{spec,plan}.md}")).toEqual([
      "specs/001-old/spec.md",
      "specs/002-new/spec.md",
      "specs/002-new/plan.md",
    ]);
    expect(paths("src/{a,a}.ts")).toEqual(["src/a.ts"]);
    expect(paths("config{,.local}.json")).toEqual(["config.json", "config.local.json"]);
    // Not a list: one item, a range of more files than a story lists, an unclosed brace.
    expect(paths("src/{a}.ts")).toEqual(["src/{a}.ts"]);
    expect(paths("logs/{1..40}.txt")).toEqual(["logs/{1..40}.txt"]);
    expect(paths("src/{a,b.ts")).toEqual(["src/{a,b.ts"]);
    // Lists one after the other multiply: thirty of them are left as written, at once.
    const many = `src/${"{a,b}".repeat(30)}.ts`;
    expect(paths(many)).toEqual([many]);
    expect(paths("src/{1..3}{a,b}.ts")).toEqual(["src/{1..3}{a,b}.ts"]);
    // A bare list names bare files, which the tree must know.
    expect(expandBraces({ path: "{en,fr}.json", bare: true })).toEqual([
      { path: "en.json", bare: true },
      { path: "fr.json", bare: true },
    ]);
  });

  it("reads [Source: ...] citations in their real forms", () => {
    expect(
      sourceCitations(
        "[Source: docs/architecture.md#Data Architecture] [Source: docs/prd.md — Line 12] [Source: GitHub issue #308]",
      ),
    ).toEqual(["docs/architecture.md", "docs/prd.md"]);
  });

  it("reads the code spans inside a citation's brackets as citations, whatever the clause says", () => {
    const doc = parseStory(
      [
        "# Story 1.1: Errors",
        "",
        "## Tasks / Subtasks",
        "",
        "- [ ] Add `AuthError` to `app/core/errors.py`",
        "",
        "## Dev Notes",
        "",
        "- Errors keep the envelope. [Source: `app/core/errors.py`, `app/main.py#L10`]",
        "- Update `app/api/routes.py` to raise it. [Source: docs/architecture.md]",
      ].join("\n"),
    );
    const intents = doc.mentions.filter((m) => !m.symbol).map((m) => [m.path, m.intent, m.line]);
    expect(intents).toEqual([
      ["app/core/errors.py", "write", 5],
      ["app/core/errors.py", "read", 9],
      ["app/main.py", "read", 9],
      ["app/api/routes.py", "write", 10],
      ["docs/architecture.md", "read", 10],
    ]);
  });
});

describe("trees", () => {
  const TREE = `vibe-dash/
├── go.mod
├── cmd/
│   └── vibe/
│       └── main.go                   # Entry point
└── internal/
    ├── core/
    │   └── domain/
    └── config.go  # cfg`;

  it("takes a fenced list of paths in folders as a flat tree, and commands or bare names as none", () => {
    expect(looksLikeTree("pkg/metrics/a.go    # metrics\npkg/b/c_test.go\ngo.mod  # deps")).toBe(
      true,
    );
    expect(looksLikeTree("npm install zod\nnpm test")).toBe(false);
    expect(looksLikeTree("a.ts\nb.ts")).toBe(false);
    expect(looksLikeTree("src/only.ts")).toBe(false);
    expect(looksLikeTree("id, name, email\n1, ann, a@x")).toBe(false);
    // Route folders and files of web frameworks, drawn by indentation only.
    const routes =
      "apps/mobile/\n  app/(auth)/login.tsx\n  app/[id]/+not-found.tsx\n  src/client.ts";
    expect(looksLikeTree(routes)).toBe(true);
    expect(looksLikeTree(routes.replace(/\n/g, "\r\n"))).toBe(true);
    expect(parseTree(routes).map((e) => e.path)).toContain("apps/mobile/app/(auth)/login.tsx");
    expect(looksLikeTree("(see below)\n(optional)")).toBe(false);
    // Other comment marks, and a line of files beside each other in one folder.
    const list =
      "scripts/ai/Transcription.mjs   ← REFACTOR (drop the base class)\ntests/ai/Transcription.test.js // mocks\nlang/en.json, it.json, de.json — UPDATE (i18n)";
    expect(looksLikeTree(list)).toBe(true);
    expect(parseTree(list).map((e) => e.path)).toEqual([
      "scripts/ai/Transcription.mjs",
      "tests/ai/Transcription.test.js",
      "lang/en.json",
      "lang/it.json",
      "lang/de.json",
    ]);
  });

  it("reads a heading that only contains a read word (Resource, Datasource) as any other", () => {
    const doc = parseStory(
      [
        "# Story 1.1: x",
        "## Dev Notes",
        "### Resource Cache Service\n\nCreate `lib/core/resource_cache.dart` now.",
        "### Firebase Datasource\n\nCreate `lib/data/firebase_datasource.dart`.",
        "### References\n\n- `docs/architecture.md`",
      ].join("\n\n"),
    );
    expect(doc.mentions.map((m) => [m.path, m.intent])).toEqual([
      ["lib/core/resource_cache.dart", "write"],
      ["lib/data/firebase_datasource.dart", "write"],
      ["docs/architecture.md", "read"],
    ]);
  });

  it("reads the route folders and files web frameworks name by brackets", () => {
    const tree = [
      "web/",
      "├── app/",
      "│   ├── [slug].tsx",
      "│   ├── (tabs)/",
      "│   │   └── home.tsx",
      "│   ├── (admin)/stages/[stageId]/",
      "│   │   └── page.tsx   ← MODIFY",
      "│   └── +not-found.tsx",
      "└── (notes)",
    ].join("\n");
    expect(parseTree(tree).map((e) => e.path)).toEqual([
      "web/",
      "web/app/",
      "web/app/[slug].tsx",
      "web/app/(tabs)/",
      "web/app/(tabs)/home.tsx",
      "web/app/(admin)/stages/[stageId]/",
      "web/app/(admin)/stages/[stageId]/page.tsx",
      "web/app/+not-found.tsx",
    ]);
  });

  it("rebuilds full paths from box-drawn indentation", () => {
    expect(parseTree(TREE).map((e) => e.path)).toEqual([
      "vibe-dash/",
      "vibe-dash/go.mod",
      "vibe-dash/cmd/",
      "vibe-dash/cmd/vibe/",
      "vibe-dash/cmd/vibe/main.go",
      "vibe-dash/internal/",
      "vibe-dash/internal/core/",
      "vibe-dash/internal/core/domain/",
      "vibe-dash/internal/config.go",
    ]);
  });

  it("reads a comment wrapped onto the next line as the comment, not as an entry", () => {
    const boxed = [
      "crates/",
      "├── parser/",
      "│   ├── header.rs         # header parsing, version",
      "│   │                       detection, ID size (FR2)",
      "│   └── types.rs          # domain types:",
      "│                           StackFrame, ClassDef",
      "└── cli/",
      "    └── main.rs   # entry",
      "                    wrapped here",
    ].join("\n");
    expect(parseTree(boxed).map((e) => e.path)).toEqual([
      "crates/",
      "crates/parser/",
      "crates/parser/header.rs",
      "crates/parser/types.rs",
      "crates/cli/",
      "crates/cli/main.rs",
    ]);
    // A file drawn far in under a commented folder is an entry, not a wrapped comment.
    expect(
      parseTree("app/    # the app\n        main.ts\n        util.ts").map((e) => e.path),
    ).toEqual(["app/", "app/main.ts", "app/util.ts"]);
    // Drawn by indentation: a wrap sits under the comment; a folder's entries, a step in.
    const indented =
      "src/\n  header.rs    # parsing,\n                 version\n  db # x\n      models.py";
    expect(parseTree(indented).map((e) => e.path)).toEqual([
      "src/",
      "src/header.rs",
      "src/db/",
      "src/db/models.py",
    ]);
  });

  it("reads the lines under a file as its contents, and a dotted folder as a folder", () => {
    const tests = [
      "tests/",
      "├── test_logging.py              # Story 1.3",
      "│   ├── test_get_logger_returns_structlog",
      "│   └── test_context_binding",
      "├── Assets.xcassets",
      "│   └── AppIcon.appiconset",
      "└── config/",
      "    └── test_settings.py",
    ].join("\n");
    expect(parseTree(tests).map((e) => e.path)).toEqual([
      "tests/",
      "tests/test_logging.py",
      "tests/Assets.xcassets/",
      "tests/Assets.xcassets/AppIcon.appiconset",
      "tests/config/",
      "tests/config/test_settings.py",
    ]);
    // A folder with a dotted name holds files and folders: a folder still.
    const solution =
      "src/\n├── MyApp.Db\n│   ├── AppDbContext.cs\n│   └── Migrations/\n└── chart.js\n    └── index.js";
    expect(parseTree(solution).map((e) => e.path)).toEqual([
      "src/",
      "src/MyApp.Db/",
      "src/MyApp.Db/AppDbContext.cs",
      "src/MyApp.Db/Migrations/",
      "src/chart.js/",
      "src/chart.js/index.js",
    ]);
  });

  it("drops the project's own root folder, and only that", () => {
    expect(stripProjectRoot(parseTree(TREE)).map((e) => e.path)[0]).toBe("go.mod");
    const src = parseTree("src/\n  app/\n    main.ts\n");
    expect(stripProjectRoot(src).map((e) => e.path)).toEqual([
      "src/",
      "src/app/",
      "src/app/main.ts",
    ]);
  });
});
