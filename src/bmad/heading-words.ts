/**
 * Story headings as real projects write them: with an emoji before the words ("## 📖 User
 * Story"), or in the language a project writes its documents in. BMAD's create-story
 * workflow writes the template's headings in the configured document language ("## 开发代理记录"
 * for "## Dev Agent Record", "### 文件列表" for "### File List"), while the story parser
 * matches English heading words. A heading is read through this table first, so a translated
 * story has its File List, its tasks and its Dev Notes found as an English one has.
 *
 * Only translations seen in real BMAD projects are listed (Chinese), longest first: "上下文参考"
 * is a Context Reference, not a References section.
 */
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
  [/上下文参考/g, "Context Reference"],
  [/(?:前一|上一个?|之前的?)故事/g, "Previous Story"],
  [/用户故事|故事描述|故事/g, "Story"],
  [/参考资料|参考文献|参考|引用/g, "References"],
  [/代码审查|审查/g, "Review"],
];

/** Symbols some templates put before a heading's words: "## 📝 Tasks", "## ✅ Acceptance Criteria". */
const LEADING_SYMBOLS = /^(?:[\p{Extended_Pictographic}\p{So}\s]|\uFE0F|\u200D)+/u;

/**
 * The heading as the parser matches it: without leading emoji, and with its known translated
 * words put back in English; other words as written.
 */
export function canonicalHeading(title: string): string {
  const plain = title.replace(LEADING_SYMBOLS, "");
  if (!/[\u3400-\u9fff]/.test(plain)) return plain;
  let out = plain;
  for (const [words, english] of LOCALISED) out = out.replace(words, ` ${english} `);
  return out.replace(/\s+/g, " ").trim();
}
