import wranglerToml from "../../wrangler.toml?raw";
import { describe, expect, it } from "vitest";
import { WEBHOOK_DISABLE_AFTER, WEBHOOK_MAX_ATTEMPTS } from "../../src/domain/webhooks/webhook";
import { ADMIN, call, createImage, json, sinkEvents } from "../helpers/api";
import { originLog } from "../helpers/imports";
import {
  HOOKS,
  consume,
  createHook,
  deliveries,
  deliveryMessage,
  eventOf,
  expectSigned,
  hook,
  notification,
  project,
  projectOf,
  received,
  uniq,
  waitReceived,
} from "../helpers/webhooks";

// Deliveries to a real HTTP receiver (hooks.example.com in the outbound Worker). End-to-end tests
// go through the real queues (events → consumer → webhooks queue → consumer → POST); the retry,
// dead-letter and disable tests hand messages to the consumer at a chosen attempt number.

const imageCreated = (imageId: string) => (r: { headers: Record<string, string>; body: string }) =>
  r.headers["x-glance-event"] === "image.create" && eventOf(r).payload.id === imageId;

describe("webhook deliveries", () => {
  it("POSTs the notification as published, signed (HMAC-SHA256 over '<timestamp>.<body>'), and logs the attempt", async () => {
    const owner = project();
    const rid = uniq("e2e");
    const created = await createHook(owner, { target_url: `${HOOKS}/ok?id=${rid}` });
    const image = await createImage({ name: "hooked" }, owner);
    const [got] = await waitReceived(rid, 1, imageCreated(image.id));
    expect(got.method).toBe("POST");
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers).toMatchObject({ "x-glance-webhook-id": created.id, "x-glance-event": "image.create", "x-glance-attempt": "1" });
    await expectSigned(got, created.secret);
    // The body is the notification the queue carried (the sink recorded it), without the queue's `type`.
    const published = (await sinkEvents("image.create")).find((e) => e.payload.id === image.id);
    const { type: _, ...envelope } = published;
    expect(eventOf(got)).toEqual(envelope);
    expect(eventOf(got).payload).toMatchObject({ id: image.id, owner: projectOf(owner), name: "hooked", status: "queued" });

    const log = await deliveries(owner, created.id);
    const line = log.find((d) => d.delivery_id === got.headers["x-glance-delivery"]);
    expect(line).toMatchObject({ event_type: "image.create", event_id: envelope.message_id, attempt: 1, outcome: "delivered", status_code: 200, error: null, redelivery_of: null });
    expect(line.latency_ms).toBeGreaterThanOrEqual(0);
    expect(Date.parse(line.created_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("filters by event: image.member.* and exact types; a later event proves nothing else was sent", async () => {
    const owner = project();
    const [members, creates] = [uniq("members"), uniq("creates")];
    await createHook(owner, { target_url: `${HOOKS}/ok?id=${members}`, events: ["image.member.*"] });
    await createHook(owner, { target_url: `${HOOKS}/ok?id=${creates}`, events: ["image.create"] });
    const image = await createImage({ visibility: "shared" }, owner);
    expect((await call("POST", `/v2/images/${image.id}/members`, { token: owner, body: { member: "someone-else" } })).status).toBe(200);
    const [member] = await waitReceived(members, 1);
    expect(member.headers["x-glance-event"]).toBe("image.member.create");
    expect(eventOf(member).payload).toMatchObject({ image_id: image.id, member_id: "someone-else", status: "pending" });
    const later = await createImage({}, owner);
    const got = await waitReceived(creates, 1, imageCreated(later.id));
    expect(got.map((r) => r.headers["x-glance-event"])).toEqual(["image.create", "image.create"]);
    expect((await received(members)).map((r) => r.headers["x-glance-event"])).toEqual(["image.member.create"]);
  });

  it("metadef.* matches Glance's metadef_* event types", async () => {
    const admin = `${uniq("hookadm")}:admin,member,reader`;
    const rid = uniq("metadefs");
    await createHook(admin, { target_url: `${HOOKS}/ok?id=${rid}`, events: ["metadef.*"] });
    const ns = uniq("ns");
    expect((await call("POST", "/v2/metadefs/namespaces", { token: admin, body: { namespace: ns, tags: [{ name: "t" }] } })).status).toBe(201);
    const got = await waitReceived(rid, 2);
    expect(got.map((r) => r.headers["x-glance-event"]).sort()).toEqual(["metadef_namespace.create", "metadef_tag.create"]);
    expect(got.every((r) => eventOf(r).payload.namespace === ns)).toBe(true);
  });

  it("another project's events never reach a subscription", async () => {
    const owner = project();
    const rid = uniq("mine");
    await createHook(owner, { target_url: `${HOOKS}/ok?id=${rid}`, events: ["image.*"] });
    const theirs = await createImage({ visibility: "community" }, project());
    await call("PATCH", `/v2/images/${theirs.id}`, { token: ADMIN, body: [{ op: "add", path: "/x", value: "y" }], contentType: "application/openstack-images-v2.1-json-patch" });
    const mine = await createImage({}, owner);
    await waitReceived(rid, 1, imageCreated(mine.id));
    const ids = (await received(rid)).map((r) => eventOf(r).payload.id);
    expect(ids).toContain(mine.id);
    expect(ids).not.toContain(theirs.id);
  });

  it("manual redelivery sends the same event again as a new delivery; the log links the two", async () => {
    const owner = project();
    const rid = uniq("redeliver");
    const created = await createHook(owner, { target_url: `${HOOKS}/ok?id=${rid}` });
    const image = await createImage({}, owner);
    const [first] = await waitReceived(rid, 1, imageCreated(image.id));
    const deliveryId = first.headers["x-glance-delivery"];
    const path = `/v2/webhooks/${created.id}/deliveries/${deliveryId}/redeliver`;
    expect((await call("POST", path, { token: project() })).status).toBe(404);
    const r = await call("POST", path, { token: owner });
    expect(r.status).toBe(202);
    const again = await json(r);
    expect(again).toMatchObject({ webhook_id: created.id, redelivery_of: deliveryId });
    expect(again.delivery_id).not.toBe(deliveryId);
    const both = await waitReceived(rid, 2, imageCreated(image.id));
    const second = both.filter(imageCreated(image.id))[1];
    expect(second.headers["x-glance-delivery"]).toBe(again.delivery_id);
    expect(second.body).toBe(first.body);
    await expectSigned(second, created.secret);
    const log = await deliveries(owner, created.id);
    expect(log[0]).toMatchObject({ delivery_id: again.delivery_id, redelivery_of: deliveryId, outcome: "delivered" });
  });
});

describe("retries, dead-letter queue, automatic disable", () => {
  it("retries a 500 with growing delays and logs each attempt", async () => {
    const owner = project();
    const rid = uniq("fail");
    const created = await createHook(owner, { target_url: `${HOOKS}/fail?id=${rid}` });
    const msg = deliveryMessage(created.id);
    expect(await consume([msg], 1)).toEqual([{ retry: true, delaySeconds: 15 }]);
    expect(await consume([msg], 2)).toEqual([{ retry: true, delaySeconds: 60 }]);
    expect(await consume([msg], 3)).toEqual([{ retry: true, delaySeconds: 240 }]);
    const got = await received(rid);
    expect(got.map((r) => r.headers["x-glance-attempt"])).toEqual(["1", "2", "3"]);
    expect(new Set(got.map((r) => r.headers["x-glance-delivery"]))).toEqual(new Set([msg.delivery_id]));
    expect(JSON.parse(got[0].body)).toEqual(msg.event);
    await expectSigned(got[2], created.secret);
    const log = await deliveries(owner, created.id);
    expect(log.map((d) => [d.attempt, d.outcome, d.status_code, d.error])).toEqual([
      [3, "retrying", 500, "receiver answered 500"],
      [2, "retrying", 500, "receiver answered 500"],
      [1, "retrying", 500, "receiver answered 500"],
    ]);
    expect((await hook(owner, created.id)).failure_count).toBe(0);
  });

  it("a receiver that fails twice then answers 200 gets the delivery at attempt 3 (acknowledged)", async () => {
    const owner = project();
    const rid = uniq("flaky");
    const created = await createHook(owner, { target_url: `${HOOKS}/flaky?fail=2&id=${rid}` });
    const msg = deliveryMessage(created.id);
    expect((await consume([msg], 1))[0].retry).toBe(true);
    expect((await consume([msg], 2))[0].retry).toBe(true);
    expect(await consume([msg], 3)).toEqual([{ retry: false, acked: true }]);
    expect((await deliveries(owner, created.id)).map((d) => d.outcome)).toEqual(["delivered", "retrying", "retrying"]);
  });

  it("does not follow redirects (a failed attempt; the redirect's target is never contacted)", async () => {
    const owner = project();
    const rid = uniq("redirect");
    const created = await createHook(owner, { target_url: `${HOOKS}/redirect?id=${rid}` });
    expect((await consume([deliveryMessage(created.id)], 1))[0].retry).toBe(true);
    expect((await received(rid)).map((r) => r.path)).toEqual(["/redirect"]);
    expect((await deliveries(owner, created.id))[0]).toMatchObject({ outcome: "retrying", status_code: 302, error: "receiver answered 302: redirects are not followed" });
  });

  it("at the last attempt the consumer retries once more, which moves the message to the dead-letter queue", async () => {
    // The platform's side: the webhooks queue's max_retries lets exactly WEBHOOK_MAX_ATTEMPTS attempts through.
    const consumer = /\[\[queues\.consumers\]\]\s*queue = "glance-webhooks"([^[]*)/.exec(wranglerToml)?.[1] ?? "";
    expect(consumer).toContain(`max_retries = ${WEBHOOK_MAX_ATTEMPTS - 1}`);
    expect(consumer).toContain('dead_letter_queue = "glance-webhooks-dlq"');

    const owner = project();
    const rid = uniq("dead");
    const created = await createHook(owner, { target_url: `${HOOKS}/fail?id=${rid}` });
    const msg = deliveryMessage(created.id);
    expect(await consume([msg], WEBHOOK_MAX_ATTEMPTS)).toEqual([{ retry: true, delaySeconds: undefined }]);
    expect((await deliveries(owner, created.id))[0]).toMatchObject({ attempt: WEBHOOK_MAX_ATTEMPTS, outcome: "failed", status_code: 500 });
    expect((await hook(owner, created.id)).failure_count).toBe(1);
    // Should the queue hand it over again anyway, nothing is sent.
    expect(await consume([msg], WEBHOOK_MAX_ATTEMPTS + 1)).toEqual([{ retry: true, delaySeconds: undefined }]);
    expect(await received(rid)).toHaveLength(1);
  });

  it(`disables a subscription after ${WEBHOOK_DISABLE_AFTER} failed deliveries in a row; a disabled one gets nothing more`, async () => {
    const owner = project();
    const [dead, alive] = [uniq("disabled"), uniq("control")];
    const created = await createHook(owner, { target_url: `${HOOKS}/fail?id=${dead}`, events: ["image.*"] });
    const control = await createHook(owner, { target_url: `${HOOKS}/ok?id=${alive}`, events: ["image.*"] });
    for (let i = 0; i < WEBHOOK_DISABLE_AFTER; i++) {
      const [r] = await consume([deliveryMessage(created.id)], WEBHOOK_MAX_ATTEMPTS);
      expect(r.retry).toBe(true);
      expect((await hook(owner, created.id)).enabled).toBe(i < WEBHOOK_DISABLE_AFTER - 1);
    }
    const shown = await hook(owner, created.id);
    expect(shown).toMatchObject({ enabled: false, failure_count: WEBHOOK_DISABLE_AFTER });
    expect(shown.disabled_reason).toBe(`Disabled after ${WEBHOOK_DISABLE_AFTER} consecutive failed deliveries (last: receiver answered 500)`);
    expect(await received(dead)).toHaveLength(WEBHOOK_DISABLE_AFTER);

    // A pending retry of a disabled subscription is dropped without a request.
    expect(await consume([deliveryMessage(created.id)], 2)).toEqual([{ retry: false, acked: true }]);
    // A new event: the control subscription's delivery proves the queue ran; the disabled one got nothing.
    const image = await createImage({}, owner);
    await waitReceived(alive, 1, imageCreated(image.id));
    expect(await received(dead)).toHaveLength(WEBHOOK_DISABLE_AFTER);
    // A redelivery needs it enabled again (409); enabling resets the count and the reason.
    const last = (await deliveries(owner, created.id))[0].delivery_id;
    expect((await call("POST", `/v2/webhooks/${created.id}/deliveries/${last}/redeliver`, { token: owner })).status).toBe(409);
    const enabled = await json(await call("PATCH", `/v2/webhooks/${created.id}`, { token: owner, body: { enabled: true } }));
    expect(enabled).toMatchObject({ enabled: true, failure_count: 0, disabled_reason: null });
    expect(control.enabled).toBe(true);
  });

  it("a subscription disabled by its owner stops receiving", async () => {
    const owner = project();
    const [off, on] = [uniq("off"), uniq("on")];
    const paused = await createHook(owner, { target_url: `${HOOKS}/ok?id=${off}` });
    await createHook(owner, { target_url: `${HOOKS}/ok?id=${on}` });
    expect((await call("PATCH", `/v2/webhooks/${paused.id}`, { token: owner, body: { enabled: false } })).status).toBe(200);
    const image = await createImage({}, owner);
    await waitReceived(on, 1, imageCreated(image.id));
    expect(await received(off)).toEqual([]);
  });

  it("a success resets the failure count", async () => {
    const owner = project();
    const rid = uniq("reset");
    const created = await createHook(owner, { target_url: `${HOOKS}/flaky?fail=1&id=${rid}` });
    await consume([deliveryMessage(created.id)], WEBHOOK_MAX_ATTEMPTS);
    expect((await hook(owner, created.id)).failure_count).toBe(1);
    expect(await consume([deliveryMessage(created.id)], 1)).toEqual([{ retry: false, acked: true }]);
    expect((await hook(owner, created.id)).failure_count).toBe(0);
  });
});

describe("the URL filter at delivery time", () => {
  it("refuses a target the current configuration no longer allows: logged, counted, no request sent, not retried", async () => {
    const owner = project();
    const rid = uniq("ssrf");
    const url = `http://hooks.example.com:8080/ok?id=${rid}`;
    const allow8080 = { GLANCE_CONFIG: JSON.stringify({ notification_sink: true, webhook_filtering_opts: { allowed_ports: [80, 443, 8080] } }) };
    const { fetchWith } = await import("../helpers/app-with");
    const r = await fetchWith(
      allow8080,
      new Request("http://localhost/v2/webhooks", { method: "POST", headers: { "X-Auth-Token": owner, "Content-Type": "application/json" }, body: JSON.stringify({ target_url: url }) }),
    );
    expect(r.status).toBe(201);
    const created = await json(r);
    // Delivered under the allowing configuration: sent.
    expect(await consume([deliveryMessage(created.id)], 1, allow8080)).toEqual([{ retry: false, acked: true }]);
    expect(await received(rid)).toHaveLength(1);
    // The configuration changed: refused without a request.
    expect(await consume([deliveryMessage(created.id)], 1)).toEqual([{ retry: false, acked: true }]);
    expect(await received(rid)).toHaveLength(1);
    expect((await originLog(rid)).filter((e) => !e.url.includes("/_received"))).toHaveLength(1);
    const [line] = await deliveries(owner, created.id);
    expect(line).toMatchObject({ outcome: "refused", status_code: null, latency_ms: null });
    expect(line.error).toContain("refused by the URL filter: port not allowed");
    expect((await hook(owner, created.id)).failure_count).toBe(1);
  });
});
