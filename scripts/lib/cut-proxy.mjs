// A TCP proxy for the upload-session scenario: forwards to TARGET_PORT until CUT_AFTER bytes went
// upstream in all, then cuts every connection and refuses new ones (a lost network, not a polite
// cancel), until the file named by OPEN_FILE exists; from then on it forwards again.
// usage: node cut-proxy.mjs LISTEN_PORT TARGET_PORT CUT_AFTER OPEN_FILE
import { existsSync } from "node:fs";
import net from "node:net";

const [listen, target, cutAfter, openFile] = process.argv.slice(2);
let sent = 0;
const live = new Set();
const cut = () => sent >= Number(cutAfter) && !existsSync(openFile);
net
  .createServer((client) => {
    if (cut()) return client.destroy();
    const upstream = net.connect(Number(target), "127.0.0.1");
    live.add(client);
    const close = () => {
      live.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on("data", (chunk) => {
      sent += chunk.length;
      if (cut()) {
        for (const c of live) c.destroy();
        return close();
      }
      upstream.write(chunk);
    });
    upstream.on("data", (chunk) => client.write(chunk));
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
  })
  .listen(Number(listen), "127.0.0.1", () => console.log(`cut-proxy on ${listen}`));
