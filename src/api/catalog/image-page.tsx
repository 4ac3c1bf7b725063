import type { Child } from "hono/jsx";
import type { Image } from "../../domain/images/image";
import { commandsFor, fileName, humanSize, shortDate } from "./format";
import { Layout } from "./layout";

function Row(props: { term: string; children?: Child }) {
  return (
    <>
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </>
  );
}

/** GET /catalog/images/{id}: details, checksums, properties, the download link and the commands. */
export function ImagePage(props: { image: Image; origin: string }) {
  const i = props.image;
  const download = `/v2/images/${i.id}/file`;
  const downloadable = i.status === "active" && i.size !== null;
  const properties = Object.entries(i.properties).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const title = i.name ?? "(no name)";
  return (
    <Layout title={title} page="image">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href="/catalog">Catalog</a> <span aria-hidden="true">›</span> <span aria-current="page">{title}</span>
      </nav>
      <h1>{title}</h1>
      <p class="lead">
        {[i.properties.os_distro, i.properties.os_version, i.properties.architecture].filter(Boolean).join(" ") || "Image"} · {i.diskFormat ?? "no disk format"}/
        {i.containerFormat ?? "no container format"} · {humanSize(i.size)} · <span class={`status status-${i.status}`}>{i.status}</span>
      </p>

      <section aria-labelledby="dl-title" class="card">
        <h2 id="dl-title">Download</h2>
        {downloadable ? (
          <>
            <p>
              <a class="button" id="download" href={download} download={fileName(i)}>
                Download {fileName(i)} ({humanSize(i.size)})
              </a>
            </p>
            <p class="muted">
              The link is <code>GET {download}</code>: public data is served from the edge cache once fetched. Compare what you get with the
              SHA-512 below.
            </p>
          </>
        ) : (
          <p>This image has no data to download yet (status {i.status}).</p>
        )}
      </section>

      <section aria-labelledby="cmd-title" class="card">
        <h2 id="cmd-title">From the command line</h2>
        <p class="muted">With your cloud's credentials set (OS_CLOUD or OS_AUTH_URL and friends).</p>
        {commandsFor(i, `${props.origin}${download}`).map((c, n) => (
          <div class="command">
            <p id={`cmd-${n}-label`}>{c.label}</p>
            <pre>
              <code id={`cmd-${n}`}>{c.command}</code>
            </pre>
            <button type="button" class="copy" data-copy={`cmd-${n}`} aria-describedby={`cmd-${n}-label`} hidden>
              Copy
            </button>
          </div>
        ))}
        <p class="copy-status visually-hidden" aria-live="polite"></p>
      </section>

      <section aria-labelledby="details-title">
        <h2 id="details-title">Details</h2>
        <dl class="details">
          <Row term="ID">
            <code>{i.id}</code>
          </Row>
          <Row term="Status">{i.status}</Row>
          <Row term="Visibility">{i.visibility}</Row>
          <Row term="Owner">{i.owner ?? "—"}</Row>
          <Row term="Disk format">{i.diskFormat ?? "—"}</Row>
          <Row term="Container format">{i.containerFormat ?? "—"}</Row>
          <Row term="Size">{i.size === null ? "—" : `${humanSize(i.size)} (${i.size.toLocaleString("en-US")} bytes)`}</Row>
          <Row term="Virtual size">{i.virtualSize === null ? "—" : `${humanSize(i.virtualSize)} (${i.virtualSize.toLocaleString("en-US")} bytes)`}</Row>
          <Row term="Minimum disk">{`${i.minDisk} GB`}</Row>
          <Row term="Minimum RAM">{`${i.minRam} MB`}</Row>
          <Row term="Protected">{i.protected ? "yes" : "no"}</Row>
          <Row term="Created">
            <time datetime={i.createdAt}>{shortDate(i.createdAt)}</time>
          </Row>
          <Row term="Updated">
            <time datetime={i.updatedAt}>{shortDate(i.updatedAt)}</time>
          </Row>
          <Row term="Tags">{i.tags.length ? [...i.tags].sort().map((t) => <span class="tag">{t}</span>) : "none"}</Row>
        </dl>
      </section>

      <section aria-labelledby="sums-title">
        <h2 id="sums-title">Checksums</h2>
        <dl class="details sums">
          <Row term="MD5 (checksum)">
            <code id="checksum">{i.checksum ?? "—"}</code>
          </Row>
          <Row term={`${(i.osHashAlgo ?? "sha512").toUpperCase()} (os_hash_value)`}>
            <code id="os-hash-value">{i.osHashValue ?? "—"}</code>
          </Row>
        </dl>
      </section>

      <section aria-labelledby="props-title">
        <h2 id="props-title">Properties</h2>
        {properties.length === 0 ? (
          <p>No extra properties.</p>
        ) : (
          <div class="table-wrap">
            <table class="props">
              <caption class="visually-hidden">Image properties</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Value</th>
                </tr>
              </thead>
              <tbody>
                {properties.map(([k, v]) => (
                  <tr>
                    <th scope="row">
                      <code>{k}</code>
                    </th>
                    <td>{v ?? "null"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </Layout>
  );
}
