import { describe, expect, it } from "vitest";
import { answerOf, askOf } from "../src/run/user-asks.ts";

describe("askOf and answerOf: what the host asks the user, from its events", () => {
  it("reads a permission as the host sends it today, and its reply", () => {
    const ask = askOf("permission.asked", {
      id: "per_1",
      sessionID: "ses_1",
      permission: "bash",
      patterns: ["npm test", "npm run build"],
      metadata: {},
      always: ["npm *"],
    });
    expect(ask).toMatchObject({
      id: "per_1",
      session: "ses_1",
      kind: "permission",
      what: "permission `bash` for `npm test`, `npm run build`",
    });
    expect(Date.parse(ask?.since ?? "")).not.toBeNaN();
    expect(
      answerOf("permission.replied", { sessionID: "ses_1", requestID: "per_1", reply: "once" }),
    ).toEqual({ id: "per_1", session: "ses_1" });
  });

  it("reads an older host's permission (`permission.updated`, answered by `permissionID`)", () => {
    expect(
      askOf("permission.updated", {
        id: "per_2",
        sessionID: "ses_1",
        type: "edit",
        title: "Edit src/a.ts",
        messageID: "msg_1",
        metadata: {},
        time: { created: 1 },
      })?.what,
    ).toBe("permission `edit`: `Edit src/a.ts`");
    expect(
      answerOf("permission.replied", {
        sessionID: "ses_1",
        permissionID: "per_2",
        response: "once",
      }),
    ).toEqual({ id: "per_2", session: "ses_1" });
  });

  it("reads the agent's question, and its answer or rejection", () => {
    const ask = askOf("question.asked", {
      id: "que_1",
      sessionID: "ses_2",
      questions: [{ header: "Database", question: "Postgres or SQLite?", options: [] }],
    });
    expect(ask).toMatchObject({ kind: "question", what: "a question: `Postgres or SQLite?`" });
    // The agent's words are shown, never rendered: an image or a link stays text.
    const link = askOf("question.asked", {
      id: "que_2",
      sessionID: "ses_2",
      questions: [{ question: "See ![x](https://example.invalid/?q=secret) `now`" }],
    });
    expect(link?.what).toBe("a question: `See ![x](https://example.invalid/?q=secret) now`");
    expect(answerOf("question.rejected", { sessionID: "ses_2", requestID: "que_1" })?.id).toBe(
      "que_1",
    );
    expect(answerOf("question.replied", { sessionID: "ses_2", requestID: "que_1" })?.id).toBe(
      "que_1",
    );
  });

  it("keeps the agent's text on one line, its backticks out, and short", () => {
    const what =
      askOf("permission.asked", {
        id: "per_3",
        sessionID: "ses_1",
        permission: "bash",
        patterns: [`echo \`rm -rf /\`\n${"x".repeat(300)}`],
      })?.what ?? "";
    expect(what).not.toContain("\n");
    expect(what.length).toBeLessThanOrEqual(160);
    expect(what.startsWith("permission `bash` for `echo rm -rf / xxx")).toBe(true);
    // Cut inside its code span, the span is closed.
    expect(what.endsWith("...`")).toBe(true);
    expect((what.match(/`/g) ?? []).length % 2).toBe(0);
  });

  it("ignores other events and events without an id or a session", () => {
    expect(askOf("session.idle", { id: "x", sessionID: "ses_1" })).toBeUndefined();
    expect(askOf("permission.asked", { sessionID: "ses_1", permission: "bash" })).toBeUndefined();
    expect(askOf("permission.asked", { id: "per_1", permission: "bash" })).toBeUndefined();
    expect(answerOf("permission.replied", { sessionID: "ses_1" })).toBeUndefined();
    expect(answerOf("session.status", { sessionID: "ses_1", requestID: "r" })).toBeUndefined();
  });
});
