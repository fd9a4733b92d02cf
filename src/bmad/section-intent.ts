/**
 * What a heading or a short label says about the paths under it: BMAD's sections give a zone
 * (Tasks and Dev Notes write, References read, the user story and the Dev Agent Record's
 * notes claim nothing), a label switches a group ("**Created:**", "DO NOT MODIFY:"), and
 * some headings name a list of files to change rather than the project's structure.
 */
import { ZH_CANNOT_CHANGE, ZH_FORBIDS_CHANGE, ZH_NEEDS_NO_CHANGE } from "./chinese-negation.ts";
import { hasWriteVerb, ITEM_START } from "./clause-cue.ts";
import type { Intent } from "./story.ts";

export type Zone = "write" | "read" | "none";

/**
 * The heading over what the agent did (BMAD's Dev Agent Record; "Auto Run Result" in the specs
 * BMAD's unattended dev workflow writes, `**Files changed:**` under it) and the one over its
 * brief.
 */
export const DEV_AGENT_RECORD = /dev\s+agent\s+record|^\W*auto\s+run\s+result\b/i;
export const DEV_NOTES = /dev\s+notes/i;
/**
 * A heading over "Modified Files", "Changed Files (Code Review Round 2)", "Archivos MODIFICADOS
 * de historias previas" (the table reads it "Modified files de ..."): files the story changes,
 * whatever the heading's other words say. At its start, so that "Recently Changed Files" under
 * Git Intelligence stays what the project did. Only the zone: as the record of a story with no
 * File List, it took a plan's "Files to Create/Modify > Modified Files" for what was written.
 */
const MODIFIED_FILES = /^\W*(?:modified|changed|created)\s+files?\b/i;

/** The Dev Agent Record's parts before its File List, as BMAD's template heads them. */
const RECORD_PART = /^(?:agent\s+model\s+used|debug\s+log|completion\s+notes)\b/i;

/**
 * Whether a heading opens the story's Dev Agent Record: its own heading, or, before any record,
 * one of its first parts written without it ("### Completion Notes", then "### File List", in
 * Dev Notes). The parser and the plan-time cut tell the record by this one test.
 */
export function opensAgentRecord(title: string, pastRecord: boolean): boolean {
  return DEV_AGENT_RECORD.test(title) || (!pastRecord && RECORD_PART.test(title));
}

/**
 * A heading or label over files to read first or to follow: "Files to Read Before
 * Implementing:", "**Files to Reference:**", "**Files to Reuse:**", "Reference Files:". Not
 * "Files to review and update:": the story changes what it lists there.
 */
const FILES_TO_READ =
  /\bfiles?\s+to\s+(read|review|study|consult|know|reference|reuse|investigate|inspect)\b(?!\s*(?:and|or|&|\/)\s*(?:updat|modif|chang|edit|fix|extend))|^\W*reference\s+files?\b|\b(read|review)\s+(these\s+)?(files?\s+)?(first|before)\b|\brequired\s+reading\b|\breading\s+list\b/i;

/**
 * A heading over what the story leaves alone: "Out of Scope", "Non-Goals", "What NOT to
 * Touch", "건드리지 않을 것 (범위 밖)", "范围外", "対象外". The files under it are named to be left to
 * other stories. Not a heading over both sides ("In Scope / Out of Scope").
 */
const OUT_OF_SCOPE = new RegExp(
  [
    /^(?!.*(?<!not\s+)\bin[-\s]scope\b)/.source,
    "(?:",
    [
      /.*(?:\bout[-\s]of[-\s]scope\b|\bnon[-\s]?goals?\b|\bnot\s+in\s+scope\b|\bwhat\s+not\s+to\s+(?:do|change|touch|modify)\b)/
        .source,
      /.*(?:범위\s*(?:밖|외)|건드리지\s*(?:않|말)|하지\s*마|范围外|不在[^，。；]{0,12}范围|非目标|不涉及|対象外|スコープ外)/
        .source,
      /.*(?:hors[-\s](?:p[ée]rim[èe]tre|scope|du\s+p[ée]rim[èe]tre)|fuera\s+del?\s+alcance|fora\s+do\s+escopo|fuori\s+(?:ambito|scope|perimetro)|au[ßs]erhalb\s+des\s+(?:umfangs|scopes)|nicht\s+im\s+umfang)/
        .source,
    ].join("|"),
    ")",
  ].join(""),
  "iu",
);

/**
 * The same, said of the story in its own words: "What This Story Does NOT Include", "What does
 * NOT belong in this story", "Files this story must NOT touch", "Not Included", "What NOT to
 * Implement", "Nicht im Scope dieser Story". Over 91 real projects, none of the 63 paths claimed
 * under such English headings was written; of the 15 under the French ones since ("Ce qui
 * n'appartient PAS à cette story", "Ce que cette story ne fait pas", "Ce qu'on ne touche PAS",
 * "Ce qui ne change pas"), 1 over 207. Also "Itens não pertencentes a esta história", "No
 * pertenece a esta historia". Not a task's heading ("Task 4: Handle fields not included in
 * the response"), one that names a change besides ("Story does not include X yet: add it"), nor
 * one over both sides ("Included / Not Included", "What does and does NOT belong").
 */
const LEFT_OUT =
  /\bwhat\s+(?:this\s+story\s+)?(?:does|will|should|must)\s*(?:not|n['’]t)\s+(?:include|cover|do|touch|change|modify|implement|build|belong)\b|\b(?:this\s+)?story\s+(?:does|will|should|must)\s*(?:not|n['’]t)\s+(?:include|cover|touch|change|modify)\b|\bfiles?\s+(?:(?:this|the)\s+story\s+)?(?:must|should|will|does|do)\s*(?:not|n['’]t)\s+(?:touch|change|modify|edit)\b|\bnot\s+included\b|\bwhat\s+not\s+to\s+(?:implement|build|create|add)\b|\bnicht\s+im\s+scope\b|\bce\s+qui\s+n['’]appartient\s+pas\b|\bce\s+(?:que|qui)\s+(?:(?:cette\s+|la\s+)?story(?:\s+\d+(?:[.-]\d+)*)?\s+)?ne\s+(?:fait|touche|change|modifie)\s+pas\b|\bce\s+qu['’]on\s+ne\s+(?:touche|change|modifie)\s+pas\b|\bn[ãa]o\s+pertenc\w*\s+a\s+esta\s+(?:story|hist[óo]ria)\b|\bno\s+pertenec\w*\s+a\s+esta\s+(?:story|historia)\b/i;
/** The other side, beside what is left out: "Included / Not Included", "does and does not". */
const OTHER_SIDE = /\binclud\w*|(?<!not\s+)\bin[-\s]scope\b|\b(?:does|do|will)\s+and\b/i;
/** A task's heading, in English or another language: "Task 4:", "Subtask 2.1", "T4 —". */
const ANY_TASK_HEADING = /^\W*(?:(?:sub-?)?tasks?(?!\p{L})|t\d+(?!\p{L}))/iu;

/** A single task's heading, in English or another language (TASK_HEADING). */
function isTaskHeading(title: string): boolean {
  return ANY_TASK_HEADING.test(title) || TASK_HEADING.test(title);
}

function leavesOut(title: string): boolean {
  const said = LEFT_OUT.exec(title);
  if (!said || isTaskHeading(title)) return false;
  // "What does NOT belong in scope": where it is left out of is no other side.
  const after = title
    .slice(said.index + said[0].length)
    .replace(/^\s*in\s+(?:this\s+)?(?:scope|story)\b/i, "");
  const rest = `${title.slice(0, said.index)} ${after}`;
  return namesNoChange(rest) && !OTHER_SIDE.test(rest);
}

/**
 * A heading or label over what is there to build on, as against what to change: "Existing
 * Infrastructure", "Current Provider Architecture", "Existing Files (do not recreate):",
 * "**Relevant existing files:**", "### Key Existing Code", but
 * not "Existing Files to Modify" or "Existing Infrastructure to Extend". Also what other
 * stories did ("Dependencies from Other Stories", "Files Referenced (from previous stories):")
 * and the patterns to copy ("Patterns to Follow", "**Key Pattern Files:**").
 */
const BUILT_ON = new RegExp(
  [
    /^\W*(?:(?:relevant|related|key|important|useful|notable|main|core|other)\s+)?(existing|current)\b(?!.*\b(modif\w*|updat\w*|chang\w*|extend\w*|add\w*|touch\w*|fix\w*|replac\w*|refactor\w*|remov\w*|delet\w*|new|creat\w*)\b)/
      .source,
    /\bfrom\s+(other\s+|previous\s+|prior\s+|earlier\s+)?(stor(y|ies)|epics?)\b/.source,
    /\bpatterns?\s+to\s+follow\b|\bpattern\s+files?\b/.source,
  ].join("|"),
  "i",
);

/**
 * The same headings in the languages stories are written in, where the word for "existing"
 * stands anywhere: "Archivos Existentes Relevantes", "Codice Esistente Rilevante", "Stato
 * Attuale del Codice", "Существующие endpoints", "与现有系统的交互"; but not "Fichiers existants
 * à modifier", "Существующий код для изменения" (buildsOn). On 49 real projects, 8 of 90 paths
 * under such headings were written, as 6% under the English ones.
 */
const FOREIGN_BUILT_ON = new RegExp(
  [
    /(?<!\p{L})(?:esistent[ei]|existentes?|existant(?:e|s|es)?|bestehend\p{L}*|vorhanden\p{L}*|существующ\p{L}*)(?!\p{L})/u
      .source,
    /(?<!\p{L})(?:stato\s+attuale|estado\s+a(?:c)?tual|état\s+actuel|aktuelle[rn]?\s+(?:stand|zustand)|текущее\s+состояние)(?!\p{L})/u
      .source,
    /现有|已有|既存|기존|当前状态|現状|현재\s*상태/u.source,
  ].join("|"),
  "iu",
);
/** Words of a change the write verbs leave out: "Modifiche", "impactés", "РАСШИРЯЙ". */
const FOREIGN_CHANGE =
  /(?<!\p{L})(?:modifich\p{L}*|impact\p{L}*|расшир\p{L}*|cambi\p{L}*)|改动|改造/iu;

/**
 * A heading over what to reuse: "Code Reuse Requirements", "Existing Modules to Reuse",
 * "Pattern modal admin — réutilisation", "재사용 목록 — 다시 만들지 말 것", "Meglévő Kód
 * Újrahasználás". The files under it are there to call, not to change; not what is to be made
 * reusable ("Create Reusable ErrorBoundary", "réutilisable"), nor beside a change to make
 * ("Reuse and extend the parser").
 */
const REUSE =
  /(?<!\p{L})(?:re-?us(?:e|es|ing)|réutilis(?!abl)\p{L}*|reutiliz(?!abl)\p{L}*|riutilizz(?!abil)\p{L}*|wiederverwend(?!bar)\p{L}*|переиспольз\p{L}*|újra(?:fel)?használ(?!ható)\p{L}*)(?!\p{L})|재사용(?!\s*가능)|复用|重用|再利用/iu;

function reuses(title: string): boolean {
  return REUSE.test(title) && namesNoChange(title) && !TASK_HEADING.test(title);
}

/**
 * A heading or label over what is there to build on (BUILT_ON), in English or another
 * language, that names no change to make.
 */
export function buildsOn(title: string): boolean {
  return BUILT_ON.test(title) || foreignBuildsOn(title);
}

function foreignBuildsOn(title: string): boolean {
  return FOREIGN_BUILT_ON.test(title) && namesNoChange(title);
}

/** No write verb in `title`, in English or another language. */
function namesNoChange(title: string): boolean {
  return !hasWriteVerb(title) && !FOREIGN_CHANGE.test(title);
}

/**
 * A single task's heading in another language: "Tâche 2 : ...", "Aufgabe 3", "Tarea 1". The
 * table (heading-words.ts) turns the plurals, and the Chinese, Korean and Japanese words, into
 * "Tasks", which the rule for the work to do takes before any rule that asks this.
 */
const TASK_HEADING =
  /^\W*(?:t[aâ]che|sous-t[aâ]che|tarea|tarefa|aufgabe|compito|задач\p{L}*)(?!\p{L})/iu;

/**
 * A heading that also speaks of something new, to make or missing: "What Already Exists vs
 * What's New", "Lo que YA EXISTE y lo nuevo", "已有功能与新增". The rules below that read what
 * is there already leave such a heading a plan. The English words whole (`NEW_USER` is a name);
 * the English rule takes only those ("Nova" is a name), the broad rule both.
 */
const ENGLISH_NEW = /\b(new|vs\.?|versus|needed|missing)\b/i;
const FOREIGN_NEW =
  /(?<!\p{L})(?:nuov\p{L}*|nuev\p{L}*|nouve\p{L}*|nov[oa]s?|neue?[nrs]?|нов\p{L}*)(?!\p{L})|新/iu;
/** "Nothing new" said of the work: "NICHT neu bauen", "do not build anew", "no new files". */
const NOT_NEW =
  /(?<!\p{L})(?:not|nicht|kein\p{L}*|non|pas|no|nada)\s+(?:\p{L}+\s+)?(?:new|anew|neu\p{L}*|nouve\p{L}*|nuov\p{L}*|nuev\p{L}*)(?!\p{L})/giu;

/** The heading speaks of something new (`words`), other than to say nothing new is to be built. */
function speaksOfNew(title: string, words: RegExp): boolean {
  return words.test(title.replace(NOT_NEW, " "));
}

// "AC3: Credential Security (Already Implemented)", "What Epic 1 Already Built — DO NOT
// REINVENT", "Pre-Built Infrastructure".
const ALREADY_DONE =
  /\balready\s+(implemented|done|built|exists?|in\s+place)\b|\bpre-?built\b|\bdo\s+not\s+(reinvent|recreate)\b/i;

function alreadyDone(title: string): boolean {
  return ALREADY_DONE.test(title) && !speaksOfNew(title, ENGLISH_NEW);
}

/**
 * "Already implemented" in the languages stories are written in: "Stato Attuale del Codice —
 * ~90% GIA' IMPLEMENTATO", "Lo que YA EXISTE (NO recrear)", "Ce qui existe déjà", "BattleResult
 * 接口 (已在 Story 4.5 实现)".
 */
const FOREIGN_ALREADY_DONE = new RegExp(
  [
    /(?<!\p{L})(?:già|gia['’]|ya|déjà|bereits|schon|уже|já)\s+(?:implement\p{L}*|esist\p{L}*|exist\p{L}*|realiz\p{L}*|réalis\p{L}*|vorhanden|реализ\p{L}*|существ\p{L}*|complet\p{L}*|fatt[oa]|hech[oa]|fait)(?!\p{L})/u
      .source,
    /(?<!\p{L})exist\p{L}*\s+(?:déjà|ya|già)(?!\p{L})/u.source,
    /已(?:经)?(?:在[^，。；]{0,24})?(?:实现|完成|存在)|既に(?:実装|存在)|이미\s*(?:구현|존재)/u
      .source,
  ].join("|"),
  "iu",
);

function foreignAlreadyDone(title: string): boolean {
  return FOREIGN_ALREADY_DONE.test(title) && !speaksOfNew(title, FOREIGN_NEW);
}

/**
 * A heading that says a thing is so already, whatever the state: "CRITIQUE — Champs route
 * déjà dans le schéma Dexie", "Observer infrastructure — already wired", "Dependencies
 * (Already in Cargo.toml)"; not beside a change to make ("Update the already wired X"). The
 * word after "already" is the state, not a change: "wired" there is no verb to act on.
 */
const ALREADY_SO = /(?<!\p{L})(?:already|déjà|già|gia['’]|bereits|já)(?!\p{L})(?:\s+\p{L}+)?/iu;

function alreadySo(title: string): boolean {
  const state = ALREADY_SO.exec(title);
  if (!state || TASK_HEADING.test(title)) return false;
  if (speaksOfNew(title, ENGLISH_NEW) || speaksOfNew(title, FOREIGN_NEW)) return false;
  const rest = title.slice(0, state.index) + title.slice(state.index + state[0].length);
  return namesNoChange(rest);
}

/**
 * A heading over the mistakes to avoid: "Anti-Patterns to Avoid", "Pièges & Anti-patterns",
 * "Common Pitfalls", "Gotchas", "Critical Mistakes to Prevent", "Erreurs critiques à éviter",
 * "Anti-Pattern da Evitare", "Errores a evitar", "Fallstricke", "함정", "陷阱". What it names is
 * what not to do ("| Modifier `local-db.ts` | Ces fichiers sont complets |", "Don't re-create
 * `db.ts`"). Not a task's heading ("Tâche 2 : éviter les pièges du cache"), nor one that says
 * to change something ("Remove the N+1 anti-pattern in the queries"). Not "Guardrails" alone:
 * those are rules, to follow as much as to keep from breaking.
 */
const PITFALLS =
  /(?<!\p{L})(?:anti[-\s]?patt?(?:erns?|rons?|rones|roni|ern)|pitfalls?|gotchas?|pi[èe]ges?|fallstricke?|trampas?|armadilhas?|insidie|ловушк\p{L}*|(?:mistakes|errors|traps|things|disasters)\s+to\s+(?:avoid|prevent)|erreurs?(?:\s+\p{L}+)?\s+[àa]\s+(?:[ée]viter|ne\s+pas\s+commettre)|errores\s+a\s+evitar|erros\s+a\s+evitar|errori\s+da\s+evitare)(?!\p{L})|함정|陷阱|落とし穴/iu;

/**
 * Beside the mistakes, the other side or work to do with them: "Boundaries & Anti-Patterns",
 * "Key code patterns / anti-patterns", "Pitfalls to address", "pièges à ne pas manquer" (not
 * to miss), "Anti-Pattern Detector", "Anti-pattern rules".
 */
const NOT_PITFALLS_ALONE =
  /(?<!anti[-\s]?)\bpatt?(?:erns?|rons?|rones|roni)\b|\b(?:scope|boundar\p{L}*|inspiration|guidance|best\s+practices?|rules?|checks?)\b|\b(?:eliminat|resolv|address|handl|migrat|detect|lint|clean\s*up)|ne\s+pas\s+manquer|not\s+to\s+miss|don['’]?t\s+miss/iu;
/** The heading of an acceptance criterion, a step or a phase: "AC3: Anti-pattern linting". */
const STEP_HEADING = /^\W*(?:ac|step|phase|[ée]tape|fase|schritt)\s*#?\s*\d/iu;

function warnsAgainst(title: string): boolean {
  return (
    PITFALLS.test(title) &&
    !NOT_PITFALLS_ALONE.test(title) &&
    !STEP_HEADING.test(title) &&
    !isTaskHeading(title) &&
    namesNoChange(title)
  );
}

/**
 * A rule that holds in a plan only, not under a list of changed files. The rules in other
 * languages that read what is there already as context are such: in a File List,
 * "Fichiers d'implémentation (pré-existants)" or "测试文件（已存在）" group files the story
 * changed; so are the broad ones, in any language, over a thing already so and over what to
 * reuse. (The older English ones keep their reading there: "File List > Existing Files Used".)
 */
const PLAN_ONLY = "plan-only";

/** Innermost heading first: the first rule that matches a heading decides its zone. */
const ZONE_RULES: Array<[RegExp | ((title: string) => boolean), Zone, typeof PLAN_ONLY?]> = [
  [
    /file\s*list|files?\s+(changed|modified|created|touched|affected|impacted|to\s+(create|modify|touch|change))/i,
    "write",
  ],
  [MODIFIED_FILES, "write"],
  [/source\s+tree|components?\s+to\s+touch|project\s+structure/i, "write"],
  // "Files to Read Before Implementing", "Required Reading": what to know, not to change.
  [FILES_TO_READ, "read"],
  [OUT_OF_SCOPE, "read"],
  [leavesOut, "read"],
  // "Sources", but not "Source Files" or "Source Code" (the project's own, to change).
  // Words of their own: not "Resource Cache Service", "Firebase Datasource".
  [
    /(?<!\w)references?|(?<!\w)sources?\b(?!\s+(files?|code)\b)|citations?|related\s+(docs|documents)/i,
    "read",
  ],
  // The same heading in the European languages stories are written in ("Références",
  // "Referencias", "Riferimenti", "Referenzen", "Источники"): English's rule above misses the
  // accented letters and the other words (heading-words.ts puts Chinese, Korean and Japanese
  // ones back in English).
  [
    /(?<!\p{L})(?:r[eé]f[eé]rences?|referencias?|refer[eê]ncias?|riferimenti|referenze|referenzen|quellen|источники|ссылки)(?!\p{L})/iu,
    "read",
  ],
  // What exists already, described for context: read, not written.
  [
    /context|background|current\s+state|overview|previous(\s*\/\s*\w+)?\s+stor(y|ies)|existing\s+code|git\s+intelligence|recent\s+commits/i,
    "read",
  ],
  [alreadyDone, "read"],
  [foreignAlreadyDone, "read", PLAN_ONLY],
  [
    /^(story|user\s+story)$|acceptance\s+criteria|user[-\s]visible|change\s*log|completion\s+notes|debug\s+log|agent\s+model|qa\s+results|review|validation|retrospective|learnings|definition\s+of\s+done|success\s+metrics/i,
    "none",
  ],
  [DEV_AGENT_RECORD, "none"],
  // "UX Gate Findings", "Investigation Findings": what a check found in the files it names
  // ("Checked `DESIGN.md`: no gap found"), not what to change in them; but "Findings to Fix".
  // After the rules above: "Review Findings" still claims nothing.
  [/\bfindings\b(?!\s+to\s+(fix|address|resolve|apply|implement))/i, "read"],
  // What is there to build on: on 16 real projects, 6% of the paths the plan claimed under
  // such headings were written.
  [BUILT_ON, "read"],
  [foreignBuildsOn, "read", PLAN_ONLY],
  [
    /tasks?|subtasks|implementation|dev\s+notes|technical|architecture|design|notes|testing|approach|guidance/i,
    "write",
  ],
  // After the work to do: "Task 2: Handle users already logged in", "Task 4: Reuse connections
  // in the pool" are tasks whatever else they say.
  [alreadySo, "read", PLAN_ONLY],
  [reuses, "read", PLAN_ONLY],
  [warnsAgainst, "read", PLAN_ONLY],
];

/**
 * A list of changed files: "File List", "Files Created/Modified" (past tense: "Files to Modify"
 * is a plan). In the Dev Agent Record, the record; outside it, in templates that have none or
 * put it elsewhere (`## File List` before the record, "Implementation Summary > Files
 * Created/Modified"), the record of a done story without one, and a plan for a story not yet
 * worked on.
 */
export const CHANGED_FILES_HEADING = /file\s*list|\bfiles?\s+(created|modified|changed|touched)\b/i;
/**
 * The names of the sections written before the work: BMAD's own (Acceptance Criteria, Tasks,
 * Dev Notes) and those other story templates give them (`## Developer Context`,
 * `## Technical Notes`, `## Implementation Plan`, `## Implementation Tasks`).
 */
export const PLANNING_SECTIONS =
  "acceptance\\s+criteria|tasks?\\b|subtasks?|dev\\s+notes|developer\\s+(?:notes|context)|technical\\s+(?:notes|requirements|context|specifications?)|implementation\\s+(?:notes|plan|approach|guide|tasks)";
/** A heading chain under them: a list of files there is a plan, never a record. */
export const PLANNING_HEADING = new RegExp(`${PLANNING_SECTIONS}|project\\s+structure`, "i");

export const FILES_HEADING =
  /file\s*list|files?\s+(changed|modified|created|touched|to\s+(create|modify|touch|change))|source\s+tree|components?\s+to\s+touch|project\s+structure|file\s+structure|files?\s+(?:affected|impacted)/i;
/**
 * A heading or label over files to change, as against one that shows the project's structure
 * ("Project Structure Notes", whose short names were written about one time in seven on real
 * projects, against six in seven under "Files to Create" or "Files Affected").
 */
export const CHANGE_LIST =
  /files?\s+(to\s+(create|modify|touch|change|update|add)|affected|impacted)|components?\s+to\s+touch|\b(new|modified|changed|created|updated)\s+files?\b/i;
/** The same, as a label in a list item: "Source tree components to touch: `a`, `b`". */
export const FILES_LABEL =
  /^\W*(source\s+tree(\s+components)?(\s+to\s+touch)?|components?\s+to\s+touch|files?\s+to\s+(create|modify|touch|change|update)|(new|modified|changed|created|updated)\s+files?|files?\s+(created|modified|changed|affected))\s*:/i;

/**
 * Words that forbid changing files: "DO NOT MODIFY", "must not be changed", "Не изменять",
 * "File da NON toccare", "不要修改". Stronger than a file said to be unchanged or read-only:
 * the story forbids the file itself (claims.ts then reads it wherever the story names it).
 */
export const PROHIBITS = new RegExp(
  [
    /do\s*n[o']t\s+(modify|touch|change|edit)|must\s+not\s+(be\s+)?(modif|chang|edit)|\bnot\s+to\s+(be\s+)?(modif|chang|touch|edit)|\bto\s+not\s+(be\s+)?(modif|chang|touch|edit)/
      .source,
    // As stories in other languages label such files ("**Не изменять:**", "**File da NON
    // toccare:**", "### Файлы НЕ ТРОГАТЬ"): Russian, Italian, French, Spanish, Portuguese,
    // German, Chinese.
    /не\s+(изменять|менять|трогать|модифицировать|редактировать)|non\s+(toccare|modificare|cambiare)|ne\s+pas\s+(modifier|toucher|changer)|no\s+(modificar|tocar|cambiar|editar)|não\s+(modificar|alterar|tocar|mexer)|nicht\s+(zu\s+)?(ändern|verändern|anfassen|bearbeiten)/
      .source,
    ZH_FORBIDS_CHANGE,
  ].join("|"),
  "i",
);
/** A heading or label over files to leave as they are: a prohibition, or "read-only", "unchanged". */
export const DO_NOT_MODIFY = new RegExp(
  [
    PROHIBITS.source,
    /read[-\s]only|unchanged|untouched|reference\s+only/.source,
    // "### 不需修改的文件", "无需变更": no change needed.
    `${ZH_NEEDS_NO_CHANGE}|保持不变`,
  ].join("|"),
  "i",
);
/**
 * The same over a list of files (a heading, a label), where "cannot be changed" (不可修改) speaks
 * of the files too.
 */
export const OVER_FILES_PROHIBITS = new RegExp(
  `${PROHIBITS.source}|${ZH_CANNOT_CHANGE.source}`,
  "i",
);
export const OVER_FILES_DO_NOT_MODIFY = new RegExp(
  `${DO_NOT_MODIFY.source}|${ZH_CANNOT_CHANGE.source}`,
  "i",
);
/**
 * A heading that says no change is needed: "### No Changes Needed", "### Files That Do Not
 * Need Changes", "## Existing Entities (No Changes Required)": the files under it are there as
 * they are. Not a heading that also says what changes ("Files to Modify (no changes needed in
 * tests)"), one that tells what the product does ("Task 3: Return early when no changes
 * needed", "No changes needed beyond the new route"), nor a File List ("— no code changes, docs
 * only"). story.ts also leaves out a heading that names its file ("#### 2. `list.go` (NO CHANGE
 * NEEDED)"): that is said of the file, not of the notes under it.
 */
export function headingSaysNoChange(title: string): boolean {
  const match = NO_CHANGE_NEEDED.exec(title);
  if (!match) return false;
  // "Already Implemented (No Changes Needed)": a state, no change to make.
  const rest =
    `${title.slice(0, match.index)} ${title.slice(match.index + match[0].length)}`.replace(
      /\balready\s+\w+/gi,
      " ",
    );
  return !hasWriteVerb(rest) && !NOT_THE_FILES.test(rest) && !/\bfile\s*list\b/i.test(title);
}
const NOT_THE_FILES = /\b(?:when|if|unless|whether|beyond|except|skip\w*|detect\w*|handl\w*)\b/i;
const NO_CHANGE_NEEDED = new RegExp(
  [
    /\bno\s+(?:code\s+)?changes?\s+(?:needed|required|necessary)\b/.source,
    /\b(?:do(?:es)?\s*n[o'’]t|not)\s+(?:need|requir\w*)\s+(?:any\s+)?(?:code\s+)?(?:changes?|modifications?)\b/
      .source,
    /\bneeds?\s+no\s+(?:code\s+)?(?:changes?|modifications?)\b/.source,
  ].join("|"),
  "i",
);
/** A label over files left as they were: "Files NOT Modified:", "Reviewed (No Changes Needed):". */
const NOT_CHANGED_LABEL = new RegExp(
  [
    /\bnot\s+(modified|changed|touched|edited)\b|\bno\s+changes?\b/.source,
    // "Não alterados (verificados apenas):", "Sin cambios:", "Unverändert:", "未修改:".
    /não\s+(alterad|modificad)|sem\s+altera|sin\s+cambios|no\s+modificad|non\s+modificat|nicht\s+geändert|unverändert|non\s+modifié|inchangé|без\s+изменений|не\s+изменен|未修改|未更改|无变更|변경\s*없음|수정\s*없음|変更なし/
      .source,
  ].join("|"),
  "i",
);
const WRITE_VERB =
  /\b(create|add|update|implement|extend|write|edit|modify|change|replace|remove|delete)\b/i;
/**
 * A label over what the story must not do: "**The dev agent must NOT:**", "**Never:**",
 * "**Avoid:**", "**Il dev agent NON deve:**", "**禁止:**". The files in the list under it are
 * named to be left alone ("- Modify `SessionOrchestrator.mjs`").
 */
export const FORBIDS_LABEL =
  /(?<!\p{L})(?:(?:must|should|shall|will|do|does|can)\s*not|cannot|do\s*n['’]t|don['’]ts|never|avoid|anti[-\s]?patterns?|non\s+dev\p{L}*|ne\s+doit\s+pas|no\s+deb\p{L}*|não\s+dev\p{L}*|darf\s+nicht|не\s+долж\p{L}*|нельзя)(?:[\s'’]+\p{L}+){0,2}\s*[:：]\s*$|(?:禁止|不要|不得|不应|不能|しない|하지\s*말\p{L}*)\s*[:：]\s*$/iu;
/** A label over files that move: "Moved files:", "Files to rename:", "Renames:". */
const MOVE_LABEL = /^\W*(mov(e|ed|es|ing)|renam(e|ed|es|ing))\b|\bfiles?\s+to\s+(move|rename)\b/i;
export const WRITE_LABEL =
  /^\W*(create[ds]?|new(\s+files?)?|modif(y|ied)|updated?|changed?|added|delete[ds]?|removed?|renamed?|files?\s+(created|modified|changed|updated|added|deleted))\b/i;
export const READ_VERB = new RegExp(
  `${ITEM_START}(read|review|study|see|refer\\s+to|consult|understand|inspect|look\\s+at|reuse|copy\\s+pattern)\\b`,
  "i",
);
export const READ_CELL =
  /^(reuse|copy\s+pattern|reference|read|read[-\s]only|existing|do\s+not\s+modify)$/i;
/**
 * A drawn tree's mark on the entries a story changes: "# NEW", "# modified: adds X", "← update",
 * "(new)", and the same word opening a parenthesis that goes on to say what changes ("(modified
 * — Position struct, SendRotation)", "(new, vendored)", "(created: the parser)"); not a note of
 * where the entry came from ("(created in Story 1.1)", "(added by the scaffold)").
 */
export const TREE_MARKER =
  /#\s*(new|create|modif|update|add|change|edit|touch)|←|<--|\(\s*(?:new|created?|modif(?:y|ied)|updated?|changed|edited|added|extended)\b(?!\s+(?:in|by|during|from|for|at|on)\b)|\bNEW\b|\bMODIFY\b|\bUPDATE\b/i;
/**
 * The same words in the languages stories are written in ("# 수정:", "# 新增", "# nuevo",
 * "# geändert"). Their comments are freer prose than the English marks ("# 分析管线使用代理"
 * on a file the story changes), so they mark an entry as changed without making the tree's
 * unmarked entries context.
 */
export const FOREIGN_TREE_MARKER = new RegExp(
  [
    /[#(]\s*(수정|신규|추가|삭제|생성|변경|업데이트|갱신|편집|新增|新建|修改|更新|删除|创建|添加|增加|变更|更改|改动|编辑|新規|変更|修正|追加|作成|削除|編集)/
      .source,
    /#\s*(nuev|nouve|nuov|nov[oa]\b|neu\b|neue|cré|cria|actualiz|atualiz|aggiorn|mis\s+à\s+jour|geändert|ändern|erstell|aktualisier|alterad|нов|измен|созда|обнов)/
      .source,
  ].join("|"),
  "i",
);

/**
 * "`x.ts` is finished and must stay untouched": a paragraph that forbids changes, with no
 * writing verb before the prohibition, makes the paths in it reads.
 */
export function saysDoNotModify(text: string): boolean {
  const match = DO_NOT_MODIFY.exec(text);
  return match !== null && !WRITE_VERB.test(text.slice(0, match.index));
}

export function zoneOf(headings: Array<{ title: string; storyTitle?: boolean }>): Zone {
  for (let i = headings.length - 1; i >= 0; i--) {
    // A story's title decides nothing for its sections (`Story 1.1: Widget Context`).
    if (headings[i]?.storyTitle) continue;
    const title = headings[i]?.title ?? "";
    const changed = headings.slice(0, i).some((h) => CHANGED_FILES_HEADING.test(h.title));
    for (const [rule, zone, only] of ZONE_RULES) {
      if (changed && only === PLAN_ONLY) continue;
      if (typeof rule === "function" ? rule(title) : rule.test(title)) return zone;
    }
  }
  // Text before any heading, or under the story's title alone, claims nothing; a section of a
  // file with no `#` title (a spec, its title in front matter) is a section all the same.
  return headings.every((h) => h.storyTitle) ? "none" : "write";
}

/** A short label like `**Created:**` or `DO NOT MODIFY:` switches the group that follows. */
export function labelGroup(value: string, current: Intent | undefined): Intent | undefined {
  const label = value.trim();
  const labelled = isLabel(label);
  // "Moved files (content unchanged):": a move writes both paths, whatever the content.
  if (MOVE_LABEL.test(label) && labelled) return "write";
  if (OVER_FILES_DO_NOT_MODIFY.test(label) && (labelled || /^\W*do\s*n[o']t/i.test(label)))
    return labelled ? "read" : current;
  // Only a label switches the group from here on: stop early, so that the expressions below
  // run on labels only (every short paragraph of a story comes through here).
  if (!labelled) return current;
  if (saysNotChanged(label) || FILES_TO_READ.test(label) || leftOut(label)) return "read";
  // "**Files to Modify:**", "**Test Files to Create**:" after a group of files to read.
  if (WRITE_LABEL.test(label) || CHANGE_LIST.test(label)) return "write";
  return current;
}

/**
 * A label over what the story leaves out, as the heading rule reads one ("**Out of Scope:**",
 * "**Hors périmètre :**"), or says it excludes ("**Excluded:**", "**EXCLU (ne pas modifier) :**",
 * "**Excluido:**"): the files listed under it are other stories' work.
 */
const EXCLUDED_LABEL =
  /^\W*(?:exclu(?:ded|des|s)?|exclu[ií]d[oa]s?|esclus[ioae]|ausgeschlossen)(?!\p{L})/iu;
function leftOut(label: string): boolean {
  return OUT_OF_SCOPE.test(label) || leavesOut(label) || EXCLUDED_LABEL.test(label);
}

/**
 * "Files NOT Modified:", "Files Reviewed (No Changes Needed):", but not "Modified (no changes
 * to public API):", where the files were changed.
 */
export function saysNotChanged(label: string): boolean {
  return notChangedAt(label) !== undefined;
}

/**
 * What a drawn tree says after an entry's name says it is left as it is ("← no changes"), and
 * nothing after that says what changes in it ("← no changes to the public API, add a helper").
 */
export function entryNotChanged(said: string): boolean {
  const match = notChangedAt(said);
  return match !== undefined && !CHANGE_WORD.test(said.slice(match.index + match[0].length));
}

const CHANGE_WORD = /\b(modif|creat|updat|add|edit|new|chang|writ|delet|renam)/i;

/** Where `text` says "not changed" with no word of a change before it. */
function notChangedAt(text: string): RegExpExecArray | undefined {
  const match = NOT_CHANGED_LABEL.exec(text);
  return match && !CHANGE_WORD.test(text.slice(0, match.index)) ? match : undefined;
}

/** A short paragraph that introduces what follows: `**Created:**`, `DO NOT MODIFY`. */
export function isLabel(value: string): boolean {
  const label = value.trim();
  return label.length <= 60 && (/:\s*$/.test(label) || /^[A-Z\s/()-]+$/.test(label));
}
