import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config";
import { S3Presigner, presignUrl, s3ConfigFor, uriEncode } from "../../src/store/presign";

// Reference values from AWS: the presigned-URL example of the S3 SigV4 documentation, and a URL
// for R2's UploadPart computed by botocore (the AWS SDK's own signer) with the same inputs.
const AKID = "AKIAIOSFODNN7EXAMPLE";
const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

describe("SigV4 query presigning", () => {
  it("matches the AWS documentation example (GET examplebucket/test.txt)", async () => {
    const url = await presignUrl({
      method: "GET",
      url: "https://examplebucket.s3.amazonaws.com/test.txt",
      query: {},
      headers: {},
      accessKeyId: AKID,
      secretAccessKey: SECRET,
      region: "us-east-1",
      service: "s3",
      date: new Date("2013-05-24T00:00:00Z"),
      expiresSeconds: 86400,
    });
    expect(url).toBe(
      "https://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404",
    );
  });

  it("an R2 UploadPart URL equals botocore's (Content-Length signed, key and upload id escaped)", async () => {
    const config = s3ConfigFor({
      R2_S3_CREDENTIALS: JSON.stringify({ account_id: "0123456789abcdef0123456789abcdef", access_key_id: AKID, secret_access_key: SECRET, buckets: { store1: "glance-store1" } }),
    })!;
    const presigner = new S3Presigner(config, "glance-store1", () => new Date("2026-03-14T15:09:26Z"));
    const r = await presigner.uploadPart("images/1f0e5c1a-aaaa-bbbb-cccc-000000000001/2b2b x", "AbC+d/eF==", 7, 67108864, 3600);
    expect(r).toEqual({
      method: "PUT",
      url: "https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com/glance-store1/images/1f0e5c1a-aaaa-bbbb-cccc-000000000001/2b2b%20x?partNumber=7&uploadId=AbC%2Bd%2FeF%3D%3D&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260314%2Fauto%2Fs3%2Faws4_request&X-Amz-Date=20260314T150926Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=content-length%3Bhost&X-Amz-Signature=7b03b3c82a98753c23a5ae03fd97138dd8e66bfbc1e8f8785d310f419aa70440",
      headers: { "Content-Length": "67108864" },
      expiresAt: "2026-03-14T16:09:26.000Z",
    });
  });

  it("expiresAt is X-Amz-Date + X-Amz-Expires (the signed whole second, not the clock's milliseconds)", async () => {
    const config = s3ConfigFor({ R2_S3_CREDENTIALS: JSON.stringify({ endpoint: "http://127.0.0.1:9000", access_key_id: "k", secret_access_key: "s", buckets: { store1: "b" } }) })!;
    const r = await new S3Presigner(config, "b", () => new Date("2026-03-14T15:09:26.987Z")).uploadPart("k", "u", 1, 5, 3600);
    expect(new URL(r.url).searchParams.get("X-Amz-Date")).toBe("20260314T150926Z");
    expect(r.expiresAt).toBe("2026-03-14T16:09:26.000Z");
  });

  it("UriEncode keeps unreserved characters (and / in paths) and encodes UTF-8 bytes", () => {
    expect(uriEncode("a-b_c.d~e/f g+é", false)).toBe("a-b_c.d~e/f%20g%2B%C3%A9");
    expect(uriEncode("a/b", true)).toBe("a%2Fb");
  });
});

describe("R2_S3_CREDENTIALS", () => {
  const parse = (v: unknown) => s3ConfigFor({ R2_S3_CREDENTIALS: typeof v === "string" ? v : JSON.stringify(v) });
  const ok = { account_id: "0123456789abcdef0123456789abcdef", access_key_id: "k", secret_access_key: "s", buckets: { store1: "b" } };

  it("absent or empty: no direct uploads", () => {
    expect(s3ConfigFor({})).toBeNull();
    expect(parse("  ")).toBeNull();
  });

  it("endpoint from the account id, a jurisdiction, or given", () => {
    expect(parse(ok)!.endpoint).toBe("https://0123456789abcdef0123456789abcdef.r2.cloudflarestorage.com");
    expect(parse({ ...ok, jurisdiction: "eu" })!.endpoint).toBe("https://0123456789abcdef0123456789abcdef.eu.r2.cloudflarestorage.com");
    expect(parse({ ...ok, account_id: undefined, endpoint: "http://127.0.0.1:9000/" })!.endpoint).toBe("http://127.0.0.1:9000");
  });

  it("a bad document is a ConfigError naming the field", () => {
    expect(() => parse("{")).toThrow(ConfigError);
    expect(() => parse({ ...ok, account_id: "short" })).toThrow(/account_id/);
    expect(() => parse({ ...ok, secret_access_key: "" })).toThrow(/secret_access_key/);
    expect(() => parse({ ...ok, buckets: ["b"] as unknown })).toThrow(/buckets/);
  });
});
