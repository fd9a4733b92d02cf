/**
 * A host that behaves like the real OpenCode server where it matters (measured facts):
 * 1. the status list holds only non-idle sessions; 2. an unknown agent gives session.error and
 * never idle; 4. a provider 4xx gives an error then idle, and idle may come twice; 5. a 5xx
 * retries forever until aborted; 6. abort on a busy session answers true and the message gets
 * MessageAbortedError; 7. aborting a parent does not stop its children. While a turn runs, the
 * session streams (a `message.part.updated`, then `message.part.delta` every 100 ms) unless it stalls or waits for the
 * user's answer to a permission (`permission.asked`, then `permission.replied` with the
 * request id), and each assistant message's info (`message.updated`) carries its tokens and
 * cost.
 */
import type {
  BusyStatus,
  Host,
  LastMessage,
  SessionState,
  StartWork,
  TodoItem,
} from "../../src/run/host.ts";
import type { MessageUsage } from "../../src/run/usage.ts";

export type Outcome = "ok" | "provider-4xx" | "provider-5xx" | "unknown-agent";

export interface Behaviour {
  /** How long the turn takes, in ms. */
  ms: number;
  outcome?: Outcome;
  /** Runs while the session is busy (the agent's tool calls). */
  work?: (sessionId: string) => Promise<void>;
  /** A new assistant message every `everyMs` with these tokens (input) and cost. */
  usage?: { tokens: number; cost?: number; everyMs: number };
  /** The session goes quiet after it turns busy: no part, no message, until aborted. */
  stall?: boolean;
  /** The session streams this many parts (and messages with `usage`), then goes quiet. */
  stallAfter?: number;
  /** With `provider-5xx`: what the host's retry status says, as the provider put it. */
  retryMessage?: string;
  /**
   * The provider answers every step with an empty stream: as the real host does then, an
   * empty assistant message (finish "unknown") completes every 20 ms, until aborted.
   */
  emptyAnswers?: boolean;
}

interface FakeSession {
  id: string;
  parentID?: string;
  title: string;
  state: "idle" | "busy" | "retry";
  messages: LastMessage[];
  deleted: boolean;
  work?: StartWork;
  timer?: ReturnType<typeof setTimeout>;
  ticker?: ReturnType<typeof setInterval>;
  usage: MessageUsage[];
  /** The permission request it waits on, unanswered: nothing streams meanwhile. */
  asking?: string;
  /** While it retries: the host's attempt and the provider's reason. */
  retry?: { attempt: number; message: string };
}

type Event = { type: string; properties: Record<string, unknown> };

export class FakeHost implements Host {
  readonly sessions = new Map<string, FakeSession>();
  readonly toasts: string[] = [];
  readonly notes: Array<{ session: string; text: string; wake: boolean }> = [];
  readonly aborted: string[] = [];
  /** The most sessions busy at once, and every change of that count. */
  maxBusy = 0;
  readonly timeline: Array<{ at: number; busy: string[] }> = [];
  hostCommands: string[] = [];
  /** How long reading a session's messages takes (the real host answers over HTTP). */
  messageReadMs = 0;
  /** How long creating a session takes (a busy host): a story stays `launching` meanwhile. */
  createSessionMs = 0;
  /**
   * Deliver an abort's events before `abort` returns: on the real host they travel on another
   * connection and can come first.
   */
  abortEventsFirst = false;
  private eventsNow = false;
  onEvent: (event: Event) => void = () => {};
  private next = 0;

  constructor(private readonly behave: (work: StartWork, session: FakeSession) => Behaviour) {}

  private emit(type: string, properties: Record<string, unknown>) {
    // Events reach the plugin asynchronously, as on the real bus.
    if (this.eventsNow) this.onEvent({ type, properties });
    else setTimeout(() => this.onEvent({ type, properties }), 0);
  }

  private setState(session: FakeSession, state: FakeSession["state"]) {
    session.state = state;
    const busy = [...this.sessions.values()].filter((s) => s.state !== "idle").map((s) => s.id);
    this.maxBusy = Math.max(this.maxBusy, busy.length);
    this.timeline.push({ at: Date.now(), busy });
    this.emit("session.status", { sessionID: session.id, status: this.statusOf(session) });
  }

  /** A session's status as the host reports it (with its retry's attempt and reason). */
  private statusOf(session: FakeSession): BusyStatus | { type: "idle" } {
    return session.state === "retry"
      ? { type: "retry", ...session.retry }
      : { type: session.state };
  }

  async createChildSession(parentId: string | undefined, title: string): Promise<string> {
    if (this.createSessionMs > 0)
      await new Promise((resolve) => setTimeout(resolve, this.createSessionMs));
    const id = `ses_${++this.next}`;
    const session: FakeSession = {
      id,
      title,
      state: "idle",
      messages: [],
      usage: [],
      deleted: false,
      ...(parentId ? { parentID: parentId } : {}),
    };
    this.sessions.set(id, session);
    this.emit("session.created", { info: { id, parentID: parentId, title } });
    return id;
  }

  async startWork(sessionId: string, work: StartWork): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    session.work = work;
    const behaviour = this.behave(work, session);
    setTimeout(() => void this.run(session, behaviour), 0);
  }

  private async run(session: FakeSession, behaviour: Behaviour) {
    if (behaviour.outcome === "unknown-agent") {
      this.emit("session.error", {
        sessionID: session.id,
        error: { name: "UnknownError", data: { message: 'Agent not found: "nope"' } },
      });
      return;
    }
    this.setState(session, "busy");
    const started = Date.now();
    if (!behaviour.stall) this.stream(session, behaviour);
    if (behaviour.outcome === "provider-5xx") {
      setTimeout(() => {
        session.retry = { attempt: 1, message: behaviour.retryMessage ?? "Internal Server Error" };
        this.setState(session, "retry");
      }, behaviour.ms);
      return; // retries until aborted
    }
    await behaviour.work?.(session.id);
    const rest = Math.max(0, behaviour.ms - (Date.now() - started));
    session.timer = setTimeout(() => {
      if (session.state === "idle") return;
      const error =
        behaviour.outcome === "provider-4xx"
          ? "APIError: 400 Bad Request: context too long"
          : undefined;
      session.messages.push({
        createdAt: started,
        completed: true,
        ...(error ? { error } : { text: "Done." }),
      });
      if (error)
        this.emit("session.error", {
          sessionID: session.id,
          error: { name: "APIError", data: { message: "400 Bad Request: context too long" } },
        });
      clearInterval(session.ticker);
      this.setState(session, "idle");
      this.emit("session.idle", { sessionID: session.id });
      this.emit("session.idle", { sessionID: session.id }); // the real host may say it twice
    }, rest);
  }

  /** Parts streaming in, and a message with tokens every `usage.everyMs`, while busy. */
  private stream(session: FakeSession, behaviour: Behaviour) {
    let ticks = 0;
    const every = behaviour.usage?.everyMs ?? 100;
    session.ticker = setInterval(
      () => {
        if (session.state === "idle") return clearInterval(session.ticker);
        if (session.state !== "busy") return; // retrying: nothing streams
        if (session.asking) return; // waiting for the user's answer
        if (behaviour.stallAfter !== undefined && ticks >= behaviour.stallAfter) return; // quiet
        ticks++;
        if (behaviour.emptyAnswers) {
          const info = {
            id: `msg_${session.id}_${ticks}`,
            sessionID: session.id,
            role: "assistant",
          };
          const tokens = { input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } };
          this.emit("message.updated", { info: { ...info, time: { created: Date.now() } } });
          this.emit("message.updated", {
            info: {
              ...info,
              time: { created: Date.now(), completed: Date.now() },
              tokens,
              cost: 0,
              finish: "unknown",
            },
          });
          return;
        }
        // As the real host streams an answer: the part once, then only its deltas.
        if (ticks === 1)
          this.emit("message.part.updated", {
            part: { id: "prt_1", sessionID: session.id, type: "text" },
          });
        else
          this.emit("message.part.delta", {
            sessionID: session.id,
            messageID: `msg_${session.id}`,
            partID: "prt_1",
            field: "text",
            delta: ".",
          });
        if (!behaviour.usage) return;
        const message: MessageUsage = {
          messageId: `msg_${session.id}_${ticks}`,
          sessionId: session.id,
          usage: {
            input: behaviour.usage.tokens,
            output: 0,
            reasoning: 0,
            cacheRead: 0,
            cacheWrite: 0,
            cost: behaviour.usage.cost ?? 0,
          },
        };
        session.usage.push(message);
        // The real host sends a message's info again when it completes: counted once.
        for (let i = 0; i < 2; i++)
          this.emit("message.updated", {
            info: {
              id: message.messageId,
              sessionID: session.id,
              role: "assistant",
              cost: message.usage.cost,
              tokens: {
                input: message.usage.input,
                output: 0,
                reasoning: 0,
                cache: { read: 0, write: 0 },
              },
            },
          });
      },
      behaviour.emptyAnswers ? 20 : behaviour.usage ? every : 100,
    );
    session.ticker.unref?.();
  }

  private answers = new Map<string, { session: FakeSession; answered: () => void }>();

  /**
   * The session asks the user a permission (for a tool call of its agent, called from a
   * behaviour's `work`): it stays busy and silent until `answer(id)`.
   */
  ask(sessionId: string, permission = "bash", patterns = ["npm test"]): Promise<void> {
    const session = this.sessions.get(sessionId);
    if (!session) throw new Error(`no session ${sessionId}`);
    const id = `per_${++this.next}`;
    session.asking = id;
    if (session.state !== "busy") this.setState(session, "busy"); // a session that asks is busy
    this.emit("permission.asked", {
      id,
      sessionID: sessionId,
      permission,
      patterns,
      metadata: {},
      always: [],
    });
    return new Promise((answered) => this.answers.set(id, { session, answered }));
  }

  /** The permission requests not answered yet. */
  pendingAsks(): string[] {
    return [...this.answers.keys()];
  }

  /** The user allows a permission once: the session goes on. */
  answer(id: string): void {
    const pending = this.answers.get(id);
    if (!pending) throw new Error(`no pending permission ${id}`);
    this.answers.delete(id);
    pending.session.asking = undefined;
    this.emit("permission.replied", {
      sessionID: pending.session.id,
      requestID: id,
      reply: "once",
    });
    pending.answered();
  }

  async busySessions(): Promise<Map<string, BusyStatus>> {
    const map = new Map<string, BusyStatus>();
    for (const s of this.sessions.values()) {
      const status = this.statusOf(s);
      if (!s.deleted && status.type !== "idle") map.set(s.id, status);
    }
    return map;
  }

  async sessionState(sessionId: string): Promise<SessionState> {
    const s = this.sessions.get(sessionId);
    return !s || s.deleted ? "missing" : s.state;
  }

  async abort(sessionId: string): Promise<boolean> {
    const s = this.sessions.get(sessionId);
    this.aborted.push(sessionId);
    if (!s || s.state === "idle") return false;
    clearTimeout(s.timer);
    clearInterval(s.ticker);
    s.messages.push({
      createdAt: Date.now(),
      completed: true,
      error: "MessageAbortedError: The operation was aborted.",
    });
    this.eventsNow = this.abortEventsFirst;
    this.emit("session.error", {
      sessionID: sessionId,
      error: { name: "MessageAbortedError", data: { message: "aborted" } },
    });
    this.setState(s, "idle");
    this.emit("session.idle", { sessionID: sessionId });
    this.eventsNow = false;
    return true; // children go on: the host does not stop them
  }

  async todos(): Promise<TodoItem[]> {
    return [];
  }

  async lastAssistantMessage(sessionId: string): Promise<LastMessage | undefined> {
    if (this.messageReadMs > 0)
      await new Promise((resolve) => setTimeout(resolve, this.messageReadMs));
    return this.sessions.get(sessionId)?.messages.at(-1);
  }

  async sessionUsage(sessionId: string): Promise<MessageUsage[]> {
    return [...(this.sessions.get(sessionId)?.usage ?? [])];
  }

  hostModels = ["scripted/scripted-model", "anthropic/claude-sonnet-4"];
  hostAgents = ["build", "plan", "general"];

  async models(): Promise<string[]> {
    return this.hostModels;
  }

  async agents(): Promise<string[]> {
    return this.hostAgents;
  }

  async commands(): Promise<string[]> {
    return this.hostCommands;
  }

  async toast(message: string): Promise<void> {
    this.toasts.push(message);
  }

  async postMessage(sessionId: string, text: string, options: { wake: boolean }): Promise<void> {
    this.notes.push({ session: sessionId, text, wake: options.wake });
  }

  /** The story key a session works on, from its title (`Story 1.2: ...`) or its prompt. */
  keyOf(sessionId: string): string | undefined {
    return /\((\d[\w-]*)\)|\/\S+ (\S+)$/
      .exec(this.sessions.get(sessionId)?.work?.text ?? "")
      ?.slice(1)
      .find(Boolean);
  }
}
