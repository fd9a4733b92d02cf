/**
 * The host interface over the OpenCode SDK client the plugin receives. Every SDK call resolves
 * to `{ data, error }` and does not throw: each one is checked here, and a failure becomes a
 * HostError that names the call.
 */
import type { PluginInput } from "@opencode-ai/plugin";
import {
  type BusyStatus,
  describeHostError,
  type Host,
  HostError,
  type LastMessage,
  type SessionState,
  type StartWork,
  type TodoItem,
} from "./host.ts";
import { type MessageUsage, usageOfMessage } from "./usage.ts";

type Client = PluginInput["client"];

interface Result<T> {
  data?: T;
  error?: unknown;
  response?: { status?: number };
}

function check<T>(call: string, result: Result<T>): T {
  if (result.error !== undefined && result.error !== null) {
    const detail =
      typeof result.error === "object" ? JSON.stringify(result.error) : String(result.error);
    throw new HostError(`${call} failed: ${detail.slice(0, 300)}`);
  }
  return result.data as T;
}

export class OpencodeHost implements Host {
  constructor(
    private readonly client: Client,
    private readonly directory: string,
  ) {}

  private get query() {
    return { directory: this.directory };
  }

  async createChildSession(parentId: string | undefined, title: string): Promise<string> {
    const session = check(
      "session.create",
      await this.client.session.create({
        body: { ...(parentId ? { parentID: parentId } : {}), title },
        query: this.query,
      }),
    );
    if (!session?.id) throw new HostError("session.create returned no session id");
    return session.id;
  }

  async startWork(sessionId: string, work: StartWork): Promise<void> {
    const model = work.model ? splitModel(work.model) : undefined;
    const tools = Object.fromEntries((work.disabledTools ?? []).map((t) => [t, false]));
    if (work.command) {
      // session.command blocks until the turn ends: start it and let completion come from events.
      void this.client.session
        .command({
          path: { id: sessionId },
          body: {
            command: work.command.name,
            arguments: work.command.arguments,
            ...(work.agent ? { agent: work.agent } : {}),
            // "provider/model": without it the host runs the command on its default model,
            // whatever `parallel.model` or the story's own model says.
            ...(work.model ? { model: work.model } : {}),
          },
          query: this.query,
        })
        .catch(() => {});
      return;
    }
    check(
      "session.promptAsync",
      await this.client.session.promptAsync({
        path: { id: sessionId },
        body: {
          parts: [{ type: "text", text: work.text }],
          ...(work.agent ? { agent: work.agent } : {}),
          ...(model ? { model } : {}),
          tools,
        },
        query: this.query,
      }),
    );
  }

  async busySessions(): Promise<Map<string, BusyStatus>> {
    const status =
      check("session.status", await this.client.session.status({ query: this.query })) ?? {};
    const busy = new Map<string, BusyStatus>();
    for (const [id, s] of Object.entries(status)) {
      if (s.type === "busy") busy.set(id, { type: "busy" });
      if (s.type === "retry")
        busy.set(id, { type: "retry", attempt: s.attempt, message: s.message });
    }
    return busy;
  }

  async sessionState(sessionId: string): Promise<SessionState> {
    const busy = (await this.busySessions()).get(sessionId);
    if (busy) return busy.type;
    const result = await this.client.session.get({ path: { id: sessionId }, query: this.query });
    return result.error || !result.data ? "missing" : "idle";
  }

  async abort(sessionId: string): Promise<boolean> {
    return Boolean(
      check(
        "session.abort",
        await this.client.session.abort({ path: { id: sessionId }, query: this.query }),
      ),
    );
  }

  async todos(sessionId: string): Promise<TodoItem[]> {
    const todos =
      check(
        "session.todo",
        await this.client.session.todo({ path: { id: sessionId }, query: this.query }),
      ) ?? [];
    return todos.map((t) => ({ content: t.content, status: t.status }));
  }

  async lastAssistantMessage(sessionId: string): Promise<LastMessage | undefined> {
    const messages =
      check(
        "session.messages",
        await this.client.session.messages({ path: { id: sessionId }, query: this.query }),
      ) ?? [];
    for (let i = messages.length - 1; i >= 0; i--) {
      const message = messages[i];
      if (message?.info.role !== "assistant") continue;
      const info = message.info;
      const text = message.parts
        .flatMap((p) => (p.type === "text" ? [p.text] : []))
        .join("\n")
        .trim();
      const error = describeHostError(info.error);
      return {
        createdAt: info.time.created,
        completed: info.time.completed !== undefined || error !== undefined,
        ...(error ? { error } : {}),
        ...(text ? { text } : {}),
      };
    }
    return undefined;
  }

  async sessionUsage(sessionId: string): Promise<MessageUsage[]> {
    const messages =
      check(
        "session.messages",
        await this.client.session.messages({ path: { id: sessionId }, query: this.query }),
      ) ?? [];
    return messages.flatMap((m) => {
      const usage = usageOfMessage(m.info);
      return usage ? [usage] : [];
    });
  }

  async commands(): Promise<string[]> {
    const list = check("command.list", await this.client.command.list({ query: this.query })) ?? [];
    return list.map((c) => c.name);
  }

  async models(): Promise<string[]> {
    const { providers } = check(
      "config.providers",
      await this.client.config.providers({ query: this.query }),
    ) ?? { providers: [] };
    return providers.flatMap((p) => Object.keys(p.models).map((m) => `${p.id}/${m}`));
  }

  async agents(): Promise<string[]> {
    const agents = check("app.agents", await this.client.app.agents({ query: this.query })) ?? [];
    return agents.map((a) => a.name);
  }

  async toast(message: string, variant: "info" | "success" | "warning" | "error"): Promise<void> {
    check(
      "tui.showToast",
      await this.client.tui.showToast({ body: { message, variant, title: "athena-parallel" } }),
    );
  }

  async postMessage(sessionId: string, text: string, options: { wake: boolean }): Promise<void> {
    const body = {
      parts: [{ type: "text" as const, text }],
      ...(options.wake ? {} : { noReply: true }),
    };
    if (options.wake) {
      check(
        "session.promptAsync",
        await this.client.session.promptAsync({ path: { id: sessionId }, body, query: this.query }),
      );
    } else {
      check(
        "session.prompt",
        await this.client.session.prompt({ path: { id: sessionId }, body, query: this.query }),
      );
    }
  }
}

function splitModel(model: string): { providerID: string; modelID: string } {
  const slash = model.indexOf("/");
  if (slash <= 0) throw new HostError(`model "${model}" is not "provider/model"`);
  return { providerID: model.slice(0, slash), modelID: model.slice(slash + 1) };
}
