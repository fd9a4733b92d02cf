import path from "node:path";
import { describe, expect, it } from "vitest";
import { externalDirectoryAction, hostReachNotice } from "../src/run/host-reach.ts";

const root = "/home/me/shop";
const api = path.join(root, "packages/api");

describe("hostReachNotice", () => {
  it("says nothing when the host runs at the root, or a repository holds the root", () => {
    expect(hostReachNotice({ root, hostDirectory: root, worktree: "/" })).toBeUndefined();
    expect(hostReachNotice({ root, hostDirectory: api, worktree: root })).toBeUndefined();
    expect(hostReachNotice({ root, hostDirectory: api, worktree: "/home/me" })).toBeUndefined();
  });

  it("names the host's folder, the root and the rule that lets the sessions reach it", () => {
    const notice = hostReachNotice({ root, hostDirectory: api, worktree: "/" });
    expect(notice).toContain(
      "OpenCode runs in `packages/api`, below the project's root `/home/me/shop`",
    );
    expect(notice).toContain('"permission": {"external_directory":{"/home/me/shop/**":"allow"}}');
    // A repository of the host's folder alone does not hold the root either.
    expect(hostReachNotice({ root, hostDirectory: api, worktree: api })).toBe(notice);
    expect(hostReachNotice({ root, hostDirectory: api })).toBe(notice);
    // A sibling folder whose name starts like the root's is not inside it.
    expect(hostReachNotice({ root, hostDirectory: api, worktree: "/home/me/sh" })).toBe(notice);
  });

  it("says nothing when opencode.json allows the root", () => {
    const allowed = [
      "allow",
      { external_directory: "allow" },
      { "*": "allow" },
      { external_directory: { "/home/me/shop/**": "allow" } },
      { external_directory: { "/home/me/*": "allow" } },
      { external_directory: { "~/shop/**": "allow" } },
    ];
    for (const permission of allowed)
      expect(
        hostReachNotice({ root, hostDirectory: api, worktree: "/", permission, home: "/home/me" }),
      ).toBeUndefined();
  });
});

describe("externalDirectoryAction", () => {
  const at = path.join(root, "*");
  it("is ask when nothing is set, or nothing matches", () => {
    expect(externalDirectoryAction(undefined, at)).toBe("ask");
    expect(externalDirectoryAction({ bash: "allow" }, at)).toBe("ask");
    expect(externalDirectoryAction({ external_directory: { "/tmp/**": "allow" } }, at)).toBe("ask");
    expect(externalDirectoryAction({ external_directory: { "/home/me/shop": "allow" } }, at)).toBe(
      "ask",
    );
  });

  it("takes the last rule that matches, as the host does", () => {
    expect(externalDirectoryAction({ "*": "allow", external_directory: "deny" }, at)).toBe("deny");
    expect(externalDirectoryAction({ external_directory: "deny", "*": "allow" }, at)).toBe("allow");
    const rules = { "/home/**": "deny", "/home/me/shop/**": "allow" };
    expect(externalDirectoryAction({ external_directory: rules }, at)).toBe("allow");
    const reversed = { "/home/me/shop/**": "allow", "/home/**": "deny" };
    expect(externalDirectoryAction({ external_directory: reversed }, at)).toBe("deny");
  });

  it("reads a pattern's characters as themselves, but for * and ?", () => {
    expect(
      externalDirectoryAction({ external_directory: { "/home/me/sho?/*": "allow" } }, at),
    ).toBe("allow");
    expect(
      externalDirectoryAction({ external_directory: { "/home/me/sh.p/*": "allow" } }, at),
    ).toBe("ask");
    expect(externalDirectoryAction({ external_directory: { "[": "allow" } }, at)).toBe("ask");
  });
});
