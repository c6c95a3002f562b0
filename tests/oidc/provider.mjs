// A real OpenID provider (the npm package oidc-provider) on a free loopback port, for
// the single sign-on tests. Started by tests/oidc/conftest.py; prints "READY <issuer>".
//
// Environment:
//   CONTROL_FILE   JSON read on every request, so a test can change it between sign-ins:
//                  {"accounts": {"<login>": {"password", "email", "name", "groups",
//                                            "disabled", "amr"}},
//                   "tamper": "" | "expired" | "wrong_audience" | "forged" | "malformed"
//                             | "replayed_nonce" | "wrong_issuer" | "unknown_key"}
//   CLIENT_ID, CLIENT_SECRET, REDIRECT_URIS (comma-separated)
//
// "tamper" makes the token endpoint hand out a bad ID token, as an attacker in the middle
// or a broken provider would: signed with another key, expired, for another audience,
// carrying the nonce of an earlier sign-in, or not a token at all.
import { readFileSync } from "node:fs";
import http from "node:http";
import { URLSearchParams } from "node:url";

import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";

const control = () => JSON.parse(readFileSync(process.env.CONTROL_FILE, "utf8"));

const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: "test-key", alg: "RS256", use: "sig" };
const { privateKey: strangerKey } = await generateKeyPair("RS256", { extractable: true });

const server = http.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: process.env.CLIENT_ID,
      client_secret: process.env.CLIENT_SECRET,
      redirect_uris: process.env.REDIRECT_URIS.split(","),
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
    },
  ],
  jwks: { keys: [signingJwk] },
  scopes: ["openid", "email", "profile", "groups"],
  claims: {
    // amr from the login (the session), in every ID token, as Keycloak and Entra ID do.
    openid: ["sub", "amr"],
    email: ["email", "email_verified"],
    profile: ["name", "given_name", "family_name", "preferred_username"],
    groups: ["groups"],
  },
  async findAccount(ctx, id) {
    const account = control().accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: id,
          email: account.email,
          email_verified: true,
          name: account.name,
          preferred_username: id,
          groups: account.groups || [],
        };
      },
    };
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  features: { devInteractions: { enabled: false } },
  cookies: { keys: ["loopback-tests-only"] },
  ttl: { IdToken: 600, AccessToken: 600, AuthorizationCode: 60, Session: 3600, Grant: 3600 },
});

let lastNonce = "";
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path !== "/token" || ctx.status !== 200 || !ctx.body?.id_token) return;
  const claims = decodeJwt(ctx.body.id_token);
  const previousNonce = lastNonce;
  lastNonce = claims.nonce;
  const tamper = control().tamper || "";
  if (!tamper) return;
  const now = Math.floor(Date.now() / 1000);
  let key = privateKey;
  if (tamper === "malformed") {
    ctx.body = { ...ctx.body, id_token: "this.is-not-a.token" };
    return;
  } else if (tamper === "expired") {
    claims.iat = now - 7200;
    claims.exp = now - 3600;
  } else if (tamper === "wrong_audience") {
    claims.aud = "another-application";
  } else if (tamper === "wrong_issuer") {
    claims.iss = "https://idp.example.invalid";
  } else if (tamper === "replayed_nonce") {
    claims.nonce = previousNonce;
  } else if (tamper === "forged") {
    key = strangerKey;
  }
  const kid = tamper === "unknown_key" ? "another-key" : "test-key";
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", kid, typ: "JWT" })
    .sign(key);
  ctx.body = { ...ctx.body, id_token: token };
});

const escape = (text) =>
  String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(res, uid, message = "") {
  res.writeHead(message ? 401 : 200, { "content-type": "text/html; charset=utf-8" });
  res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Company sign-in</title></head>
<body><main><h1>Company sign-in</h1>
${message ? `<p role="alert">${escape(message)}</p>` : ""}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">Username</label> <input id="login" name="login" autocomplete="username">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password">
<button type="submit">Sign in</button>
</form></main></body></html>`);
}

async function readForm(req) {
  let body = "";
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

async function interaction(req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === "login") {
    if (req.method !== "POST" || action !== "login") return loginPage(res, uid);
    const form = await readForm(req);
    const login = form.get("login") || "";
    const account = control().accounts[login];
    if (!account || account.password !== form.get("password")) {
      return loginPage(res, uid, "Wrong username or password.");
    }
    if (account.disabled) {
      return provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "This account is disabled." },
        { mergeWithLastSubmission: false },
      );
    }
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: login, amr: account.amr || ["pwd"] } },
      { mergeWithLastSubmission: false },
    );
  }
  // Consent: the company's own application is granted what it asks for.
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(" "));
  if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
  return provider.interactionFinished(
    req,
    res,
    { consent: { grantId: await grant.save() } },
    { mergeWithLastSubmission: true },
  );
}

const callback = provider.callback();
server.on("request", async (req, res) => {
  const match = req.url.match(/^\/interaction\/([^/?]+)(?:\/(login))?/);
  if (!match) return callback(req, res);
  try {
    await interaction(req, res, match[1], match[2]);
  } catch (error) {
    res.writeHead(400, { "content-type": "text/plain" });
    res.end(String(error));
  }
});

process.stdout.write(`READY ${issuer}\n`);
