/**
 * Which model and agent each story of a batch runs with: `parallel.stories` (by story id or
 * key) over `parallel.model` and `parallel.agent`, and the check of those names against what
 * the host offers, so that a typo is a clear refusal before any story starts rather than a
 * session error in every story. Pure.
 */
import type { ParallelConfig, StorySettings } from "../config/schema.ts";
import { suggest } from "../util/suggest.ts";

export interface BatchStory {
  id: string;
  key: string;
}

export interface ResolvedSettings {
  /** Story key -> the model and agent it runs with (only the ones set). */
  byKey: Map<string, StorySettings>;
  /** `parallel.stories` entries that name no story of the batch (other stories', or typos). */
  unmatched: string[];
}

export function settingsFor(
  batch: readonly BatchStory[],
  config: ParallelConfig,
): ResolvedSettings {
  const byKey = new Map<string, StorySettings>();
  for (const story of batch) {
    const base = {
      ...(config.model ? { model: config.model } : {}),
      ...(config.agent ? { agent: config.agent } : {}),
    };
    if (base.model || base.agent) byKey.set(story.key, base);
  }
  const unmatched: string[] = [];
  for (const [name, settings] of Object.entries(config.stories)) {
    const story = storyNamed(batch, name);
    if (!story) {
      unmatched.push(name);
      continue;
    }
    byKey.set(story.key, { ...byKey.get(story.key), ...settings });
  }
  return { byKey, unmatched };
}

/** The story a name names: its id (`2.1`), its key, or the key's number part (`2-1`). */
export function storyNamed<T extends BatchStory>(batch: readonly T[], name: string): T | undefined {
  const exact = batch.find((s) => s.id === name || s.key === name);
  if (exact) return exact;
  const prefixed = batch.filter((s) => s.key.startsWith(`${name.replace(/\./g, "-")}-`));
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

export interface HostOffer {
  /** `provider/model` ids the host can run. */
  models: readonly string[];
  agents: readonly string[];
}

/** Every model or agent the batch would use that the host does not offer, in words. */
export function unknownSettings(
  settings: ResolvedSettings,
  offer: HostOffer,
  who: (key: string) => string,
): string[] {
  const problems: string[] = [];
  for (const [key, s] of settings.byKey) {
    if (s.model && !offer.models.includes(s.model))
      problems.push(
        `${who(key)}: the host has no model "${s.model}"${hint(s.model, offer.models)}`,
      );
    if (s.agent && !offer.agents.includes(s.agent))
      problems.push(
        `${who(key)}: the host has no agent "${s.agent}"${hint(s.agent, offer.agents)}`,
      );
  }
  return problems;
}

function hint(wanted: string, known: readonly string[]): string {
  const close = suggest(wanted, known, 3);
  return close.length > 0 ? ` (did you mean ${close.map((c) => `"${c}"`).join(", ")}?)` : "";
}
