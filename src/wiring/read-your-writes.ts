// Read-your-writes for authenticated callers that carry no bookmark (README "Read replicas"), part
// of the composition root (src/wiring.ts builds the WriteBookmarks adapter and calls these).
// GLANCE_CONFIG read_your_writes: "primary" (the default) reads the primary for them; "project"
// opens their D1 session at the newest bookmark recorded for their project (src/durable-objects/
// project-bookmark.ts), so any replica that has caught up with every write of the project serves
// them. Whatever fails on the way (the object unreachable, no bookmark, a malformed one) reads the
// primary: never a stale read of one's own writes, at worst the primary's latency.
import { BOOKMARK } from "../db/request-session";
import type { WriteBookmarks } from "../domain/write-bookmarks";

export type ReadYourWrites = "primary" | "project";

let cached: { raw: string | undefined; mode: ReadYourWrites } | null = null;
/** GLANCE_CONFIG's read_your_writes (src/config.ts validates it with the rest of GLANCE_CONFIG). */
export function readYourWritesOf(glanceConfig: string | undefined): ReadYourWrites {
  if (cached && cached.raw === glanceConfig) return cached.mode;
  let mode: ReadYourWrites = "primary";
  try {
    if ((JSON.parse(glanceConfig?.trim() ? glanceConfig : "{}") as { read_your_writes?: unknown })?.read_your_writes === "project") mode = "project";
  } catch {
    // invalid JSON: settingsFor() reports it
  }
  cached = { raw: glanceConfig, mode };
  return mode;
}

/** The session constraint of a bookmark-less read by `project`: its newest write's bookmark, else the primary. */
export async function projectConstraint(bookmarks: WriteBookmarks, project: string): Promise<string> {
  try {
    const b = await bookmarks.latest(project);
    return b && BOOKMARK.test(b) ? b : "first-primary";
  } catch (e) {
    console.warn(`read_your_writes: no bookmark for project ${project} (${e instanceof Error ? e.message : e}); reading the primary`);
    return "first-primary";
  }
}

/**
 * The projects whose bookmark-less reads must include a mutating request's write: the caller's,
 * and the member's when the request names a membership (the owner removing a member: the member's
 * lists drop the image at once).
 */
export function writersOf(project: string, path: string): string[] {
  const m = /^\/v2\/images\/[^/]+\/members\/([^/]+)\/?$/.exec(path);
  let member: string | null = null;
  try {
    member = m ? decodeURIComponent(m[1]) : null;
  } catch {
    // not a member id
  }
  return member && member !== project ? [project, member] : [project];
}

/**
 * Records a write's bookmark (read from the primary after the write) for each project. A failure
 * is logged, not raised: the write stands, and until the project writes again its bookmark-less
 * reads may be served by a replica that has not caught up with this one (README "Read replicas").
 */
export async function recordWrite(bookmarks: WriteBookmarks, projects: string[], bookmark: string | null): Promise<void> {
  if (!bookmark || !BOOKMARK.test(bookmark)) return;
  await Promise.all(
    projects.map((p) =>
      bookmarks.record(p, bookmark).catch((e) => console.error(`read_your_writes: could not record project ${p}'s bookmark: ${e instanceof Error ? e.message : e}`)),
    ),
  );
}

/**
 * After the queue finished work on an image (an import, an upload session's verification): its
 * owner's bookmark-less reads include what it wrote. `owner` and `bookmark` read the primary.
 */
export async function recordOwnerWrite(bookmarks: WriteBookmarks, owner: () => Promise<string | null>, bookmark: () => Promise<string | null>): Promise<void> {
  try {
    const project = await owner();
    if (project) await recordWrite(bookmarks, [project], await bookmark());
  } catch (e) {
    console.error(`read_your_writes: could not record the owner's bookmark: ${e instanceof Error ? e.message : e}`);
  }
}
