// D1 reports a constraint violation as an ordinary Error whose text names it, e.g.
// "D1_ERROR: UNIQUE constraint failed: images.id: SQLITE_CONSTRAINT". Depending on the code path
// (binding, batch, local simulator) that text is in `.message` or only in `.cause`, so both are read.

/**
 * What kind of constraint a failed write broke:
 * - "unique": a UNIQUE or PRIMARY KEY collision (the row already exists);
 * - "reference": a FOREIGN KEY or NOT NULL failure (typically a parent row, or the subquery that
 *   looks one up, is gone);
 * - "other": any other SQLITE_CONSTRAINT (CHECK, ...).
 */
export type ConstraintViolation = "unique" | "reference" | "other";

/** The constraint `e` reports breaking, or null when it is some other error (to be rethrown). */
export function constraintViolation(e: unknown): ConstraintViolation | null {
  const err = e as Error | null | undefined;
  const text = `${err?.message ?? e} ${String(err?.cause ?? "")}`;
  if (/UNIQUE constraint failed|PRIMARY KEY/i.test(text)) return "unique";
  if (/FOREIGN KEY constraint failed|NOT NULL constraint failed/i.test(text)) return "reference";
  if (/SQLITE_CONSTRAINT/.test(text)) return "other";
  return null;
}
