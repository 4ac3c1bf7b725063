#!/usr/bin/env node
// glance-upload: uploads an image's data in parts through the upload-session API
// (/v2/images/{id}/upload-sessions), several parts in flight, with a progress bar, and resumes an
// interrupted upload. No dependencies: Node >= 18. See README "Large images".
import { homedir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Fatal, api, why } from "./glance-upload/api.mjs";
import { upload } from "./glance-upload/upload.mjs";

const USAGE = `Usage:
  glance-upload upload IMAGE_ID FILE [options]   upload (or resume uploading) FILE as the image's data
  glance-upload status IMAGE_ID                  show the image's upload session
  glance-upload abort IMAGE_ID [SESSION_ID]      abort the upload session (the image goes back to queued)

Options:
  --url URL            image service endpoint (env OS_IMAGE_URL; default http://127.0.0.1:9292)
  --token TOKEN        X-Auth-Token (env OS_AUTH_TOKEN)
  --part-size MIB      part size in MiB (default: the service's, 64 MiB; at least 5)
  --parallel N         parts in flight (default 4)
  --session ID         resume this session (when the local state file is gone)
  --store ID           store to write to (default: the service's default store)
  --via-worker         send parts through the service even when it offers presigned R2 URLs
  --no-verify          do not compute the file's SHA-512 locally (the service still computes it)
  --state-dir DIR      where resume state is kept (default ~/.local/state/glance-upload)
  --progress-interval S  seconds between progress lines when not on a terminal (default 10)
  --retries N          attempts per part (default 5)
  -h, --help`;

function options(argv) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: "string" },
      token: { type: "string" },
      "part-size": { type: "string" },
      parallel: { type: "string", default: "4" },
      session: { type: "string" },
      store: { type: "string" },
      "via-worker": { type: "boolean", default: false },
      "no-verify": { type: "boolean", default: false },
      "state-dir": { type: "string" },
      "progress-interval": { type: "string", default: "10" },
      retries: { type: "string", default: "5" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const url = (values.url ?? process.env.OS_IMAGE_URL ?? "http://127.0.0.1:9292").replace(/\/+$/, "").replace(/\/v2$/, "");
  const stateDir = values["state-dir"] ?? join(process.env.XDG_STATE_HOME ?? join(homedir(), ".local", "state"), "glance-upload");
  return { values, positionals, url, token: values.token ?? process.env.OS_AUTH_TOKEN ?? null, stateDir };
}

async function status(opts, imageId) {
  const r = await api(opts).call("GET", `/v2/images/${imageId}/upload-sessions`);
  if (r.status !== 200) throw new Fatal(`${r.status}: ${why(r)}`);
  const list = r.json.upload_sessions.map(({ parts, ...s }) => s);
  console.log(JSON.stringify(list.length ? list[0] : null, null, 2));
}

async function abort(opts, imageId, sessionId) {
  const { call } = api(opts);
  let sid = sessionId;
  if (!sid) {
    const r = await call("GET", `/v2/images/${imageId}/upload-sessions`);
    if (r.status !== 200) throw new Fatal(`${r.status}: ${why(r)}`);
    sid = r.json.upload_sessions.find((s) => ["uploading", "verifying"].includes(s.status))?.id;
    if (!sid) throw new Fatal(`image ${imageId} has no upload session in progress`);
  }
  const r = await call("DELETE", `/v2/images/${imageId}/upload-sessions/${sid}`);
  if (r.status !== 204) throw new Fatal(`${r.status}: ${why(r)}`);
  console.error(`session ${sid} aborted; image ${imageId} is queued again`);
}

async function main() {
  const opts = options(process.argv.slice(2));
  const [cmd, imageId, arg] = opts.positionals;
  if (opts.values.help || !cmd) return void console.log(USAGE);
  if (!imageId) throw new Fatal(`${cmd}: IMAGE_ID is required\n\n${USAGE}`);
  if (cmd === "upload") {
    if (!arg) throw new Fatal(`upload: FILE is required\n\n${USAGE}`);
    process.on("SIGINT", () => {
      process.stderr.write("\ninterrupted: run the same command again to resume\n");
      process.exit(130);
    });
    return upload(opts, imageId, arg);
  }
  if (cmd === "status") return status(opts, imageId);
  if (cmd === "abort") return abort(opts, imageId, arg);
  throw new Fatal(`unknown command ${cmd}\n\n${USAGE}`);
}

main().catch((e) => {
  process.stderr.write(`\nglance-upload: ${e instanceof Fatal ? e.message : e.stack ?? e}\n`);
  process.exit(1);
});
