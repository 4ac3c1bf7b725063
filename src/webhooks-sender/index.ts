// WebhookSender over fetch() and crypto.subtle (the domain's port: src/domain/webhooks/ports.ts):
// the HMAC-SHA256 signature over "<timestamp>.<body>", the POST with a deadline, no redirects.
import type { OutgoingWebhook, SendResult, WebhookSender } from "../domain/webhooks/ports";

const encoder = new TextEncoder();
const hex = (b: ArrayBuffer | Uint8Array) => [...new Uint8Array(b)].map((x) => x.toString(16).padStart(2, "0")).join("");

/** hex(HMAC-SHA256(key = the secret's UTF-8 bytes, message)). */
export async function hmacSha256Hex(secret: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return hex(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

export class FetchWebhookSender implements WebhookSender {
  newSecret(): string {
    return hex(crypto.getRandomValues(new Uint8Array(32)));
  }

  async send(r: OutgoingWebhook): Promise<SendResult> {
    const signature = await hmacSha256Hex(r.secret, `${r.timestamp}.${r.body}`);
    const headers = {
      ...r.headers,
      "Content-Type": "application/json",
      "User-Agent": "glance-workers-webhooks/1",
      "X-Glance-Signature": `sha256=${signature}`,
    };
    const started = Date.now();
    try {
      const res = await fetch(r.url, { method: "POST", headers, body: r.body, redirect: "manual", signal: AbortSignal.timeout(r.timeoutMs) });
      const latencyMs = Date.now() - started;
      // Only the status matters; the answer's body is not read.
      await res.body?.cancel().catch(() => {});
      return { statusCode: res.status, latencyMs, error: null };
    } catch (e) {
      const latencyMs = Date.now() - started;
      const timedOut = e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError");
      return { statusCode: null, latencyMs, error: timedOut ? `no answer within ${r.timeoutMs / 1000} s` : `request failed: ${String(e)}` };
    }
  }
}
