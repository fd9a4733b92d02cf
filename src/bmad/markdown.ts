/** The one markdown parser: remark with GFM (task lists, tables) and front matter. */
import type { Root } from "mdast";
import { remark } from "remark";
import remarkFrontmatter from "remark-frontmatter";
import remarkGfm from "remark-gfm";

const processor = remark().use(remarkGfm).use(remarkFrontmatter, ["yaml", "toml"]).freeze();

export function parseMarkdown(text: string): Root {
  return processor.parse(text.replace(/^\uFEFF/, "")) as Root;
}
