// Validates the configuration `npm start` / deploy will run with, before starting anything:
// the same parser the Worker uses (src/config.ts), fed from wrangler.toml's [vars] and overrides.
import { readFileSync } from "node:fs";
import { build } from "esbuild";

// Bundle src/config.ts (and what it imports) in memory, as the Worker build would.
const out = await build({
  entryPoints: [new URL("../src/config.ts", import.meta.url).pathname],
  bundle: true,
  platform: "node",
  format: "esm",
  write: false,
  logLevel: "silent",
});
const { parseSettings } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString("base64")}`);

const toml = readFileSync(new URL("../wrangler.toml", import.meta.url), "utf8");
const vars = {};
const section = toml.split(/^\[vars\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
for (const m of section.matchAll(/^([A-Z_]+)\s*=\s*(?:'([^']*)'|"((?:[^"\\]|\\.)*)")\s*$/gm)) {
  vars[m[1]] = m[2] ?? JSON.parse(`"${m[3]}"`);
}
for (const arg of process.argv.slice(2)) {
  const i = arg.indexOf(":");
  vars[arg.slice(0, i)] = arg.slice(i + 1);
}
try {
  parseSettings(vars);
} catch (e) {
  console.error(`configuration error: ${e.message}`);
  process.exit(1);
}
