// An outside verifier for our Open Badges 3.0 credentials, built on did-jwt and
// did-resolver from npm. It reads a VC-JWT on standard input, resolves the issuer's
// did:web, checks the signature, the credential's Open Badges 3.0 shape and its
// revocation bit in the issuer's signed Bitstring Status List, and prints a JSON verdict.
// did:web names https; the tests serve plain HTTP on loopback, so the one resolver below
// fetches the same document over http and refuses any host that is not loopback.
'use strict';
const zlib = require('node:zlib');
const { verifyJWT } = require('did-jwt');
const { Resolver } = require('did-resolver');

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

async function get(url) {
  const parsed = new URL(url);
  if (!LOOPBACK.has(parsed.hostname)) throw new Error(`refusing to fetch ${url}: not loopback`);
  parsed.protocol = 'http:';
  const response = await fetch(parsed, { redirect: 'error' });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  return response.text();
}

const resolver = new Resolver({
  web: async (did, parsed) => {
    const [host, ...path] = parsed.id.split(':').map(decodeURIComponent);
    const where = path.length ? `${path.join('/')}/did.json` : '.well-known/did.json';
    try {
      const didDocument = JSON.parse(await get(`https://${host}/${where}`));
      return { didDocument, didDocumentMetadata: {}, didResolutionMetadata: {} };
    } catch (error) {
      return { didDocument: null, didDocumentMetadata: {}, didResolutionMetadata: { error: 'notFound', message: String(error) } };
    }
  },
});

const OB_CONTEXT = /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d\.\d)?\.json$/;

function requireShape(vc, iss) {
  const context = vc['@context'];
  if (!Array.isArray(context) || context[0] !== 'https://www.w3.org/ns/credentials/v2' || !OB_CONTEXT.test(context[1])) {
    throw new Error('@context is not VC 2.0 followed by Open Badges 3.0');
  }
  const types = [].concat(vc.type || []);
  if (!types.includes('VerifiableCredential') || !types.includes('OpenBadgeCredential')) {
    throw new Error('type is not an OpenBadgeCredential');
  }
  const issuerId = typeof vc.issuer === 'string' ? vc.issuer : vc.issuer && vc.issuer.id;
  if (issuerId !== iss) throw new Error('iss does not name the credential issuer');
  if (typeof vc.id !== 'string' || vc.jti !== vc.id) throw new Error('jti does not name the credential id');
  if (Number.isNaN(Date.parse(vc.validFrom))) throw new Error('validFrom is not a date');
  const subject = vc.credentialSubject || {};
  const achievement = subject.achievement || {};
  if (!achievement.id || !achievement.name) throw new Error('credentialSubject.achievement needs an id and a name');
  if (!subject.id && !(Array.isArray(subject.identifier) && subject.identifier.length)) {
    throw new Error('credentialSubject needs an id or an identifier');
  }
}

async function revoked(vc) {
  const entry = vc.credentialStatus;
  if (!entry) return false;
  if (entry.type !== 'BitstringStatusListEntry') throw new Error(`unknown status type ${entry.type}`);
  const listJwt = (await get(entry.statusListCredential)).trim();
  const { payload: list } = await verifyJWT(listJwt, { resolver, proofPurpose: 'assertionMethod' });
  if (list.iss !== vc.iss) throw new Error('the status list has another issuer');
  if (list.credentialSubject.statusPurpose !== entry.statusPurpose) throw new Error('the status list is for another purpose');
  const encoded = list.credentialSubject.encodedList;
  if (!encoded.startsWith('u')) throw new Error('encodedList is not multibase base64url');
  const bits = zlib.gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
  const index = Number(entry.statusListIndex);
  return Boolean(bits[Math.floor(index / 8)] & (0x80 >> (index % 8)));
}

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const token = Buffer.concat(chunks).toString('utf8').trim();
  try {
    const { payload } = await verifyJWT(token, { resolver, proofPurpose: 'assertionMethod' });
    requireShape(payload, payload.iss);
    const isRevoked = await revoked(payload);
    const result = payload.credentialSubject.result || [];
    console.log(JSON.stringify({
      verified: !isRevoked,
      revoked: isRevoked,
      issuer: payload.iss,
      achievement: payload.credentialSubject.achievement.name,
      verdict: result.length ? result[0].value : null,
    }));
    process.exitCode = isRevoked ? 1 : 0;
  } catch (error) {
    console.log(JSON.stringify({ verified: false, error: String(error.message || error) }));
    process.exitCode = 1;
  }
}

main();
