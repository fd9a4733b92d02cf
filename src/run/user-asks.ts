/**
 * What the host asks the user in a story's session, read from its bus events: a permission
 * (`"permission": {"bash": "ask"}` in opencode.json, an edit outside the project, a repeated
 * call) or a question from the agent. Until it is answered the session is busy and silent:
 * the engine must not take that for a stall, and the user must hear of it. Pure.
 */

export interface UserAsk {
  /** The host's request id, which its answer names. */
  id: string;
  session: string;
  kind: "permission" | "question";
  /** In words, one line: "permission `bash` for `npm test`". */
  what: string;
  /** When it was asked (ISO). */
  since: string;
}

type Props = Record<string, unknown>;

/**
 * The ask an event opens: `permission.asked` (the host today), `permission.updated` (hosts
 * before the permission rework), `question.asked`.
 */
export function askOf(type: string, props: Props): UserAsk | undefined {
  const id = text(props.id);
  const session = text(props.sessionID);
  if (!id || !session) return undefined;
  const asked = describe(type, props);
  return asked && { id, session, ...asked, since: new Date().toISOString() };
}

/** The kind of an ask and what it asks, in words, by the event that opens it. */
function describe(type: string, props: Props): Pick<UserAsk, "kind" | "what"> | undefined {
  if (type === "permission.asked") {
    const patterns = Array.isArray(props.patterns) ? props.patterns.map(text) : [];
    const on = patterns.filter(Boolean).map(code).join(", ");
    const what = `permission ${code(text(props.permission) || "?")}${on ? ` for ${on}` : ""}`;
    return { kind: "permission", what: oneLine(what) };
  }
  if (type === "permission.updated") {
    const title = text(props.title);
    const what = `permission ${code(text(props.type) || "?")}${title ? `: ${code(title)}` : ""}`;
    return { kind: "permission", what: oneLine(what) };
  }
  if (type === "question.asked") {
    const first = Array.isArray(props.questions) ? (props.questions[0] as Props) : undefined;
    const question = text(first?.question) || text(first?.header);
    // The agent's words, in a code span: shown as written, never as markdown or a link.
    return {
      kind: "question",
      what: oneLine(question ? `a question: ${code(question)}` : "a question"),
    };
  }
  return undefined;
}

/** The ask an event answers (or rejects), by the request id it names. */
export function answerOf(type: string, props: Props): { id: string; session: string } | undefined {
  if (type !== "permission.replied" && type !== "question.replied" && type !== "question.rejected")
    return undefined;
  // `requestID` today; `permissionID` before the permission rework.
  const id = text(props.requestID) || text(props.permissionID);
  const session = text(props.sessionID);
  return id && session ? { id, session } : undefined;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}

/** In a code span, its own backticks dropped: it is the agent's text, shown in markdown. */
function code(value: string): string {
  return `\`${value.replaceAll("`", "")}\``;
}

/** One line, short enough for a status table and a note; a code span cut short is closed. */
function oneLine(value: string): string {
  const line = value.replace(/\s+/g, " ").trim();
  if (line.length <= 160) return line;
  const cut = line.slice(0, 156);
  const open = (cut.match(/`/g) ?? []).length % 2 === 1;
  return open ? `${cut}...\`` : `${cut}...`;
}
