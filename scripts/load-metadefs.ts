// Loads metadata definition files in Glance's own format (what `glance-manage db_load_metadefs`
// reads from /etc/glance/metadefs) by turning them into idempotent SQL for D1. Pure: no file or
// network access here, so the tests run it inside workerd; load-metadefs.cli.ts reads the files
// and load-metadefs.sh applies the SQL with `wrangler d1 execute`.
//
// Modes, as glance-manage's flags:
//   skip (default)  namespaces that already exist are left alone, content included;
//   merge           existing namespaces get the objects/properties/tags/associations they lack;
//   prefer-new      like merge, but the files' values replace existing ones;
//   overwrite       existing namespaces are deleted and loaded afresh.
// Every statement is safe to run again; a rerun of the same files changes nothing.
import { NAMESPACE_RULE } from "../src/domain/metadefs/schemas";
import { firstViolation } from "../src/domain/metadefs/validate";

export type LoadMode = "skip" | "merge" | "prefer-new" | "overwrite";
export interface MetadefFile {
  name: string;
  text: string;
}

/** One or more files could not be loaded; `problems` says which and why. Nothing was written. */
export class MetadefFileError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

interface NamespaceFile {
  namespace: string;
  display_name?: string;
  description?: string;
  visibility?: string;
  protected?: boolean;
  owner?: string;
  resource_type_associations?: { name: string; prefix?: string; properties_target?: string }[];
  properties?: Record<string, unknown>;
  objects?: { name: string; description?: string; required?: string[]; properties?: Record<string, unknown> }[];
  tags?: { name: string }[];
}

/** Parses and checks one file against the namespace schema of the API. */
export function parseMetadefFile(file: MetadefFile): NamespaceFile {
  let data: unknown;
  try {
    data = JSON.parse(file.text);
  } catch (e) {
    throw new MetadefFileError([`${file.name}: not valid JSON (${(e as Error).message})`]);
  }
  const why = firstViolation(data, NAMESPACE_RULE);
  if (why) {
    const where = why.path.length ? ` at ${why.path.map((p) => (typeof p === "number" ? `[${p}]` : `"${p}"`)).join(" > ")}` : "";
    throw new MetadefFileError([`${file.name}: does not match the metadef namespace schema${where}: ${why.message}`]);
  }
  return data as NamespaceFile;
}

const lit = (v: string | null | undefined) => (v === null || v === undefined ? "NULL" : `'${v.replace(/'/g, "''")}'`);

function namespaceSql(f: NamespaceFile, mode: LoadMode, stamp: string): string[] {
  const N = lit(f.namespace);
  const S = lit(stamp);
  const nsId = `(SELECT id FROM metadef_namespaces WHERE namespace = ${N})`;
  const out: string[] = [];
  if (mode === "overwrite") {
    for (const table of ["metadef_tags", "metadef_objects", "metadef_properties", "metadef_namespace_resource_types"]) {
      out.push(`DELETE FROM ${table} WHERE namespace_id IN ${nsId}`);
    }
    out.push(`DELETE FROM metadef_namespaces WHERE namespace = ${N}`);
  }
  const values = [N, lit(f.display_name), lit(f.description), lit(f.visibility ?? "private"), f.protected ? "1" : "0", lit(f.owner ?? "admin"), S, "NULL"];
  out.push(
    `INSERT INTO metadef_namespaces (namespace, display_name, description, visibility, protected, owner, created_at, updated_at) VALUES (${values.join(", ")}) ` +
      (mode === "prefer-new"
        ? `ON CONFLICT(namespace) DO UPDATE SET display_name = excluded.display_name, description = excluded.description, visibility = excluded.visibility, protected = excluded.protected, owner = excluded.owner, updated_at = ${S}`
        : "ON CONFLICT(namespace) DO NOTHING"),
  );
  // In skip mode only a namespace created by this very run (its created_at is this run's stamp)
  // receives content; an existing one is left as it is.
  const target = `ns.namespace = ${N}${mode === "skip" ? ` AND ns.created_at = ${S}` : ""}`;
  const upsert = (conflict: string, sets: string) => (mode === "prefer-new" ? `ON CONFLICT(${conflict}) DO UPDATE SET ${sets}, updated_at = ${S}` : `ON CONFLICT(${conflict}) DO NOTHING`);

  for (const a of f.resource_type_associations ?? []) {
    const R = lit(a.name);
    // Seeded resource types are protected ("system" types), as glance-manage marks them.
    out.push(
      `INSERT INTO metadef_resource_types (name, protected, created_at, updated_at) SELECT ${R}, 1, ${S}, NULL WHERE EXISTS (SELECT 1 FROM metadef_namespaces ns WHERE ${target}) ` +
        (mode === "prefer-new" ? `ON CONFLICT(name) DO UPDATE SET updated_at = ${S}` : "ON CONFLICT(name) DO NOTHING"),
    );
    out.push(
      `INSERT INTO metadef_namespace_resource_types (resource_type_id, namespace_id, properties_target, prefix, created_at, updated_at) ` +
        `SELECT rt.id, ns.id, ${lit(a.properties_target)}, ${lit(a.prefix)}, ${S}, NULL FROM metadef_namespaces ns, metadef_resource_types rt WHERE ${target} AND rt.name = ${R} ` +
        upsert("resource_type_id, namespace_id", "properties_target = excluded.properties_target, prefix = excluded.prefix"),
    );
  }
  for (const [name, schema] of Object.entries(f.properties ?? {})) {
    out.push(
      `INSERT INTO metadef_properties (namespace_id, name, json_schema, created_at, updated_at) SELECT ns.id, ${lit(name)}, ${lit(JSON.stringify(schema))}, ${S}, NULL FROM metadef_namespaces ns WHERE ${target} ` +
        upsert("namespace_id, name", "json_schema = excluded.json_schema"),
    );
  }
  for (const o of f.objects ?? []) {
    // Unlike glance-manage, the object's "required" list is kept.
    out.push(
      `INSERT INTO metadef_objects (namespace_id, name, description, required, json_schema, created_at, updated_at) ` +
        `SELECT ns.id, ${lit(o.name)}, ${lit(o.description)}, ${lit(JSON.stringify(o.required ?? []))}, ${lit(JSON.stringify(o.properties ?? {}))}, ${S}, NULL FROM metadef_namespaces ns WHERE ${target} ` +
        upsert("namespace_id, name", "description = excluded.description, required = excluded.required, json_schema = excluded.json_schema"),
    );
  }
  for (const t of f.tags ?? []) {
    out.push(
      `INSERT INTO metadef_tags (namespace_id, name, created_at, updated_at) SELECT ns.id, ${lit(t.name)}, ${S}, NULL FROM metadef_namespaces ns WHERE ${target} ` +
        (mode === "prefer-new" ? `ON CONFLICT(namespace_id, name) DO UPDATE SET updated_at = ${S}` : "ON CONFLICT(namespace_id, name) DO NOTHING"),
    );
  }
  return out;
}

/**
 * The SQL statements that load `files` (sorted by file name). Every file is checked first: any
 * problem (bad JSON, schema violation, a namespace defined twice) throws MetadefFileError and
 * yields no SQL at all.
 */
export function buildLoadSql(files: MetadefFile[], o: { mode?: LoadMode; now?: Date; stamp?: string } = {}): string[] {
  const mode = o.mode ?? "skip";
  // A stamp unique to this run (microseconds added to the clock's milliseconds); shown to clients
  // as whole seconds. `stamp` replaces it (the catalog migration writes a marker, then sets the
  // real time when it runs).
  const stamp = o.stamp ?? (o.now ?? new Date()).toISOString().replace(/Z$/, `${String(Math.floor(Math.random() * 1000)).padStart(3, "0")}Z`);
  const problems: string[] = [];
  const parsed: { file: string; ns: NamespaceFile }[] = [];
  for (const file of [...files].sort((a, b) => a.name.localeCompare(b.name))) {
    try {
      parsed.push({ file: file.name, ns: parseMetadefFile(file) });
    } catch (e) {
      if (!(e instanceof MetadefFileError)) throw e;
      problems.push(...e.problems);
    }
  }
  const seen = new Map<string, string>();
  for (const { file, ns } of parsed) {
    const first = seen.get(ns.namespace);
    if (first) problems.push(`${file}: namespace ${ns.namespace} is already defined in ${first}`);
    else seen.set(ns.namespace, file);
  }
  if (files.length === 0) problems.push("no metadef files (*.json) to load");
  if (problems.length) throw new MetadefFileError(problems);
  return parsed.flatMap(({ ns }) => namespaceSql(ns, mode, stamp));
}
