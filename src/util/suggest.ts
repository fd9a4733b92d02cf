/**
 * "Did you mean" candidates: the known names closest to what was typed, for error messages
 * about unknown story ids and unknown configuration keys.
 */
import { distance } from "fastest-levenshtein";

export function suggest(wanted: string, known: Iterable<string>, max = 5): string[] {
  const needle = wanted.toLowerCase();
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of known) {
    const hay = name.toLowerCase();
    // A name that contains what was typed is a better match than any edit. The reverse is
    // not: "maxConcurentStories" contains "stories", yet means "maxConcurrentStories".
    const score = hay.includes(needle) ? 0 : distance(needle, hay) / hay.length;
    if (score <= 0.5) scored.push({ name, score });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((entry) => entry.name);
}
