// Command-line options of `npm run deploy` (scripts/deploy.mjs): parsed into one object; a bad
// option prints the usage and exits 2, --help prints it and exits 0.
export const USAGE = "usage: npm run deploy -- [--dry-run] [--skip-secret-check] [--registry] [--env NAME] [--config PATH] [--secrets-file PATH] [--var KEY:VALUE]...";

function usage(msg) {
  console.error(`deploy: ${msg}\n${USAGE}`);
  process.exit(2);
}

export function parseOptions(argv) {
  const opts = { dryRun: false, skipSecretCheck: false, registry: false, env: undefined, config: "wrangler.toml", secretsFile: undefined, vars: {} };
  const args = [...argv];
  const value = (name) => {
    const v = args.shift();
    if (v === undefined || v.startsWith("--")) usage(`${name} needs a value`);
    return v;
  };
  while (args.length) {
    const a = args.shift();
    if (a === "--dry-run") opts.dryRun = true;
    else if (a === "--skip-secret-check") opts.skipSecretCheck = true;
    else if (a === "--registry") opts.registry = true;
    else if (a === "--env" || a === "-e") opts.env = value(a);
    else if (a === "--config" || a === "-c") opts.config = value(a);
    else if (a === "--secrets-file") opts.secretsFile = value(a);
    else if (a === "--var") {
      const kv = value(a);
      const i = kv.indexOf(":");
      if (i <= 0) usage(`--var takes KEY:VALUE, got "${kv}"`);
      opts.vars[kv.slice(0, i)] = kv.slice(i + 1);
    } else if (a === "--help" || a === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else usage(`unknown option ${a}`);
  }
  return opts;
}
