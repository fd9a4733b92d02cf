/**
 * Story headings as real projects write them: with an emoji before the words ("## 📖 User
 * Story"), or in the language a project writes its documents in. BMAD's create-story
 * workflow writes the template's headings in the configured document language ("## 开发代理记录"
 * for "## Dev Agent Record", "### 文件列表" for "### File List"), while the story parser
 * matches English heading words. A heading is read through this table first, so a translated
 * story has its File List, its tasks and its Dev Notes found as an English one has.
 *
 * The same table reads the short labels over lists of files ("**수정 파일:**" is "Modified
 * files:", "**新增文件：**" "New files:").
 *
 * Chinese and Korean are the translations seen in real BMAD projects; Japanese is the
 * template's own words, unmeasured. Longest first: "上下文参考" is a Context Reference, not a
 * References section.
 */
import { ZH_CANNOT, ZH_FORBID, ZH_NO_NEED } from "./chinese-negation.ts";

const LOCALISED: ReadonlyArray<readonly [RegExp, string]> = [
  [/开发代理记录|开发智能体记录/g, "Dev Agent Record"],
  [/文件列表|文件清单/g, "File List"],
  [/变更日志|变更记录|更改日志/g, "Change Log"],
  [/完成(?:备注|说明|注释)(?:列表)?/g, "Completion Notes"],
  [/调试日志(?:参考|引用)?/g, "Debug Log"],
  [/(?:使用的)?代理模型/g, "Agent Model Used"],
  [/验收标准/g, "Acceptance Criteria"],
  [/子任务/g, "Subtasks"],
  [/任务/g, "Tasks"],
  [/开发(?:者)?(?:笔记|说明|注释|备注)/g, "Dev Notes"],
  [/项目结构/g, "Project Structure"],
  [/文件结构/g, "File Structure"],
  [/技术设计|技术方案/g, "Technical Design"],
  [/上下文参考/g, "Context Reference"],
  // "前一个 Story 情报", "前序 Story 情报", "从前置 Story 学到的经验": the story before, its
  // name often left in English.
  [
    /(?:前一个?|上一个?|之前的?|前置|前序)\s*(?:故事|[Ss]tor(?:y|ies)(?![A-Za-z]))/g,
    "Previous Story",
  ],
  // "棕地现状（摘录）" (the brownfield's current state), "当前实现状态", "技术背景": what is
  // there, told for context, as "Current State" and "Background" are. Not "背景色" (a colour).
  [/现状|现况|当前(?:实现)?状态/g, "Current State"],
  [/背景(?![色图])/g, "Background"],
  [/用户故事|故事描述|故事/g, "Story"],
  [/参考资料|参考文献|参考|引用/g, "References"],
  [/代码审查|审查/g, "Review"],
  // Not "不要修改的文件", "不需修改的文件" (files not to change, that need no change), which
  // the do-not-modify words read.
  [
    new RegExp(
      `(?<!${ZH_FORBID}|${ZH_NO_NEED}|${ZH_CANNOT}|不|未|没有)(?:修改(?:的)?文件|变更文件)`,
      "g",
    ),
    "Modified files",
  ],
  [/新增文件|新建文件|新文件|创建(?:的)?文件/g, "New files"],
  [/删除(?:的)?文件/g, "Deleted files"],
  // Korean
  [/개발\s*에이전트\s*기록/g, "Dev Agent Record"],
  [/파일\s*목록/g, "File List"],
  [/변경\s*(?:로그|이력|기록)/g, "Change Log"],
  [/완료\s*(?:노트|메모)/g, "Completion Notes"],
  [/디버그\s*로그/g, "Debug Log"],
  [/(?:사용된\s*)?에이전트\s*모델/g, "Agent Model Used"],
  [/(?:수용|인수)\s*기준/g, "Acceptance Criteria"],
  [/하위\s*작업/g, "Subtasks"],
  [/작업|태스크/g, "Tasks"],
  [/개발(?:자)?\s*(?:노트|메모)/g, "Dev Notes"],
  [/프로젝트\s*구조/g, "Project Structure"],
  [/파일\s*구조/g, "File Structure"],
  [/기술\s*설계/g, "Technical Design"],
  [/이전\s*스토리/g, "Previous Story"],
  [/현재\s*상태/g, "Current State"],
  [/배경(?!\s*(?:색|이미지))/g, "Background"],
  [/사용자\s*스토리|스토리/g, "Story"],
  [/참고\s*자료|참고\s*문헌|참고|참조/g, "References"],
  [/코드\s*리뷰|리뷰/g, "Review"],
  [/수정(?:된)?\s*파일|변경(?:된)?\s*파일/g, "Modified files"],
  [/신규\s*파일|새(?:로운)?\s*파일|생성(?:된)?\s*파일/g, "New files"],
  [/삭제(?:된)?\s*파일/g, "Deleted files"],
  // Japanese
  [/開発エージェント記録/g, "Dev Agent Record"],
  [/ファイル(?:リスト|一覧)/g, "File List"],
  [/変更(?:履歴|ログ)/g, "Change Log"],
  [/完了(?:メモ|ノート)/g, "Completion Notes"],
  [/受け?入れ基準/g, "Acceptance Criteria"],
  [/サブタスク/g, "Subtasks"],
  [/タスク/g, "Tasks"],
  [/開発(?:者)?(?:ノート|メモ)/g, "Dev Notes"],
  [/プロジェクト構造/g, "Project Structure"],
  [/技術設計/g, "Technical Design"],
  [/現状/g, "Current State"],
  [/(?:ユーザー)?ストーリー/g, "Story"],
  [/参考資料|参照|参考/g, "References"],
  [/(?:コード)?レビュー/g, "Review"],
  [/(?:変更|修正)(?:する)?ファイル/g, "Modified files"],
  [/新規(?:作成)?ファイル|新しいファイル/g, "New files"],
];

/** Han, kana and Hangul: the scripts the table translates from. */
const CJK = /[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]/;

/**
 * "Story" in the European languages ("Historia 2.5: ...", "Histoire", "Storia"): the table's
 * whole-heading entry, and the story parser's title before its id.
 */
export const STORY_WORDS = "hist[oó]ria|histoire|storia";

/**
 * The template's headings in the European languages stories are written in: Spanish,
 * Portuguese, French, Italian and German, as real projects head them ("## Tareas / Subtareas",
 * "## Registro del Agente Dev" > "### Modelo Utilizado", "## Historique Agent Dev" >
 * "### Liste des Fichiers"). Without them such a story's tasks counted none, its task lines
 * were read as notes, its acceptance criteria as a section to change, and a done story's File
 * List was not found. Whole words only, longest first; the words a heading shares with prose
 * ("attività", activity) only where they open it.
 */
const LATIN: ReadonlyArray<readonly [string, string]> = [
  // Dev Agent Record
  ["registro\\s+del?\\s+agente\\s+(?:dev|de\\s+desarrollo|desarrollador)", "Dev Agent Record"],
  ["registro\\s+do\\s+agente\\s+(?:dev|de\\s+desenvolvimento|desenvolvedor)", "Dev Agent Record"],
  [
    "(?:historique|registre|journal|enregistrement)\\s+(?:de\\s+l['’]\\s*)?agent\\s+(?:dev|de\\s+d[eé]veloppement)",
    "Dev Agent Record",
  ],
  ["registro\\s+dell['’]\\s*agente\\s+(?:dev|di\\s+sviluppo)", "Dev Agent Record"],
  [
    "(?:dev|entwickl(?:er|ungs))[-\\s]?agent(?:en)?[-\\s]?(?:protokoll|aufzeichnungen?|bericht)",
    "Dev Agent Record",
  ],
  // Its parts
  [
    "(?:lista\\s+de\\s+)?notas\\s+de\\s+(?:finalizaci[oó]n|completado|completitud|conclus[aã]o)",
    "Completion Notes",
  ],
  [
    "(?:liste\\s+des\\s+)?notes\\s+de\\s+(?:compl[eé]tion|finalisation|fin|ach[eè]vement)",
    "Completion Notes",
  ],
  ["note\\s+di\\s+completamento|abschluss(?:notizen|hinweise|bemerkungen)", "Completion Notes"],
  [
    "modelo\\s+(?:de(?:l)?\\s+agente\\s+|d[oe]\\s+agente\\s+)?(?:utilizado|usado)",
    "Agent Model Used",
  ],
  ["mod[eè]le\\s+(?:d['’]\\s*agent\\s+|de\\s+l['’]\\s*agent\\s+)?utilis[eé]", "Agent Model Used"],
  [
    "modello\\s+(?:dell['’]\\s*agente\\s+)?utilizzato|verwendetes\\s+(?:agenten[-\\s]?)?modell",
    "Agent Model Used",
  ],
  [
    "(?:referencias\\s+del?\\s+)?registro\\s+de\\s+depuraci[oó]n|(?:refer[eê]ncias\\s+d[eo]\\s+)?(?:log|registro)\\s+de\\s+depura[cç][aã]o",
    "Debug Log",
  ],
  [
    "(?:r[eé]f[eé]rences\\s+du\\s+)?journal\\s+de\\s+d[eé]bogage|(?:riferimenti\\s+(?:al|del)\\s+)?log\\s+di\\s+debug",
    "Debug Log",
  ],
  [
    "lista\\s+de\\s+(?:archivos|arquivos)|liste\\s+des\\s+fichiers|(?:elenco|lista)\\s+(?:dei\\s+)?file|dateiliste",
    "File List",
  ],
  [
    "(?:registro|historial)\\s+de\\s+cambios|(?:registro|hist[oó]rico)\\s+de\\s+altera[cç][oõ]es|(?:journal|historique)\\s+des\\s+(?:modifications|changements)|registro\\s+delle\\s+modifiche|[äa]nderungs(?:protokoll|historie)",
    "Change Log",
  ],
  // The sections before the work
  [
    "criterios\\s+de\\s+aceptaci[oó]n|crit[eé]rios\\s+de\\s+aceita[cç][aã]o|crit[eè]res\\s+d['’]\\s*acceptation|criteri\\s+di\\s+accettazione|akzeptanzkriterien|abnahmekriterien",
    "Acceptance Criteria",
  ],
  [
    "subtareas|subtarefas|sous[-\\s]?t[aâ]ches|sotto[-\\s]?(?:attivit[aà]|compiti)|(?:teil|unter)aufgaben",
    "Subtasks",
  ],
  ["tareas|tarefas|t[aâ]ches|compiti|^attivit[aà]|^aufgaben", "Tasks"],
  [
    "notas\\s+(?:de(?:l)?\\s+|para\\s+el\\s+)?(?:desarrollo|desarrollador)|notas\\s+(?:de|do|para\\s+o)\\s+(?:desenvolvimento|desenvolvedor)",
    "Dev Notes",
  ],
  [
    "notes\\s+(?:de|du|pour\\s+le)\\s+d[eé]velopp(?:ement|eur)|note\\s+(?:di|per\\s+lo|dello)\\s+svilupp(?:o|atore)|entwickl(?:er|ungs)[-\\s]?(?:notizen|hinweise)",
    "Dev Notes",
  ],
  ["notas\\s+de\\s+implementaci[oó]n|notes\\s+d['’]\\s*impl[eé]mentation", "Implementation Notes"],
  // Labels and headings over lists of files
  [
    "archivos\\s+(?:a|por)\\s+(?:crear|modificar|cambiar|actualizar|tocar)|arquivos\\s+a\\s+(?:criar|modificar|alterar|atualizar)",
    "Files to change",
  ],
  [
    "fichiers\\s+[aà]\\s+(?:cr[eé]er|modifier|changer|toucher|mettre\\s+[aà]\\s+jour)|file\\s+da\\s+(?:creare|modificare|aggiornare|toccare)|(?<!nicht\\s)zu\\s+(?:[äa]ndernde|erstellende)\\s+dateien",
    "Files to change",
  ],
  [
    "(?:archivos|arquivos)\\s+(?:nuevos|novos|creados|criados)|(?:nuevos|novos)\\s+(?:archivos|arquivos)|nouveaux\\s+fichiers|fichiers\\s+(?:cr[eé][eé]s|nouveaux)|nuovi\\s+file|file\\s+(?:nuovi|creati)|(?:neue|erstellte)\\s+dateien",
    "New files",
  ],
  [
    "(?:archivos|arquivos)\\s+(?:modificados|alterados)|fichiers\\s+modifi[eé]s|file\\s+modificati|(?:ge[äa]nderte|modifizierte)\\s+dateien",
    "Modified files",
  ],
  [
    "(?:archivos|arquivos)\\s+(?:afectados|afetados)|fichiers\\s+(?:affect[eé]s|impact[eé]s|concern[eé]s)|file\\s+(?:interessati|coinvolti)|betroffene\\s+dateien",
    "Files affected",
  ],
  [
    "estructura\\s+del\\s+proyecto|estrutura\\s+do\\s+projeto|structure\\s+du\\s+projet|struttura\\s+del\\s+progetto|projektstruktur",
    "Project Structure",
  ],
  // What the stories before left ("Héritage des stories précédentes", "Aprendizajes de
  // historias anteriores", "Intelligence précédente"): context, as "Previous Story
  // Intelligence" is.
  [
    "(?:stor(?:y|ies)|histoires?|hist[oó]rias?|stori[ae])\\s+(?:pr[eé]c[eé]dentes?|anterior(?:es)?|pr[eé]vias?|precedent[ei])|(?:vorherigen?|fr[üu]heren?|vorangegangenen?)\\s+stor(?:y|ies|ys)|intelligence\\s+pr[eé]c[eé]dente|h[eé]ritage\\s+(?:de\\s+la|des?|du)\\s+(?:stor(?:y|ies)|histoires?)|aprendizajes\\s+de\\s+(?:la\\s+)?historia",
    "Previous Story",
  ],
  // The review after the work ("Revisión de Código", "Revue de code"): claims nothing, as
  // "Code Review" does.
  [
    "revisi[oó]n\\s+del?\\s+c[oó]digo|revis[aã]o\\s+de\\s+c[oó]digo|revue\\s+de\\s+code|revisione\\s+del\\s+codice",
    "Code Review",
  ],
  ["hist[oó]ria\\s+d[eo]\\s+usu[aá]rio|histoire\\s+utilisateur|storia\\s+utente", "User Story"],
  [["^(?:", STORY_WORDS, ")$"].join(""), "Story"],
];

/** The table as one expression each, and all of them at once to pass a heading by. */
const wholeWords = (words: string) => `(?<!\\p{L})(?:${words})(?!\\p{L})`;
const LATIN_WORDS = LATIN.map(
  ([words, english]) => [new RegExp(wholeWords(words), "giu"), english] as const,
);
const ANY_LATIN = new RegExp(LATIN.map(([words]) => wholeWords(words)).join("|"), "iu");

/** Symbols some templates put before a heading's words: "## 📝 Tasks", "## ✅ Acceptance Criteria". */
const LEADING_SYMBOLS = /^(?:[\p{Extended_Pictographic}\p{So}\s]|\uFE0F|\u200D)+/u;

/**
 * A section number before a heading's words: "## 4. Technical Requirements", "### 4.1 Data
 * Fetching", "## 2) Tasks". A number with no dot or bracket after it stays ("## 404 Handling").
 */
const SECTION_NUMBER = /^(?:\d{1,3}(?:\.\d{1,3})+\.?|\d{1,3}[.)])\s+/;

/**
 * The heading (or label) as the parser matches it: without leading emoji or a section number,
 * and with its known translated words put back in English (a full-width colon as ":"); other
 * words as written.
 */
export function canonicalHeading(title: string): string {
  return canonical(title, true);
}

/**
 * A short paragraph as the parser matches a label over a list: as a heading, but the European
 * words only where it reads as a label (it ends with a colon, or is written in capitals). The
 * European table costs a few microseconds a line; most short lines of a story are prose.
 */
export function canonicalLabel(text: string): string {
  return canonical(text, /[:：]\s*$/.test(text) || !/\p{Ll}/u.test(text));
}

function canonical(title: string, latin: boolean): string {
  const plain = title.replace(LEADING_SYMBOLS, "").replace(SECTION_NUMBER, "");
  if (!CJK.test(plain)) {
    if (!latin || !ANY_LATIN.test(plain)) return plain;
    let out = plain;
    for (const [words, english] of LATIN_WORDS) out = out.replace(words, english);
    return out;
  }
  let out = plain.replace(/：/g, ":");
  for (const [words, english] of LOCALISED) out = out.replace(words, ` ${english} `);
  return out.replace(/\s+/g, " ").replace(/\s+:/g, ":").trim();
}
