/**
 * The scripted agent behind the model server: for a story session it calls the host's real
 * tools on the files the story names (read the story, write each file, tick the boxes, fill
 * the File List, set `Status: review`), waits a given time, then finishes. Variants fail with
 * a provider error, retry forever on a 5xx, or read a shared file, pause and rewrite it whole
 * with the write tool or through the shell (as real agents do), or hand files to a sub-agent
 * (the host's `task` tool), which writes them in a session of its own. For the parent session
 * it calls `athena_parallel` with the slash command's arguments and repeats the result.
 */
import path from "node:path";
import {
  type ChatMessage,
  type ChatRequest,
  type Reply,
  type Script,
  textOf,
} from "./model-server.ts";

export interface StoryScript {
  /** Files to write, repo-relative. */
  files: string[];
  /** How long the story's last answer takes (the session stays busy meanwhile), ms. */
  finishAfterMs?: number;
  /** Or: finish when this long has passed since the story's first request (a story of T ms). */
  totalMs?: number;
  /** And: the last answer waits until this settles too (the test says when the story ends). */
  finishWhen?: Promise<unknown>;
  outcome?: "ok" | "provider-400" | "provider-500";
  /**
   * Read this file, pause, and write it back whole with one line added: with the write tool,
   * or through the shell (`cat > file <<'EOF'`), as agents also do.
   */
  rewriteWhole?: { file: string; pauseMs: number; via?: "write" | "bash" };
  /** Prompt tokens each of the story's answers reports (default 10). */
  promptTokens?: number;
  /** The provider stops answering the story's first attempt (a retry's session is answered). */
  hangFirstAttempt?: boolean;
  /** `finishAfterMs` for a retry's session (its prompt tells of an earlier attempt). */
  retryFinishAfterMs?: number;
  /**
   * Shell commands the story runs through the bash tool, right after reading its file. One
   * refused with a file to read first (or again) reads it, then runs again.
   */
  shell?: string[];
  /** Edits the story makes with the edit tool after its shell commands (and their reads). */
  edits?: Array<{ file: string; oldString: string; newString: string }>;
  /** Files the story hands to a sub-agent (the `task` tool, agent `general`) to write. */
  subagent?: string[];
  /** A question the story's agent asks the user (the `question` tool) after reading its file. */
  question?: string;
  /** The agent answers at once that it cannot implement the story, and calls no tool. */
  givesUp?: boolean;
  /**
   * A reply of the test's own for a story request, before the script's (undefined: the
   * script's): `attempt` is 1 for the story's first session, 2 for a retry's.
   */
  replyFor?: (attempt: number, request: ChatRequest) => Reply | undefined;
  /** The story's last answer streamed in this many pieces, this long apart. */
  finalStream?: { chunks: number; chunkDelayMs: number };
}

type Action =
  | { tool: "read"; file: string }
  | { tool: "bash"; run: string }
  | { tool: "task"; files: string[] }
  | { tool: "question"; text: string }
  | { tool: "write" | "bash"; file: string; content: "own" | "append" }
  | { tool: "edit"; file: string; oldString: string; newString: string; replaceAll?: boolean };

/** The story a request belongs to, if it comes from a story session. */
export function storyOf(request: ChatRequest): string | undefined {
  const firstUser = request.messages.find((m) => m.role === "user");
  return /Implement BMAD story [\w.]+ \(([\w.-]+)\)/.exec(firstUser ? textOf(firstUser) : "")?.[1];
}

/** The story whose sub-agent sent a request, and the files it is to write. */
function subagentOf(request: ChatRequest): { key: string; files: string[] } | undefined {
  const firstUser = request.messages.find((m) => m.role === "user");
  const match = /^Sub-agent of story ([\w.-]+): write (.+)$/m.exec(
    firstUser ? textOf(firstUser) : "",
  );
  return match ? { key: match[1] ?? "", files: (match[2] ?? "").split(" ") } : undefined;
}

export function agentScript(
  root: string,
  stories: Record<string, StoryScript>,
  /** Where the host runs (its sessions' folder): the prompt names the story file from there. */
  cwd = root,
): Script {
  const firstSeen = new Map<string, number>();
  return (request: ChatRequest): Reply => {
    const sub = subagentOf(request);
    if (sub) {
      const written = toolCalls(request.messages).filter((c) => c.name === "write" && !c.refused);
      const next = sub.files[written.length];
      if (!next) return { text: `Wrote ${sub.files.join(", ")}.` };
      const content = `// ${next}: written by story ${sub.key}'s sub-agent\nexport {};\n`;
      return { toolCalls: [{ name: "write", args: { filePath: path.join(root, next), content } }] };
    }
    const story = storyOf(request);
    if (story) {
      if (!firstSeen.has(story)) firstSeen.set(story, Date.now());
      const first = textOf(request.messages.find((m) => m.role === "user") ?? { role: "user" });
      const retried = /The earlier attempt/.test(first);
      const given = stories[story] ?? { files: [] };
      const script =
        retried && given.retryFinishAfterMs !== undefined
          ? { ...given, finishAfterMs: given.retryFinishAfterMs }
          : given;
      if (script.hangFirstAttempt && !retried) return { hang: true };
      const attempt = Number(/This is attempt (\d+)/.exec(first)?.[1] ?? (retried ? 2 : 1));
      const own = script.replyFor?.(attempt, request);
      if (own) return own;
      const reply = storyTurn(root, story, script, request, cwd);
      if (
        script.promptTokens !== undefined &&
        !("status" in reply) &&
        !("hang" in reply) &&
        !("raw" in reply)
      )
        reply.usage = { prompt: script.promptTokens, completion: 5 };
      if (script.totalMs !== undefined && "text" in reply) {
        reply.delayMs = Math.max(
          0,
          script.totalMs - (Date.now() - (firstSeen.get(story) ?? Date.now())),
        );
      }
      return reply;
    }
    const lastUser = request.messages.findLast((m) => m.role === "user");
    const command = /\{ "command": "([^"]*)" \}/.exec(lastUser ? textOf(lastUser) : "")?.[1];
    if (
      command !== undefined &&
      request.tools?.some((t) => t.function.name === "athena_parallel")
    ) {
      return parentTurn(command, request.messages);
    }
    return { text: "Scripted reply." }; // titles, summaries and notes that wake the parent
  };
}

function parentTurn(command: string, messages: ChatMessage[]): Reply {
  const last = messages.at(-1);
  if (last?.role === "tool") return { text: textOf(last) };
  if (last?.role === "user" && textOf(last).startsWith("[athena-parallel]"))
    return { text: "Noted." };
  return { toolCalls: [{ name: "athena_parallel", args: { command } }] };
}

function storyTurn(
  root: string,
  key: string,
  script: StoryScript,
  request: ChatRequest,
  cwd: string,
): Reply {
  if (script.outcome === "provider-400")
    return { status: 400, message: "scripted: context length exceeded" };
  if (script.outcome === "provider-500")
    return { status: 500, message: "scripted: upstream unavailable" };
  if (script.givesUp) return { text: `I cannot implement story ${key}: the spec is unclear.` };
  // Named from the session's folder, as the agent's tools take it: kept repo-relative here.
  const named =
    /The story file is `([^`]+)`/.exec(
      textOf(request.messages.find((m) => m.role === "user") ?? { role: "user" }),
    )?.[1] ?? "";
  const storyFile = path.relative(root, path.resolve(cwd, named));
  const plan: Action[] = [{ tool: "read", file: storyFile }];
  if (script.question) plan.push({ tool: "question", text: script.question });
  for (const run of script.shell ?? []) plan.push({ tool: "bash", run });
  for (const e of script.edits ?? []) plan.push({ tool: "edit", ...e });
  if (script.subagent) plan.push({ tool: "task", files: script.subagent });
  if (script.rewriteWhole) {
    plan.push(
      { tool: "read", file: script.rewriteWhole.file },
      {
        tool: script.rewriteWhole.via ?? "write",
        file: script.rewriteWhole.file,
        content: "append",
      },
    );
  }
  for (const file of script.files) plan.push({ tool: "write", file, content: "own" });
  plan.push(
    { tool: "edit", file: storyFile, oldString: "- [ ]", newString: "- [x]", replaceAll: true },
    {
      tool: "edit",
      file: storyFile,
      oldString: "Status: ready-for-dev",
      newString: "Status: review",
    },
    {
      tool: "edit",
      file: storyFile,
      oldString: "### File List\n",
      newString: `### File List\n\n${script.files.map((f) => `- ${f}`).join("\n")}\n`,
    },
  );

  // Replay the conversation: each successful call moves along the plan; a refused write of a
  // file that was read goes back to reading it again (what the refusal asks for); one of a
  // file never read reads it first, then writes it keeping what it read.
  const calls = toolCalls(request.messages);
  let step = 0;
  let lastRead = "";
  for (const call of calls) {
    const planned = plan[step];
    if (!planned || call.name !== planned.tool) continue;
    if (call.refused && planned.tool === "edit" && /not found/i.test(call.result)) {
      step++; // an earlier attempt made this edit already
      continue;
    }
    if (call.refused && planned.tool === "bash" && "run" in planned) {
      // A refused command that names files to read first: read them, then run it again.
      const files = [...call.result.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "");
      if (files.length > 0 && /Read (it|them|the file) (first|again)/.test(call.result))
        plan.splice(step, 0, ...files.map((file) => ({ tool: "read" as const, file })));
      continue;
    }
    if (call.refused) {
      const file = "file" in planned ? planned.file : undefined;
      const reread = plan.findIndex((a, i) => i < step && a.tool === "read" && a.file === file);
      if (reread >= 0) step = reread;
      else if (file && planned.tool === "write") {
        plan.splice(step, 1, { tool: "read", file }, { ...planned, content: "append" });
      }
      continue;
    }
    if (planned.tool === "read") lastRead = call.result;
    step++;
  }
  const next = plan[step];
  if (!next)
    return {
      text: `Story ${key} is implemented.`,
      ...(script.finalStream ? script.finalStream : {}),
      delayMs: script.finishAfterMs ?? 0,
      ...(script.finishWhen ? { until: script.finishWhen } : {}),
    };
  if ("run" in next)
    return {
      toolCalls: [{ name: "bash", args: { command: next.run, description: "Run a command" } }],
    };
  if (next.tool === "question") {
    const options = [
      { label: "Yes", description: "Go on" },
      { label: "No", description: "Stop" },
    ];
    const questions = [{ question: next.text, header: "Question", options }];
    return { toolCalls: [{ name: "question", args: { questions } }] };
  }
  if (next.tool === "task") {
    const prompt = `Sub-agent of story ${key}: write ${next.files.join(" ")}`;
    return {
      toolCalls: [
        {
          name: "task",
          args: { description: "Write helper files", prompt, subagent_type: "general" },
        },
      ],
    };
  }
  const filePath = path.join(root, next.file);
  if (next.tool === "read") return { toolCalls: [{ name: "read", args: { filePath } }] };
  if (next.tool === "edit") {
    return {
      toolCalls: [
        {
          name: "edit",
          args: {
            filePath,
            oldString: next.oldString,
            newString: next.newString,
            ...(next.replaceAll ? { replaceAll: true } : {}),
          },
        },
      ],
    };
  }
  const content =
    next.content === "own"
      ? `// ${next.file}: written for story ${key}\nexport {};\n`
      : `${fileText(lastRead)}${key} was here\n`;
  const pause = next.content === "append" ? (script.rewriteWhole?.pauseMs ?? 0) : 0;
  if (next.tool === "bash") {
    const command = `cat > ${next.file} <<'ATHENA_EOF'\n${content}ATHENA_EOF`;
    return {
      toolCalls: [{ name: "bash", args: { command, description: `Rewrite ${next.file}` } }],
      delayMs: pause,
    };
  }
  return { toolCalls: [{ name: "write", args: { filePath, content } }], delayMs: pause };
}

interface Call {
  name: string;
  result: string;
  refused: boolean;
}

function toolCalls(messages: ChatMessage[]): Call[] {
  const calls: Call[] = [];
  for (const message of messages) {
    for (const call of message.tool_calls ?? []) {
      const result = messages.find((m) => m.role === "tool" && m.tool_call_id === call.id);
      const text = result ? textOf(result) : "";
      calls.push({
        name: call.function.name,
        result: text,
        refused:
          /^(Error: )?Not written|Not written:/m.test(text) || /error/i.test(text.slice(0, 20)),
      });
    }
  }
  return calls;
}

/** The file's text from the host's `read` output (numbered lines inside <file> tags). */
export function fileText(readOutput: string): string {
  const lines = readOutput.split("\n").flatMap((line) => {
    const match = /^\s*\d+[|:]\s?(.*)$/.exec(line);
    return match ? [match[1] ?? ""] : [];
  });
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}
