/** The stories of fixtures/demo-project and the files each one writes, for the scripted agent. */
import type { StoryScript } from "./agent-script.ts";

export const DEMO_FILES: Record<string, string[]> = {
  "1-1-catalog-model": ["src/catalog/model.ts"],
  "1-2-catalog-api": ["src/catalog/api.ts", "src/server/routes.ts"],
  "1-3-search": ["src/search/index.ts"],
  "1-4-orders-api": ["src/orders/api.ts", "src/server/routes.ts"],
  "1-5-pricing": ["src/pricing/rules.ts"],
  "1-6-daily-report": ["src/reports/daily.ts"],
};

export const DEMO_KEYS = Object.keys(DEMO_FILES);

/** A script per demo story: its own files, `base` for every story, `overrides` per key. */
export function demoStories(
  base: Partial<StoryScript>,
  overrides: Record<string, Partial<StoryScript>> = {},
): Record<string, StoryScript> {
  return Object.fromEntries(
    DEMO_KEYS.map((k) => [k, { files: DEMO_FILES[k] ?? [], ...base, ...overrides[k] }]),
  );
}
