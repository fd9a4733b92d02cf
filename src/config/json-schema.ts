/** `athena.schema.json`, generated from the zod schema so the two can never drift apart. */
import { z } from "zod";
import { AthenaFile } from "./schema.ts";

export function athenaJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(AthenaFile, { io: "input", unrepresentable: "any" });
  return {
    ...schema,
    $id: "https://unpkg.com/opencode-athena-parallel/athena.schema.json",
    title: "athena.json",
    description:
      "Configuration shared by opencode-athena and athena-parallel. athena-parallel reads `parallel` and `bmad.paths`; other keys belong to other tools.",
  };
}

export function athenaJsonSchemaText(): string {
  return `${JSON.stringify(athenaJsonSchema(), null, 2)}\n`;
}
