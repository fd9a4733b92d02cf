/**
 * What a story's agent costs: tokens and cost as the host reports them on each assistant
 * message (`message.updated` events, and the session's message list as the fallback), summed
 * over the story's sessions, and the budgets of `parallel.budget` checked against the sums.
 * Pure: the engine feeds messages in and acts on the verdicts.
 *
 * The host re-sends a message's info each time it changes (created, then completed with its
 * final counts), so usage is kept per message id and replaced, never added twice.
 */
import { z } from "zod";
import type { Budget } from "../config/schema.ts";

export const Usage = z.object({
  input: z.number().nonnegative().default(0),
  output: z.number().nonnegative().default(0),
  reasoning: z.number().nonnegative().default(0),
  cacheRead: z.number().nonnegative().default(0),
  cacheWrite: z.number().nonnegative().default(0),
  /** As the host reports it (0 for a model with no price in the host's config). */
  cost: z.number().nonnegative().default(0),
});
export type Usage = z.infer<typeof Usage>;

export const NO_USAGE: Usage = Object.freeze({
  input: 0,
  output: 0,
  reasoning: 0,
  cacheRead: 0,
  cacheWrite: 0,
  cost: 0,
});

/** Every token the model processed for the story: what a provider bills. */
export function tokensOf(usage: Usage): number {
  return usage.input + usage.output + usage.reasoning + usage.cacheRead + usage.cacheWrite;
}

/** One assistant message's usage, from the host's message info. */
export interface MessageUsage {
  messageId: string;
  sessionId: string;
  usage: Usage;
}

/**
 * The usage in a host message info (`AssistantMessage`); undefined for anything else. Read by
 * hand rather than through a zod schema: it runs on every message event of every story, and
 * this is ten times faster. A count that is missing, negative or not a number reads as 0.
 */
export function usageOfMessage(info: unknown): MessageUsage | undefined {
  if (!info || typeof info !== "object") return undefined;
  const m = info as Record<string, unknown>;
  if (m.role !== "assistant" || typeof m.id !== "string" || typeof m.sessionID !== "string")
    return undefined;
  const tokens = objectOr(m.tokens);
  const cache = objectOr(tokens.cache);
  return {
    messageId: m.id,
    sessionId: m.sessionID,
    usage: {
      input: count(tokens.input),
      output: count(tokens.output),
      reasoning: count(tokens.reasoning),
      cacheRead: count(cache.read),
      cacheWrite: count(cache.write),
      cost: count(m.cost),
    },
  };
}

function objectOr(value: unknown): Record<string, unknown> {
  return value && typeof value === "object" ? (value as Record<string, unknown>) : {};
}

function count(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * Usage per story, kept per message so that a message reported twice counts once, with the
 * story's sum kept up to date in place as messages change: it runs on every message event,
 * and a long session has thousands of them.
 */
export class UsageMeter {
  private readonly byStory = new Map<string, Map<string, Usage>>();
  private readonly sums = new Map<string, Usage>();

  /**
   * Records a message's latest usage; true when the story's sum changed. `alsoInto` (a run's
   * total) moves by the same difference.
   */
  record(story: string, message: MessageUsage, alsoInto?: Usage): boolean {
    const messages = this.byStory.get(story) ?? new Map<string, Usage>();
    this.byStory.set(story, messages);
    const before = messages.get(message.messageId);
    if (before && sameUsage(before, message.usage)) return false;
    messages.set(message.messageId, message.usage);
    let sum = this.sums.get(story);
    if (!sum) {
      sum = { ...NO_USAGE };
      this.sums.set(story, sum);
    }
    moveBy(sum, message.usage, before);
    if (alsoInto) moveBy(alsoInto, message.usage, before);
    return true;
  }

  /** The story's sum: a live object, updated in place by `record`. */
  of(story: string): Usage {
    return this.sums.get(story) ?? NO_USAGE;
  }

  forget(story: string): void {
    this.byStory.delete(story);
    this.sums.delete(story);
  }
}

/** `sum` += `now` - `before`, in place. */
function moveBy(sum: Usage, now: Usage, before: Usage | undefined): void {
  sum.input += now.input - (before?.input ?? 0);
  sum.output += now.output - (before?.output ?? 0);
  sum.reasoning += now.reasoning - (before?.reasoning ?? 0);
  sum.cacheRead += now.cacheRead - (before?.cacheRead ?? 0);
  sum.cacheWrite += now.cacheWrite - (before?.cacheWrite ?? 0);
  sum.cost = Math.max(0, round(sum.cost + now.cost - (before?.cost ?? 0)));
}

/** What a budget check found: nothing, a warning at 80%, or over. */
export type BudgetVerdict =
  | { kind: "ok" }
  | { kind: "warn"; limit: BudgetLimit; used: number; max: number }
  | { kind: "over"; limit: BudgetLimit; used: number; max: number };

export type BudgetLimit = "maxTokensPerStory" | "maxCostPerStory" | "maxCostPerRun";

/** The share of a budget at which the parent is warned once. */
export const BUDGET_WARNING = 0.8;

/** A story's usage against its per-story limits: the most severe verdict. */
export function checkStoryBudget(usage: Usage, budget: Budget): BudgetVerdict {
  return worst([
    verdict("maxTokensPerStory", tokensOf(usage), budget.maxTokensPerStory),
    verdict("maxCostPerStory", usage.cost, budget.maxCostPerStory),
  ]);
}

/** A run's summed cost against `maxCostPerRun`. */
export function checkRunBudget(cost: number, budget: Budget): BudgetVerdict {
  return verdict("maxCostPerRun", cost, budget.maxCostPerRun);
}

/** A verdict in words: "used 120,400 tokens of maxTokensPerStory 100,000". */
export function describeVerdict(v: Exclude<BudgetVerdict, { kind: "ok" }>): string {
  const cost = v.limit !== "maxTokensPerStory";
  const show = (n: number) => (cost ? formatCost(n) : `${formatCount(n)} tokens`);
  return `used ${show(v.used)} of its ${v.limit} ${show(v.max)}`;
}

/** `12.3k tokens, $0.42` (cost left out when the host reports none). */
export function describeUsage(usage: Usage): string {
  const tokens = `${formatCount(tokensOf(usage))} tokens`;
  return usage.cost > 0 ? `${tokens}, ${formatCost(usage.cost)}` : tokens;
}

export function formatCount(n: number): string {
  if (n < 1_000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1_000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 2 : 1)}M`;
}

export function formatCost(n: number): string {
  return `$${n < 1 ? n.toFixed(4).replace(/0{1,2}$/, "") : n.toFixed(2)}`;
}

function verdict(limit: BudgetLimit, used: number, max: number | undefined): BudgetVerdict {
  if (max === undefined) return { kind: "ok" };
  if (used >= max) return { kind: "over", limit, used, max };
  if (used >= max * BUDGET_WARNING) return { kind: "warn", limit, used, max };
  return { kind: "ok" };
}

function worst(verdicts: BudgetVerdict[]): BudgetVerdict {
  return (
    verdicts.find((v) => v.kind === "over") ??
    verdicts.find((v) => v.kind === "warn") ?? { kind: "ok" }
  );
}

function sameUsage(a: Usage, b: Usage): boolean {
  return (
    a.input === b.input &&
    a.output === b.output &&
    a.reasoning === b.reasoning &&
    a.cacheRead === b.cacheRead &&
    a.cacheWrite === b.cacheWrite &&
    a.cost === b.cost
  );
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
