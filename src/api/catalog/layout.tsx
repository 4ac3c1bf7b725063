import type { Child } from "hono/jsx";
import { ASSETS } from "./assets";

/** Every catalog page: landmarks (banner, navigation, main, contentinfo), a skip link, the served CSS and JS. */
export function Layout(props: { title: string; page: "browse" | "image" | "account" | "error"; children: Child }) {
  const current = (p: string) => (props.page === p ? { "aria-current": "page" as const } : {});
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${props.title} · Image catalog`}</title>
        <link rel="stylesheet" href={ASSETS.css.path} />
        <script src={ASSETS.js.path} defer></script>
      </head>
      <body data-page={props.page}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="site">
          <nav aria-label="Site">
            <a class="brand" href="/catalog" {...current("browse")}>
              Image catalog
            </a>
            <a href="/catalog/account" {...current("account")}>
              Your images
            </a>
          </nav>
          <p id="session-status" class="session" aria-live="polite"></p>
        </header>
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
        <footer class="site">
          <p>
            Public and community images of this Image service (OpenStack Glance API v2 at <code>/v2</code>). Browsing needs no account and no
            JavaScript; signing in keeps your token in this browser tab only.
          </p>
        </footer>
      </body>
    </html>
  );
}

/** A page for a refused or failed request (400, 403, 404, 500), with the reason. */
export function ErrorPage(props: { status: number; title: string; message: string; requestId?: string }) {
  return (
    <Layout title={props.title} page="error">
      <h1>{props.title}</h1>
      <p>{props.message}</p>
      {props.requestId ? (
        <p class="muted">
          Request id: <code>{props.requestId}</code>
        </p>
      ) : null}
      <p>
        <a href="/catalog">Back to the catalog</a>
      </p>
    </Layout>
  );
}
