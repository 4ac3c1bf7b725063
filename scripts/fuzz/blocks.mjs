// Building blocks for fuzz requests: odd strings, numbers and ids, percent-encoding, JSON values
// and bodies (valid, malformed, nested, not UTF-8), content types and query strings.

const WEIRD_STRINGS = [
  "", " ", "a", "x".repeat(255), "x".repeat(256), "y".repeat(5000), "\u0000", "a\u0000b", "\ud800", "\udfff", "a\udc00b", "😀", "\u202e\u0645",
  "e\u0301", "\uffff", "\ufeff", "../../etc/passwd", "' OR 1=1 --", "\"; DROP TABLE images; --", "<script>alert(1)</script>", "%00", "%s%s%n",
  "in:a,b", "gt:2020-01-01", "null", "true", "false", "-1", "0", "1e400", "NaN", "Infinity", "0x10", "\t\n\r", "\\", "/", "~", "~0~1", "*", "{}", "[]",
]; // prettier-ignore
const NUMBERS = [0, -0, 1, -1, 1.5, 2 ** 31, 2 ** 53 + 2, -(2 ** 63), 1e308, -1e-308, 1099511627777];
export const ODD_IDS = [
  "not-a-uuid", "00000000-0000-0000-0000-000000000000", "FFFFFFFF-FFFF-4FFF-AFFF-FFFFFFFFFFFF", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
  "0", "-1", "%00", "%", "%zz", "%C0%AE%C0%AE", "%ED%A0%80", "%FF%FE", "%E2%82", "%F0%9F%98%80", "..", ".", "%2e%2e", "%2F", "a%2Fb",
  "%20", "+", "%2B", "~", "*", "null", "undefined", "1e3", "x".repeat(300), "x".repeat(9000), "%u0000", "%%32%65",
]; // prettier-ignore

/** Percent-encodes UTF-8 (lone surrogates become U+FFFD, as TextEncoder does); keeps unreserved. */
export function enc(s) {
  const out = [];
  for (const b of new TextEncoder().encode(s)) {
    const c = String.fromCharCode(b);
    out.push(/[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`);
  }
  return out.join("");
}

export function weirdString(r) {
  return r.weighted([
    [6, () => r.pick(WEIRD_STRINGS)],
    [3, () => `fz-${r.int(1000)}`],
    [1, () => String.fromCharCode(...Array.from({ length: r.range(1, 20) }, () => r.int(0x10000)))],
  ]);
}

export function jsonValue(r, depth = 0) {
  return r.weighted([
    [3, () => weirdString(r)],
    [2, () => r.pick(NUMBERS)],
    [1, () => r.chance(0.5)],
    [1, null],
    [depth < 3 ? 1 : 0, () => Array.from({ length: r.int(4) }, () => jsonValue(r, depth + 1))],
    [depth < 3 ? 1 : 0, () => Object.fromEntries(Array.from({ length: r.int(4) }, () => [weirdString(r), jsonValue(r, depth + 1)]))],
  ]);
}

export function nested(r) {
  const depth = r.pick([100, 1000, 10000, 50000]);
  return r.chance(0.5) ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

/** A body: valid JSON of `value`, or malformed / odd JSON text, or bytes that are not UTF-8. */
export function jsonBody(r, value) {
  return r.weighted([
    [10, () => JSON.stringify(value)],
    [1, () => r.pick(["{", "[", '{"a":}', "nul", "{'a':1}", '{"a":1,}', "[1,]", "\ufeff{}", '{"a":1}{"b":2}', "NaN", "1e99999", '"\\ud800"', "\u0000"])],
    [1, () => r.pick(['"a string"', "123", "true", "null", "[]", "{}", " "])],
    [1, () => nested(r)],
    [0.5, () => Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc0, 0xae, 0xed, 0xa0, 0x80]), Buffer.from('"}')])],
    [0.5, () => Buffer.from(JSON.stringify(value ?? {}), "utf16le")],
    [0.3, () => JSON.stringify({ name: "big", foo: "z".repeat(r.pick([70000, 120000, 300000])) })],
    [0.5, () => `{${Array.from({ length: 200 }, (_, i) => `"k${i % 7}":${i}`).join(",")}}`],
  ]);
}

export const JSON_TYPES = ["application/json", "application/json; charset=UTF-8", "application/json; charset=utf-16", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/octet-stream", "application/openstack-images-v2.1-json-patch", "", "*/*", "application/json\u00ff"];

export function contentType(r, good) {
  return r.chance(0.75) ? good : r.pick(JSON_TYPES);
}

export const q = (pairs) => (pairs.length ? "?" + pairs.map(([k, v]) => `${k}=${v}`).join("&") : "");
