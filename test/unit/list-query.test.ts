import { describe, expect, it } from "vitest";
import { parseIsoTime, parseListQuery, splitFilterOp, splitQuotedList } from "../../src/domain/images/list";
import { DomainError } from "../../src/domain/errors";

const settings = { limitParamDefault: 25, apiLimitMax: 1000 };
const viewer = { isAdmin: false, projectId: "p" };
const parse = (qs: string) => parseListQuery([...new URLSearchParams(qs).entries()], settings, viewer);
const q = (qs: string) => parse(qs).query;
const bad = (qs: string) => {
  try {
    parse(qs);
  } catch (e) {
    expect(e).toBeInstanceOf(DomainError);
    expect((e as DomainError).kind).toBe("BadRequest");
    return (e as Error).message;
  }
  throw new Error(`no error for ${qs}`);
};

describe("parseListQuery", () => {
  it("defaults", () => {
    expect(parse("")).toEqual({
      query: {
        viewer,
        memberStatus: "accepted",
        osHidden: false,
        exact: {},
        ranges: [],
        tags: [],
        properties: {},
        sort: [
          { key: "created_at", dir: "desc" },
          { key: "id", dir: "desc" },
        ],
        limit: 25,
      },
      markerId: undefined,
    });
  });

  it("limit: Python int() forms, capped; negatives and non-integers refused", () => {
    expect(q("limit=7").limit).toBe(7);
    expect(q("limit=%207%20").limit).toBe(7);
    expect(q("limit=%2B3").limit).toBe(3);
    expect(q("limit=1_0").limit).toBe(10);
    expect(q("limit=0").limit).toBe(0);
    expect(q("limit=99999").limit).toBe(1000);
    expect(q("limit=1&limit=2").limit).toBe(2);
    expect(bad("limit=-1")).toBe("limit param must be positive");
    expect(bad("limit=1e3")).toBe("limit param must be an integer");
    expect(bad("limit=")).toBe("limit param must be an integer");
  });

  it("sort: classic and new syntax, direction rules, tie-breakers, duplicates", () => {
    const s = (qs: string) => q(qs).sort.map((x) => `${x.key}:${x.dir}`).join(",");
    expect(s("sort_key=name")).toBe("name:desc,created_at:desc,id:desc");
    expect(s("sort_key=name&sort_dir=asc")).toBe("name:asc,created_at:asc,id:asc");
    expect(s("sort_key=name&sort_key=size&sort_dir=asc")).toBe("name:asc,size:asc,created_at:asc,id:asc");
    expect(s("sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc")).toBe("name:asc,size:desc,created_at:desc,id:desc");
    expect(s("sort_dir=asc")).toBe("created_at:asc,id:asc");
    expect(s("sort=name")).toBe("name:desc,created_at:desc,id:desc");
    expect(s("sort=name:asc")).toBe("name:asc,created_at:asc,id:asc");
    expect(s("sort=name:asc,size")).toBe("name:asc,size:desc,created_at:desc,id:desc");
    expect(s("sort=id:asc,created_at:asc")).toBe("id:asc,created_at:asc");
    expect(s("sort=name:asc,name:desc")).toBe("name:asc,created_at:desc,id:desc");
    expect(s("sort_key=created_at&sort_dir=asc")).toBe("created_at:asc,id:asc");
    expect(bad("sort_key=owner")).toMatch(/^Invalid sort key: owner\. It must be one of the following: name, status,/);
    expect(bad("sort=name:up")).toBe("Invalid sort direction: up");
    expect(bad("sort=name&sort_key=name")).toBe("Old and new sorting syntax cannot be combined");
    expect(bad("sort_key=a&sort_key=b")).toContain("Invalid sort key: a");
    expect(bad("sort_key=name&sort_dir=asc&sort_dir=asc&sort_dir=asc")).toBe("Number of sort dirs does not match the number of sort keys");
  });

  it("filters: operators, ranges, columns, tags and extra properties", () => {
    const r = q(
      "name=in:a,%22b,c%22&status=eq:active&owner=o&min_ram=512&size_min=10&size_max=%2020%20&created_at=gte:2020-01-01T10:00:00%2B02:00" +
        "&tag=%20x%20&tag=y&os_distro=debian&foo_min=3&protected=true&os_hidden=True&visibility=shared&member_status=all&marker=m1",
    );
    expect(r.exact).toEqual({ name: ["a", "b,c"], status: ["active"], owner: ["o"], min_ram: ["512"] });
    expect(r.ranges).toEqual([
      { column: "size", op: "gte", value: 10 },
      { column: "size", op: "lte", value: 20 },
      { column: "created_at", op: "gte", value: "2020-01-01T08:00:00Z" },
    ]);
    expect(r.tags).toEqual(["x", "y"]);
    expect(r.properties).toEqual({ os_distro: "debian", foo_min: "3" });
    expect(r).toMatchObject({ protected: true, osHidden: true, visibility: "shared", memberStatus: "all" });
    expect(parse("marker=m1&marker=m2").markerId).toBe("m2");
    expect(q("deleted=true").exact).toEqual({});
  });

  it("fractional timestamps become equivalent whole-second comparisons", () => {
    const r = (op: string) => q(`updated_at=${op}:2020-01-01T00:00:00.25Z`).ranges[0];
    expect(r("gt")).toEqual({ column: "updated_at", op: "gt", value: "2020-01-01T00:00:00Z" });
    expect(r("gte")).toEqual({ column: "updated_at", op: "gt", value: "2020-01-01T00:00:00Z" });
    expect(r("lt")).toEqual({ column: "updated_at", op: "lte", value: "2020-01-01T00:00:00Z" });
    expect(r("lte")).toEqual({ column: "updated_at", op: "lte", value: "2020-01-01T00:00:00Z" });
    expect(r("eq").op).toBe("eq");
    expect(q("created_at=2020-01-01T00:00:00Z").ranges[0]).toEqual({ column: "created_at", op: "eq", value: "2020-01-01T00:00:00Z" });
  });

  it("400s", () => {
    expect(bad("visibility=nope")).toBe("Invalid visibility value: nope");
    expect(bad("member_status=nope")).toBe("Invalid status: nope");
    expect(bad("os_hidden=1")).toBe("Invalid value '1' for 'os_hidden' filter. Valid values are 'true' or 'false'.");
    expect(bad("protected=TRUE")).toBe("Invalid value 'TRUE' for 'protected' filter. Valid values are 'true' or 'false'.");
    expect(bad("changes-since=")).toBe('The "changes-since" filter is no longer available on v2.');
    expect(bad("size_min=x")).toBe("Unable to filter on a range with a non-numeric value.");
    expect(bad("name=ne:x")).toBe("Unable to filter by unknown operator 'ne'.");
    expect(bad("created_at=soon")).toBe('Bad "created_at" query filter format. Use ISO 8601 DateTime notation.');
    expect(bad("created_at=ne:2020-01-01")).toBe("Unable to filter on a unknown operator.");
  });
});

describe("splitQuotedList", () => {
  it("splits on commas outside quotes, like Glance's split_filter_value_for_quotes", () => {
    expect(splitQuotedList("a,b")).toEqual(["a", "b"]);
    expect(splitQuotedList('"a,b",c')).toEqual(["a,b", "c"]);
    expect(splitQuotedList('c,"a,b"')).toEqual(["c", "a,b"]);
    expect(splitQuotedList("a,,b")).toEqual(["a", "", "b"]);
    expect(splitQuotedList('"a\\"b",c')).toEqual(['a\\"b', "c"]);
    expect(splitQuotedList("")).toEqual([]);
    expect(() => splitQuotedList('a"b"')).toThrow("There is no comma before opening quotation mark.");
    expect(() => splitQuotedList('"a"b')).toThrow("There is no comma after closing quotation mark.");
    expect(() => splitQuotedList('"ab')).toThrow("The quote is not closed.");
  });
});

describe("parseIsoTime / splitFilterOp", () => {
  const iso = (s: string) => {
    const t = parseIsoTime(s);
    return t && new Date(t.seconds * 1000 + t.fraction * 1000).toISOString();
  };
  it("accepts what python-iso8601 accepts (naive = UTC) and nothing else", () => {
    expect(iso("2020")).toBe("2020-01-01T00:00:00.000Z");
    expect(iso("2020-01")).toBe("2020-01-01T00:00:00.000Z");
    expect(iso("2020-1-1")).toBe("2020-01-01T00:00:00.000Z");
    expect(iso("20200101")).toBe("2020-01-01T00:00:00.000Z");
    expect(iso("2020-01-01 10:00")).toBe("2020-01-01T10:00:00.000Z");
    expect(iso("2020-01-01T10")).toBe("2020-01-01T10:00:00.000Z");
    expect(iso("2020-01-01T1000")).toBe("2020-01-01T10:00:00.000Z");
    expect(iso("20200101T101010Z")).toBe("2020-01-01T10:10:10.000Z");
    expect(iso("2020-01-01T00:00:00.123+02:00")).toBe("2019-12-31T22:00:00.123Z");
    expect(iso("2020-01-01T10:00:00+0200")).toBe("2020-01-01T08:00:00.000Z");
    expect(iso("2020-01-01T10:00:00-05")).toBe("2020-01-01T15:00:00.000Z");
    expect(iso("2020-01-01T10:00:00,5")).toBe("2020-01-01T10:00:00.500Z");
    for (const s of ["202001", "2020-01-01Z", "2020-02-30", "2020-13-01", "2020-01-01T24:00:00", "2020-01-01T10:00:60", "2020-01-01t10:00:00z", " 2020-01-01", "2020-01-01T10:00:00+2", "2020-W01", "yesterday", ""])
      expect(parseIsoTime(s), s).toBeNull();
  });
  it("splits an operator unless the whole value is a timestamp", () => {
    expect(splitFilterOp("gt:2020-01-01T10:00:00Z")).toEqual(["gt", "2020-01-01T10:00:00Z"]);
    expect(splitFilterOp("2020-01-01T10:00:00Z")).toEqual(["eq", "2020-01-01T10:00:00Z"]);
    expect(splitFilterOp("in:a:b")).toEqual(["in", "a:b"]);
    expect(splitFilterOp("plain")).toEqual(["eq", "plain"]);
    expect(splitFilterOp(":x")).toEqual(["", "x"]);
  });
});
