// The catalog's stylesheet, served as /catalog/static/catalog.<hash>.css. Colours meet WCAG AA
// contrast (text #1f2328 on white 15:1, links #0a58ca 6.1:1, muted #57606a 6.2:1), focus is always
// visible, and the layout holds from 320 px wide.
export const CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #57606a; --line: #d0d7de; --bg-soft: #f6f8fa; --link: #0a58ca; --accent: #0a58ca; --ok: #116329; --bad: #a40e26; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
html { font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: #fff; }
body { margin: 0; }
a { color: var(--link); }
a:hover { text-decoration-thickness: 2px; }
:focus-visible { outline: 3px solid #e36209; outline-offset: 2px; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.9em; }
.skip { position: absolute; left: -9999px; top: 0; background: #fff; padding: 0.5rem 1rem; z-index: 10; }
.skip:focus { left: 0.5rem; top: 0.5rem; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header.site { display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: 0.5rem 1.5rem; padding: 0.75rem max(1rem, calc((100vw - 72rem) / 2)); border-bottom: 1px solid var(--line); background: var(--bg-soft); }
header.site nav { display: flex; gap: 1.25rem; align-items: baseline; }
header.site nav a { text-decoration: none; font-weight: 600; }
header.site nav a[aria-current="page"] { text-decoration: underline; text-underline-offset: 0.3em; }
header.site .brand { font-size: 1.15rem; color: var(--fg); }
.session { margin: 0; color: var(--muted); font-size: 0.9rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
main:focus { outline: none; }
footer.site { max-width: 72rem; margin: 2rem auto 0; padding: 1rem; border-top: 1px solid var(--line); color: var(--muted); font-size: 0.875rem; }
h1 { font-size: 1.75rem; margin: 0.5rem 0 1rem; line-height: 1.25; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 0.5rem; }
.lead { color: var(--muted); margin-top: -0.5rem; }
.muted { color: var(--muted); }
.error { color: var(--bad); font-weight: 600; }
.error:empty, .copy-status:empty { display: none; }
.notice { border: 1px solid #bf8700; background: #fff8c5; padding: 0.75rem 1rem; border-radius: 6px; margin-bottom: 1rem; }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 0.25rem 1rem 1rem; margin: 1rem 0; }
.card form .field { max-width: 36rem; }
form.search { border: 1px solid var(--line); border-radius: 8px; padding: 1rem; background: var(--bg-soft); }
fieldset { border: 0; padding: 0; margin: 0.75rem 0 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: 0.75rem; }
legend { font-weight: 600; margin-bottom: 0.25rem; padding: 0; }
.field { display: flex; flex-direction: column; gap: 0.2rem; margin-bottom: 0.5rem; }
label { font-weight: 600; font-size: 0.9rem; }
input[type="text"], input[type="search"], input[type="password"], select { font: inherit; padding: 0.4rem 0.5rem; border: 1px solid #8c959f; border-radius: 6px; background: #fff; color: var(--fg); min-width: 0; }
input[type="file"] { font: inherit; }
.field.wide input { font-size: 1.1rem; }
.actions { display: flex; gap: 1rem; align-items: center; margin-top: 0.75rem; }
button, .button { font: inherit; font-weight: 600; display: inline-block; padding: 0.45rem 1rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; text-decoration: none; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: #fff; color: var(--bad); border-color: var(--bad); }
button:disabled { opacity: 0.6; cursor: not-allowed; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.5rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { font-size: 0.85rem; color: var(--muted); border-bottom-width: 2px; }
tbody th { font-weight: 600; }
.num { text-align: right; white-space: nowrap; }
.tags { display: inline-flex; flex-wrap: wrap; gap: 0.25rem; margin-left: 0.5rem; }
.tag { display: inline-block; font-size: 0.75rem; font-weight: 600; padding: 0 0.45rem; border-radius: 1rem; background: #ddf4ff; color: #0a3069; margin-right: 0.25rem; }
.pager { display: flex; gap: 1.5rem; margin: 1rem 0; }
.crumbs { font-size: 0.9rem; color: var(--muted); }
.details { display: grid; grid-template-columns: max-content 1fr; gap: 0.35rem 1.25rem; margin: 0; }
.details dt { font-weight: 600; }
.details dd { margin: 0; overflow-wrap: anywhere; }
.sums code { word-break: break-all; }
.command { display: grid; grid-template-columns: 1fr auto; gap: 0 0.5rem; align-items: center; margin-bottom: 0.5rem; }
.command p { grid-column: 1 / -1; margin: 0.25rem 0; font-size: 0.85rem; color: var(--muted); }
.command pre { margin: 0; padding: 0.5rem 0.75rem; background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; overflow-x: auto; }
.status-active { color: var(--ok); font-weight: 600; }
progress { width: 100%; height: 1.25rem; accent-color: var(--accent); }
.member-actions { display: flex; gap: 0.5rem; flex-wrap: wrap; }
@media (max-width: 40rem) { .details { grid-template-columns: 1fr; } thead th:nth-child(2), tbody td:nth-child(2), thead th:nth-child(6), tbody td:nth-child(6) { display: none; } }
`;
