/**
 * "Did you mean" candidates: the known names closest to what was typed, for error messages
 * about unknown story ids and unknown configuration keys. Only names that are really close
 * are offered: an unrelated one sends the user after the wrong thing.
 */
import { distance } from "fastest-levenshtein";

/** The largest share of a name's letters an edit may change and still count as close. */
const MAX_EDIT_SHARE = 0.5;

export function suggest(wanted: string, known: Iterable<string>, max = 5): string[] {
  const needle = wanted.toLowerCase();
  const scored: Array<{ name: string; score: number }> = [];
  for (const name of known) {
    const hay = name.toLowerCase();
    // A name with a word that starts with what was typed is a better match than any edit
    // ("beta" for `1-2-beta`), and one that starts with it better still ("3" for `3-1-x`
    // before `1-3-y`). Not any containment: "foo" is in `4-6-4-verification-dogfooding` by
    // chance. Nor the reverse: "maxConcurentStories" contains "stories", yet means
    // "maxConcurrentStories".
    const score = hay.startsWith(needle)
      ? -1
      : startsAWord(name, needle)
        ? 0
        : distance(needle, hay) / hay.length;
    if (score <= MAX_EDIT_SHARE) scored.push({ name, score });
  }
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name));
  return scored.slice(0, max).map((entry) => entry.name);
}

/**
 * True when `needle` (lower case) occurs in `name` where one of its words starts (after the
 * first): after a separator (`-`, `.`, `_`), at a capital after a small letter (`maxConcurrent`) or
 * where letters turn to digits or back (`story12`).
 */
function startsAWord(name: string, needle: string): boolean {
  const hay = name.toLowerCase();
  for (let at = hay.indexOf(needle, 1); at >= 0; at = hay.indexOf(needle, at + 1)) {
    const before = name[at - 1] ?? "";
    const first = name[at] ?? "";
    if (!/[\p{L}\p{N}]/u.test(before)) return true;
    if (/\p{Ll}/u.test(before) && /\p{Lu}/u.test(first)) return true;
    if (/\p{N}/u.test(before) !== /\p{N}/u.test(first)) return true;
  }
  return false;
}
