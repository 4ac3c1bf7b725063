import type { CatalogPage, CatalogQuery } from "../../domain/catalog/browse";
import { CATALOG_LIMITS, CATALOG_PROPERTIES, CATALOG_SORTS } from "../../domain/catalog/browse";
import { catalogHref, describeFilters, humanSize, shortDate } from "./format";
import { Layout } from "./layout";

const SORT_LABELS: Record<keyof typeof CATALOG_SORTS, string> = {
  newest: "Newest first",
  oldest: "Oldest first",
  name: "Name, A to Z",
  "name-desc": "Name, Z to A",
  updated: "Recently updated",
  largest: "Largest first",
  smallest: "Smallest first",
};
const PROPERTY_LABELS: Record<(typeof CATALOG_PROPERTIES)[number], string> = {
  os_distro: "OS distribution",
  os_version: "OS version",
  architecture: "Architecture",
};

function Select(props: { name: string; label: string; value: string; options: [string, string][] }) {
  return (
    <div class="field">
      <label for={`f-${props.name}`}>{props.label}</label>
      <select id={`f-${props.name}`} name={props.name}>
        {props.options.map(([value, text]) => (
          <option value={value} selected={value === props.value}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
}

function Text(props: { name: string; label: string; value: string; placeholder?: string }) {
  return (
    <div class="field">
      <label for={`f-${props.name}`}>{props.label}</label>
      <input id={`f-${props.name}`} name={props.name} type="text" value={props.value} placeholder={props.placeholder} autocomplete="off" />
    </div>
  );
}

/** GET /catalog: the search form, one page of images, the paging links. */
export function ListPage(props: { query: CatalogQuery; page: CatalogPage; formats: { disk: string[]; container: string[] } }) {
  const { query: q, page } = props;
  const filters = describeFilters(q);
  const any = (values: string[]): [string, string][] => [["", "Any"], ...values.map((v): [string, string] => [v, v])];
  return (
    <Layout title={q.q ? `“${q.q}”` : "Browse"} page="browse">
      <h1>Image catalog</h1>
      <form class="search" role="search" method="get" action="/catalog" aria-label="Search images">
        <div class="field wide">
          <label for="f-q">Search by name</label>
          <input id="f-q" name="q" type="search" value={q.q} placeholder="e.g. ubuntu" autocomplete="off" />
        </div>
        <fieldset>
          <legend>Filters</legend>
          <Text name="tag" label="Tag" value={q.tag} />
          <Select name="disk_format" label="Disk format" value={q.diskFormat} options={any(props.formats.disk)} />
          <Select name="container_format" label="Container format" value={q.containerFormat} options={any(props.formats.container)} />
          {CATALOG_PROPERTIES.map((p) => (
            <Text name={p} label={PROPERTY_LABELS[p]} value={q.properties[p] ?? ""} />
          ))}
          <Select
            name="visibility"
            label="Visibility"
            value={q.visibility}
            options={[
              ["all", "Public and community"],
              ["public", "Public"],
              ["community", "Community"],
            ]}
          />
          <Select name="sort" label="Sort" value={q.sort} options={Object.entries(SORT_LABELS)} />
          <Select name="limit" label="Per page" value={String(q.limit)} options={CATALOG_LIMITS.map((n): [string, string] => [String(n), String(n)])} />
        </fieldset>
        <div class="actions">
          <button type="submit">Search</button>
          <a href="/catalog">Clear</a>
        </div>
      </form>

      <section aria-labelledby="results-title">
        <h2 id="results-title">{filters ? `Images where ${filters}` : "All images"}</h2>
        {page.images.length === 0 ? (
          <p class="empty">No image matches. Try fewer filters or another name.</p>
        ) : (
          <div class="table-wrap">
            <table class="images">
              <caption class="visually-hidden">Images, {SORT_LABELS[q.sort].toLowerCase()}</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">OS</th>
                  <th scope="col">Format</th>
                  <th scope="col" class="num">
                    Size
                  </th>
                  <th scope="col">Visibility</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {page.images.map((i) => (
                  <tr>
                    <th scope="row">
                      <a href={`/catalog/images/${i.id}`}>{i.name ?? "(no name)"}</a>
                      {i.tags.length ? <span class="tags">{[...i.tags].sort().map((t) => <span class="tag">{t}</span>)}</span> : null}
                    </th>
                    <td>{[i.properties.os_distro, i.properties.os_version, i.properties.architecture].filter(Boolean).join(" ") || "—"}</td>
                    <td>
                      {i.diskFormat ?? "—"}/{i.containerFormat ?? "—"}
                    </td>
                    <td class="num">{humanSize(i.size)}</td>
                    <td>{i.visibility}</td>
                    <td>
                      <time datetime={i.updatedAt}>{shortDate(i.updatedAt)}</time>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager query={q} page={page} />
      </section>
    </Layout>
  );
}

function Pager(props: { query: CatalogQuery; page: CatalogPage }) {
  const { query: q, page } = props;
  const paged = q.after !== null || q.before !== null;
  if (!paged && !page.next) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {paged ? (
        <a href={catalogHref(q, { after: null, before: null })} rel="first">
          First page
        </a>
      ) : null}
      {page.prev ? (
        <a href={catalogHref(q, { after: null, before: page.prev })} rel="prev">
          ← Previous
        </a>
      ) : null}
      {page.next ? (
        <a href={catalogHref(q, { after: page.next, before: null })} rel="next">
          Next →
        </a>
      ) : null}
    </nav>
  );
}
