import { Layout } from "./layout";

/**
 * GET /catalog/account: the same HTML for everyone (cacheable); the page's script signs in with a
 * token kept in sessionStorage and talks to /v2 with X-Auth-Token. Nothing here depends on the caller.
 */
export function AccountPage(props: { formats: { disk: string[]; container: string[] } }) {
  return (
    <Layout title="Your images" page="account">
      <h1>Your images</h1>
      <noscript>
        <p class="notice">
          Signing in needs JavaScript: your token stays in this browser tab and goes to the API as a header. Browsing the catalog works without
          it.
        </p>
      </noscript>

      <section id="signin" aria-labelledby="signin-title" class="card" hidden>
        <h2 id="signin-title">Sign in with a token</h2>
        <form id="signin-form">
          <div class="field">
            <label for="token">Token</label>
            <input id="token" name="token" type="password" autocomplete="off" required aria-describedby="token-help" />
            <p id="token-help" class="muted">
              A Keystone token (<code>openstack token issue -f value -c id</code>) or any token this service accepts. It is kept in this tab's
              session storage only and sent as <code>X-Auth-Token</code> to <code>/v2</code>; closing the tab forgets it.
            </p>
          </div>
          <button type="submit">Sign in</button>
          <p id="signin-error" class="error" role="alert"></p>
        </form>
      </section>

      <div id="account" hidden>
        <section aria-labelledby="who-title" class="card">
          <h2 id="who-title" class="visually-hidden">
            Session
          </h2>
          <p>
            Signed in to project <strong id="who-project"></strong> (<span id="who-roles"></span>).{" "}
            <button type="button" id="signout" class="secondary">
              Sign out
            </button>
          </p>
        </section>

        <section aria-labelledby="own-title">
          <h2 id="own-title">Owned by your project</h2>
          <div id="own-list" aria-live="polite" aria-busy="true">
            <p class="muted">Loading…</p>
          </div>
        </section>

        <section aria-labelledby="shared-title">
          <h2 id="shared-title">Shared with your project</h2>
          <p class="muted">Images another project shared with yours. Accept one to see it in your image list; reject it to hide it.</p>
          <div id="shared-list" aria-live="polite" aria-busy="true">
            <p class="muted">Loading…</p>
          </div>
          <p id="member-status" role="status"></p>
        </section>

        <section aria-labelledby="upload-title" class="card">
          <h2 id="upload-title">Upload an image</h2>
          <div id="resume" class="notice" hidden>
            <p id="resume-text"></p>
            <div class="field">
              <label for="resume-file">Choose the same file to resume</label>
              <input id="resume-file" type="file" />
            </div>
            <button type="button" id="resume-discard" class="secondary">
              Discard this upload
            </button>
          </div>
          <form id="upload-form">
            <div class="field">
              <label for="up-file">Image file</label>
              <input id="up-file" name="file" type="file" required />
            </div>
            <div class="field">
              <label for="up-name">Name</label>
              <input id="up-name" name="name" type="text" required maxlength={255} autocomplete="off" />
            </div>
            <div class="field">
              <label for="up-disk">Disk format</label>
              <select id="up-disk" name="disk_format">
                {props.formats.disk.map((f) => (
                  <option value={f} selected={f === "raw"}>
                    {f}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="up-container">Container format</label>
              <select id="up-container" name="container_format">
                {props.formats.container.map((f) => (
                  <option value={f} selected={f === "bare"}>
                    {f}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="up-visibility">Visibility</label>
              <select id="up-visibility" name="visibility">
                <option value="private">private</option>
                <option value="shared">shared</option>
                <option value="community">community</option>
                <option value="public">public (needs the publicize_image permission)</option>
              </select>
            </div>
            <button type="submit" id="upload-start">
              Upload
            </button>
          </form>
          <div id="upload-progress-box" hidden>
            <label for="upload-progress">Upload progress</label>
            <progress id="upload-progress" max={100} value={0}></progress>
            <p id="upload-text" role="status" aria-live="polite"></p>
          </div>
          <p id="upload-error" class="error" role="alert"></p>
        </section>
      </div>
    </Layout>
  );
}
