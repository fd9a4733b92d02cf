/**
 * The files a sed script or an awk program given on the command line writes by itself, not
 * through the shell: sed's `w FILE` command and `s/a/b/w FILE` flag, awk's `print > "FILE"` and
 * `print >> "FILE"`. Pure text reading; the caller resolves the paths.
 */

export interface ScriptWrites {
  /** Files written, as written in the script, with whether their old content is lost. */
  writes: Array<{ file: string; replaces: boolean }>;
  /** Files read (sed's `r FILE`, `R FILE`). */
  reads: string[];
  /** A write or a command only known when it runs (awk's `print > name`, `| "cmd"`, sed's `e`). */
  opaque: boolean;
}

/**
 * What a sed script writes: it is read command by command as sed does (addresses, `s` with any
 * delimiter and its flags, `y`, text commands that take the rest of the line), so that a `w`
 * inside a pattern or a replacement is not taken for the command.
 */
export function sedScriptWrites(script: string): ScriptWrites {
  const out: ScriptWrites = { writes: [], reads: [], opaque: false };
  let i = 0;
  const n = script.length;
  /** The rest of the line from `i` (a file name runs to the end of the line, as in sed). */
  const restOfLine = (): string => {
    const end = script.indexOf("\n", i);
    const text = script.slice(i, end < 0 ? n : end);
    i = end < 0 ? n : end + 1;
    return text.trim();
  };
  /** Past a delimited part (`/re/`), `\` escapes included; false when it never closes. */
  const skipDelimited = (delimiter: string): boolean => {
    for (; i < n; i++) {
      const c = script[i];
      if (c === "\\") i++;
      else if (c === delimiter) {
        i++;
        return true;
      }
    }
    return false;
  };
  const skipAddress = () => {
    const c = script[i];
    if (c === "/") {
      i++;
      skipDelimited("/");
    } else if (c === "\\") {
      const delimiter = script[i + 1] ?? "";
      i += 2;
      skipDelimited(delimiter);
    } else while (i < n && /[0-9$~+]/.test(script[i] ?? "")) i++;
    while (/[IM]/.test(script[i] ?? "")) i++; // GNU address flags
  };
  while (i < n) {
    while (i < n && /[\s;{}]/.test(script[i] ?? "")) i++;
    if (i >= n) break;
    if (script[i] === "#") {
      restOfLine();
      continue;
    }
    skipAddress();
    while (script[i] === " ") i++;
    if (script[i] === ",") {
      i++;
      while (script[i] === " ") i++;
      skipAddress();
    }
    while (/[\s!]/.test(script[i] ?? "")) i++;
    const command = script[i++];
    switch (command) {
      case "s": {
        const delimiter = script[i++] ?? "";
        if (!skipDelimited(delimiter) || !skipDelimited(delimiter)) return out;
        // The flags (`g`, `p`, `2`, `I`, `e`...), up to `w FILE` which takes the rest of the line.
        while (i < n && /[gpiIMme0-9]/.test(script[i] ?? "")) {
          if (script[i] === "e") out.opaque = true; // runs the pattern space as a command
          i++;
        }
        if (script[i] === "w") {
          i++;
          const file = restOfLine();
          if (file) out.writes.push({ file, replaces: true });
        }
        break;
      }
      case "y": {
        const delimiter = script[i++] ?? "";
        if (!skipDelimited(delimiter) || !skipDelimited(delimiter)) return out;
        break;
      }
      case "w":
      case "W": {
        const file = restOfLine();
        if (file) out.writes.push({ file, replaces: true });
        break;
      }
      case "r":
      case "R": {
        const file = restOfLine();
        if (file) out.reads.push(file);
        break;
      }
      case "e":
        out.opaque = true;
        restOfLine();
        break;
      case "a":
      case "i":
      case "c": {
        // Text up to the end of the line, and on while a line ends with `\`.
        let line = restOfLine();
        while (line.endsWith("\\") && i < n) line = restOfLine();
        break;
      }
      case "b":
      case "t":
      case "T":
      case ":":
      case "l":
      case "q":
      case "Q":
      case "L": {
        // A label or a number, up to `;` or the end of the line.
        while (i < n && !/[;\n}]/.test(script[i] ?? "")) i++;
        break;
      }
      default:
        break; // a one-letter command (`p`, `d`, `n`, `=`, ...)
    }
  }
  return out;
}

/**
 * What an awk program writes with `print`/`printf` redirected to a string (`> "f"` replaces the
 * file when first opened, `>> "f"` appends). A redirect to anything else (`> $1 ".txt"`, a
 * variable), a pipe to a command or `system(...)` is only known when it runs: opaque.
 */
export function awkProgramWrites(program: string): ScriptWrites {
  const out: ScriptWrites = { writes: [], reads: [], opaque: false };
  // Strings and regexes could hold `>`: read the program with their insides blanked out, but
  // keep each string's text to name the file.
  const strings: string[] = [];
  const masked = program.replace(/"((?:[^"\\]|\\.)*)"/g, (_, body: string) => {
    strings.push(body.replace(/\\(.)/g, "$1"));
    return `"${strings.length - 1}"`;
  });
  if (/\bsystem\s*\(|\|\s*(?:&\s*)?(?:"|[A-Za-z_])/.test(masked.replace(/\|\|/g, ""))) {
    out.opaque = true;
  }
  // A statement is `print`/`printf` up to `;`, `}` or a newline; its redirect is the last `>`
  // outside parentheses.
  for (const match of masked.matchAll(/\bprintf?\b([^;\n}]*)/g)) {
    const statement = match[1] ?? "";
    let depth = 0;
    for (let k = 0; k < statement.length; k++) {
      const c = statement[k];
      if (c === "(") depth++;
      else if (c === ")") depth--;
      else if (c === ">" && depth === 0) {
        const append = statement[k + 1] === ">";
        const target = statement.slice(k + (append ? 2 : 1)).trim();
        const quoted = /^"(\d+)"$/.exec(target);
        const file = quoted ? strings[Number(quoted[1])] : undefined;
        if (file) out.writes.push({ file, replaces: !append });
        else out.opaque = true;
        break;
      }
    }
  }
  return out;
}
