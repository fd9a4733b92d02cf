/**
 * Text files as editors save them: UTF-8, or UTF-16 with a byte-order mark, which Windows
 * tools write (PowerShell 5's `>` and `Out-File`). Read as a string either way, and written
 * back in the encoding they came in, so that a user's file keeps its form.
 */
import { readFileSync } from "node:fs";

export type TextEncoding = "utf8" | "utf16le" | "utf16be";

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
}

/** The text of `bytes`: UTF-16 when a byte-order mark says so (the mark dropped), else UTF-8. */
export function decodeText(bytes: Buffer): DecodedText {
  if (bytes[0] === 0xff && bytes[1] === 0xfe)
    return { text: bytes.subarray(2).toString("utf16le"), encoding: "utf16le" };
  if (bytes[0] === 0xfe && bytes[1] === 0xff)
    return { text: swapPairs(bytes.subarray(2)).toString("utf16le"), encoding: "utf16be" };
  return { text: bytes.toString("utf8"), encoding: "utf8" };
}

/** `text` as bytes in `encoding`, with the byte-order mark UTF-16 is read by. */
export function encodeText(text: string, encoding: TextEncoding): Buffer {
  if (encoding === "utf8") return Buffer.from(text, "utf8");
  const body = Buffer.from(text, "utf16le");
  return encoding === "utf16le"
    ? Buffer.concat([Buffer.from([0xff, 0xfe]), body])
    : Buffer.concat([Buffer.from([0xfe, 0xff]), swapPairs(body)]);
}

/** A file's text, whichever of the encodings above it is in. */
export function readText(file: string): string {
  return decodeText(readFileSync(file)).text;
}

function swapPairs(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes.subarray(0, bytes.length - (bytes.length % 2)));
  return out.swap16();
}
