// Reads a directory (or one file) of Glance-format metadef JSON files and prints the SQL that
// loads them (see load-metadefs.ts). Used by load-metadefs.sh; run with `npx tsx`.
//   npx tsx scripts/load-metadefs.cli.ts [--merge | --prefer-new | --overwrite] <dir-or-file.json>
import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { type LoadMode, MetadefFileError, buildLoadSql } from "./load-metadefs";

function usage(msg: string): never {
  process.stderr.write(`load-metadefs: ${msg}\nusage: load-metadefs.cli.ts [--merge | --prefer-new | --overwrite] <dir-or-file.json>\n`);
  process.exit(2);
}

let mode: LoadMode = "skip";
const paths: string[] = [];
for (const arg of process.argv.slice(2)) {
  if (arg === "--merge") mode = mode === "prefer-new" ? mode : "merge";
  else if (arg === "--prefer-new") mode = "prefer-new";
  else if (arg === "--overwrite") mode = "overwrite";
  else if (arg.startsWith("-")) usage(`unknown option ${arg}`);
  else paths.push(arg);
}
if (paths.length !== 1) usage("expected one directory or file");

const path = paths[0];
let files: { name: string; text: string }[];
try {
  const names = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((f) => f.endsWith(".json") && statSync(join(path, f)).isFile())
        .map((f) => join(path, f))
    : [path];
  files = names.map((f) => ({ name: basename(f), text: readFileSync(f, "utf8") }));
} catch (e) {
  process.stderr.write(`load-metadefs: cannot read ${path}: ${(e as Error).message}\n`);
  process.exit(1);
}

try {
  const sql = buildLoadSql(files, { mode });
  process.stdout.write(sql.map((s) => `${s};\n`).join(""));
  process.stderr.write(`load-metadefs: ${files.length} file(s), ${sql.length} statement(s), mode ${mode}\n`);
} catch (e) {
  if (!(e instanceof MetadefFileError)) throw e;
  process.stderr.write(`load-metadefs: nothing loaded:\n${e.problems.map((p) => `  ${p}`).join("\n")}\n`);
  process.exit(1);
}
