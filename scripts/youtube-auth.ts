/**
 * make youtube-auth: obtains a YouTube refresh token once, with Google's OAuth flow for installed
 * apps (loopback redirect + PKCE), for the channel you sign in with.
 *
 *   YOUTUBE_CLIENT_ID=… YOUTUBE_CLIENT_SECRET=… make youtube-auth
 *
 * 1. In the Google Cloud console: enable "YouTube Data API v3", configure the OAuth consent screen
 *    (add your Google account as a test user while the app is in "Testing"), and create an OAuth
 *    client of type "Desktop app"; its id and secret go in the two variables above.
 * 2. Run this; open the URL it prints, sign in with the account that owns the channel, allow
 *    "Manage your YouTube videos" (scope youtube.upload).
 * 3. Google redirects to http://127.0.0.1:<port>/ where this script listens; it exchanges the code
 *    for tokens and prints the refresh token. Put it in YOUTUBE_REFRESH_TOKEN (a secret: Secrets
 *    Manager in AWS). It is printed once to your terminal, never written to a file or a log.
 *
 * Tokens of an app whose consent screen is in "Testing" expire after 7 days; publish the app
 * ("In production") for a refresh token that lasts.
 */
import { createHash, randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const SCOPE = "https://www.googleapis.com/auth/youtube.upload";
const AUTH_URL = process.env.YOUTUBE_AUTH_URL ?? "https://accounts.google.com/o/oauth2/v2/auth";
const TOKEN_URL = process.env.YOUTUBE_TOKEN_URL ?? "https://oauth2.googleapis.com/token";
const TIMEOUT_MS = 5 * 60_000;

const clientId = process.env.YOUTUBE_CLIENT_ID;
const clientSecret = process.env.YOUTUBE_CLIENT_SECRET;
if (!clientId || !clientSecret) {
  console.error(
    "youtube-auth: set YOUTUBE_CLIENT_ID and YOUTUBE_CLIENT_SECRET (an OAuth client of type Desktop app, Google Cloud console → APIs & Services → Credentials)",
  );
  process.exit(2);
}

const base64url = (buffer: Buffer) => buffer.toString("base64url");
const verifier = base64url(randomBytes(48));
const challenge = base64url(createHash("sha256").update(verifier).digest());
const state = base64url(randomBytes(16));

const server = createServer();
server.listen(0, "127.0.0.1");
await once(server, "listening");
const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const consent = new URL(AUTH_URL);
consent.search = new URLSearchParams({
  client_id: clientId,
  redirect_uri: redirectUri,
  response_type: "code",
  scope: SCOPE,
  // offline + consent: Google returns a refresh token (again) even if this account consented before.
  access_type: "offline",
  prompt: "consent",
  state,
  code_challenge: challenge,
  code_challenge_method: "S256",
}).toString();

console.error(
  "Open this URL in a browser, sign in with the account that owns the YouTube channel, and allow access:\n",
);
console.error(`  ${consent.toString()}\n`);
console.error(`Waiting for Google's redirect on ${redirectUri} (5 minutes) …`);

const code = await new Promise<string>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("no answer within 5 minutes")), TIMEOUT_MS);
  server.on("request", (req, res) => {
    const url = new URL(req.url ?? "/", redirectUri);
    if (url.pathname !== "/") {
      res.writeHead(404).end();
      return;
    }
    const error = url.searchParams.get("error");
    const got = url.searchParams.get("code");
    res.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    if (url.searchParams.get("state") !== state) {
      res.end("State mismatch: ignored. Use the URL printed in the terminal.");
      return;
    }
    clearTimeout(timer);
    if (error || !got) {
      res.end(`Google answered: ${error ?? "no code"}. You can close this tab.`);
      reject(new Error(`authorization refused: ${error ?? "no code"}`));
      return;
    }
    res.end("Done: the refresh token is in your terminal. You can close this tab.");
    resolve(got);
  });
}).finally(() => {
  server.closeAllConnections();
  server.close();
});

const response = await fetch(TOKEN_URL, {
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
  body: new URLSearchParams({
    grant_type: "authorization_code",
    code,
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uri: redirectUri,
    code_verifier: verifier,
  }),
});
const body = (await response.json().catch(() => ({}))) as {
  refresh_token?: string;
  scope?: string;
  error?: string;
  error_description?: string;
};
if (!response.ok || !body.refresh_token) {
  console.error(
    `youtube-auth: the token exchange failed (${response.status}): ${body.error ?? ""} ${body.error_description ?? ""}`,
  );
  process.exit(1);
}
if (body.scope && !body.scope.split(" ").includes(SCOPE)) {
  console.error(`youtube-auth: warning: the grant's scopes are "${body.scope}", without ${SCOPE}`);
}
console.error("\nSet this in the gateway's environment (it is a secret; it is not saved anywhere):\n");
console.log(`YOUTUBE_REFRESH_TOKEN=${body.refresh_token}`);
