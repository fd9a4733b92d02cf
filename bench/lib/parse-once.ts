/**
 * Parses one story text of the kind named (see parse-texts.ts) in this (new) process, as the
 * planner does, and prints the elapsed time, peak memory and the text's size and cost as JSON.
 * With no kind, parses a one-line story: the process's own memory.
 */
import { performance } from "node:perf_hooks";
import { parseCost } from "../../src/bmad/markdown.ts";
import { parseStory } from "../../src/bmad/story.ts";
import { textOf } from "./parse-texts.ts";

const [kind] = process.argv.slice(2);
const text = kind ? textOf(kind) : "# Story 1.1: A\n";
const start = performance.now();
const doc = parseStory(text);
const ms = performance.now() - start;
console.log(
  JSON.stringify({
    ms,
    maxRssKb: process.resourceUsage().maxRSS,
    kb: text.length / 1024,
    cost: parseCost(text),
    problems: doc.problems.length,
  }),
);
