/** Writes athena.schema.json from the zod schema (`npm run schema`). */
import { writeFileSync } from "node:fs";
import { athenaJsonSchemaText } from "../src/config/json-schema.ts";

writeFileSync(new URL("../athena.schema.json", import.meta.url), athenaJsonSchemaText());
console.log("athena.schema.json written");
