/**
 * The words Chinese joins to a verb to say a file is not to be changed: "不应修改" (must not
 * change), "不需修改" (need not change). They are written before the verb with no space, so
 * every reader that looks for a change verb in Chinese ("修改", "更新") looks for these before
 * it, from this one list: a heading ("### 不需修改的文件"), a label over files ("以下文件**不应
 * 修改**："), a clause before a path. Longest first, where one begins another.
 */

/**
 * Forbids the change: "must not", "do not". Not "不可" nor "不能" ("cannot"), which say what the
 * product does ("订单提交后不可修改": an order cannot be changed once sent), nor a bare "别",
 * which ends 分别 ("each"), 级别, 类别 and 区别 before a verb.
 */
export const ZH_FORBID = "不要|不得|不应该|不应当|不应|切勿|严禁|禁止|勿";

/** Says no change is needed: "need not", "no need to". */
export const ZH_NO_NEED = "不需要|不需|不必|不用|无需|无须|毋须|毋需";

/**
 * "Cannot": over a list of files (a heading, "### 不可修改的文件"; a label, "以下文件**不能修改**：")
 * it speaks of the files; in a sentence it says what the product does, so the clause readers
 * leave it out.
 */
export const ZH_CANNOT = "不可以|不可|不能";

/** Verbs of changing a file that the words above are joined to. */
export const ZH_CHANGE = "修改|改动|更改|变更|编辑|触碰";

/** A change forbidden: "不要修改", "禁止更改", and "不修改". */
export const ZH_FORBIDS_CHANGE = `(?:${ZH_FORBID}|不)(?:${ZH_CHANGE})`;

/** No change needed: "不需修改", "无需变更". */
export const ZH_NEEDS_NO_CHANGE = `(?:${ZH_NO_NEED})(?:${ZH_CHANGE})`;

/** "Cannot be changed", over files only (see ZH_CANNOT); not 不可变更新 (不可变 + 更新, immutable). */
export const ZH_CANNOT_CHANGE = new RegExp(`(?:${ZH_CANNOT})(?!变更新)(?:${ZH_CHANGE})`);
