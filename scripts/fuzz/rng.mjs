// Seeded randomness for the fuzzer: mulberry32, an FNV-style hash of (seed, i) and the Rng
// helpers every request generator draws from. Request i is new Rng(hash32(seed, i)).

function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export function hash32(...ns) {
  let h = 0x811c9dc5;
  for (const n of ns) {
    for (const b of String(n)) h = Math.imul(h ^ b.charCodeAt(0), 0x01000193);
    h = Math.imul(h ^ 0x2c, 0x01000193);
  }
  return h >>> 0;
}
export class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }
  int(n) {
    return Math.floor(this.next() * n);
  }
  range(a, b) {
    return a + this.int(b - a + 1);
  }
  chance(p) {
    return this.next() < p;
  }
  pick(xs) {
    return xs[this.int(xs.length)];
  }
  /** Weighted pick: [[weight, value], ...]; a function value is called. */
  weighted(pairs) {
    const total = pairs.reduce((s, [w]) => s + w, 0);
    let r = this.next() * total;
    for (const [w, v] of pairs) {
      if ((r -= w) < 0) return typeof v === "function" ? v() : v;
    }
    const last = pairs[pairs.length - 1][1];
    return typeof last === "function" ? last() : last;
  }
  uuid() {
    const h = () => this.int(16).toString(16);
    const s = Array.from({ length: 32 }, h).join("");
    return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-a${s.slice(17, 20)}-${s.slice(20)}`;
  }
  bytes(n) {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
}
