import { constraintViolation } from "../constraint-errors";

// What the per-entity metadef repositories share: the port's write outcomes and JSON columns.

/** The MetadefRepository port's non-exceptional write failures. */
export type WriteFailure = "duplicate" | "gone";

/** Timestamps every metadef row carries. */
export interface Stamps {
  createdAt: string;
  updatedAt: string | null;
}

/** Maps a constraint failure to what it means for the caller; rethrows anything else. */
export function writeFailure(e: unknown): WriteFailure {
  const kind = constraintViolation(e);
  if (kind === "unique") return "duplicate";
  // A FOREIGN KEY / NOT NULL failure: the namespace (looked up by id or subquery) was deleted under us.
  if (kind === "reference") return "gone";
  throw e;
}

/**
 * Runs one write, turning constraint failures into the port's outcomes. A write that matched no
 * row (an update whose target was deleted) returns undefined, which is "gone" too.
 */
export async function attempt<T>(write: () => Promise<T | undefined>): Promise<T | WriteFailure> {
  try {
    return (await write()) ?? "gone";
  } catch (e) {
    return writeFailure(e);
  }
}

/** Reads a JSON text column; a missing or corrupt value reads as `fallback` rather than failing the whole listing. */
export const parseJson = <T>(text: string | null, fallback: T): T => {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};
