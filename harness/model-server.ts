/**
 * A scripted OpenAI-compatible model server on 127.0.0.1 for the end-to-end tests and the demo:
 * `POST /v1/chat/completions` answered as an SSE stream of `chat.completion.chunk` objects,
 * with `tool_calls` deltas. What it answers is decided by a script from what the session asks
 * (the messages so far), so a whole agent session is deterministic. It counts the requests in
 * flight, so tests can see real parallelism.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content?: string | Array<{ type: string; text?: string }> | null;
  tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
  tool_call_id?: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  tools?: Array<{ function: { name: string } }>;
}

/** Tokens the reply reports in its stream's last chunk (default 10 in, 5 out). */
export interface ReplyUsage {
  prompt: number;
  completion: number;
}

export type Reply =
  /**
   * `until`: the answer also waits for this to settle (a test decides when it comes).
   * `chunks`/`chunkDelayMs`: the text streamed in that many pieces, that long apart (a slow,
   * long answer). `stallAfterFirstChunk`: the stream stops after its first piece and stays
   * open until the client gives up (a provider that dies mid-stream).
   */
  | {
      text: string;
      delayMs?: number;
      usage?: ReplyUsage;
      until?: Promise<unknown>;
      chunks?: number;
      chunkDelayMs?: number;
      stallAfterFirstChunk?: boolean;
    }
  | {
      toolCalls: Array<{ name: string; args: Record<string, unknown> }>;
      delayMs?: number;
      usage?: ReplyUsage;
    }
  /** An HTTP error from the provider (4xx fails the turn, 5xx makes the host retry). */
  | { status: number; message: string; delayMs?: number; headers?: Record<string, string> }
  /** A provider that stops answering: the request stays open until the client gives up. */
  | { hang: true }
  /** A 200 whose body is these bytes as they are (a malformed stream, bad tool arguments). */
  | { raw: string };

export type Script = (request: ChatRequest) => Reply;

export interface ModelServer {
  url: string;
  /** Requests being answered right now, and the most at once. */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** The same, counting only the requests `classify` gives a tag (e.g. story sessions). */
  readonly maxTaggedInFlight: number;
  /** Tags with a request in flight right now. */
  readonly taggedInFlight: string[];
  /** Tokens (prompt + completion) reported in the answers to each tag's requests. */
  tokensOf(tag: string): number;
  readonly requests: number;
  close(): Promise<void>;
}

export function textOf(message: ChatMessage): string {
  if (typeof message.content === "string") return message.content;
  return (message.content ?? []).map((part) => part.text ?? "").join("");
}

export async function startModelServer(
  script: Script,
  classify: (request: ChatRequest) => string | undefined = () => undefined,
): Promise<ModelServer> {
  let inFlight = 0;
  let maxInFlight = 0;
  const tagged: string[] = [];
  let maxTagged = 0;
  let requests = 0;
  let nextId = 0;
  const open = new Set<ServerResponse>();
  const tokens = new Map<string, number>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    let body = "";
    for await (const chunk of req) body += chunk;
    const request = JSON.parse(body) as ChatRequest;
    requests++;
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const tag = classify(request);
    if (tag !== undefined) {
      tagged.push(tag);
      maxTagged = Math.max(maxTagged, new Set(tagged).size);
    }
    open.add(res);
    try {
      let reply: Reply;
      try {
        reply = script(request);
      } catch (error) {
        reply = { text: `script error: ${(error as Error).message}` };
      }
      if ("hang" in reply) {
        await new Promise((resolve) => res.once("close", resolve));
        return;
      }
      if ("raw" in reply) {
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
        res.end(reply.raw);
        return;
      }
      if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
      if ("until" in reply) await reply.until;
      if ("status" in reply) {
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(
          JSON.stringify({
            error: { message: reply.message, type: "scripted_error", code: reply.status },
          }),
        );
        return;
      }
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-cache",
        connection: "keep-alive",
      });
      const id = `chatcmpl-${++nextId}`;
      const chunk = (delta: object, finish: string | null, extra: object = {}) =>
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: Math.floor(Date.now() / 1000), model: request.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
      const { prompt, completion } = reply.usage ?? { prompt: 10, completion: 5 };
      const usage = {
        prompt_tokens: prompt,
        completion_tokens: completion,
        total_tokens: prompt + completion,
      };
      if (tag !== undefined) tokens.set(tag, (tokens.get(tag) ?? 0) + prompt + completion);
      res.write(chunk({ role: "assistant", content: "" }, null));
      if ("text" in reply) {
        const pieces = Math.max(1, reply.chunks ?? 1);
        const size = Math.ceil(reply.text.length / pieces);
        for (let i = 0; i < pieces; i++) {
          if (i > 0 && reply.chunkDelayMs)
            await new Promise((resolve) => setTimeout(resolve, reply.chunkDelayMs));
          if (res.destroyed) return;
          res.write(chunk({ content: reply.text.slice(i * size, (i + 1) * size) }, null));
          if (reply.stallAfterFirstChunk) {
            await new Promise((resolve) => res.once("close", resolve));
            return;
          }
        }
        res.write(chunk({}, "stop", { usage }));
      } else {
        reply.toolCalls.forEach((call, index) => {
          const toolCall = {
            index,
            id: `call_${nextId}_${index}`,
            type: "function",
            function: { name: call.name, arguments: JSON.stringify(call.args) },
          };
          res.write(chunk({ tool_calls: [toolCall] }, null));
        });
        res.write(chunk({}, "tool_calls", { usage }));
      }
      res.write("data: [DONE]\n\n");
      res.end();
    } finally {
      inFlight--;
      if (tag !== undefined) tagged.splice(tagged.indexOf(tag), 1);
      open.delete(res);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    get requests() {
      return requests;
    },
    get maxTaggedInFlight() {
      return maxTagged;
    },
    get taggedInFlight() {
      return [...new Set(tagged)];
    },
    tokensOf: (tag) => tokens.get(tag) ?? 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
