// A secrets upload made without `outlayer secrets` (Node 20's built-in crypto, no npm packages),
// so that the server's own checks can be reached with a document the CLI would refuse: asks
// POST /secrets/pubkey for the key (without secrets_json), seals the given plaintext (ECIES v1),
// signs the owner message (NEP-413, docs/api.md) with a near-cli key file, POSTs /secrets and
// prints "STATUS BODY". Used by secrets_test.sh.
// usage: node secrets_raw_put.mjs URL KEY_FILE OWNER PROJECT_ID PROFILE PLAINTEXT_JSON
import crypto from 'node:crypto';
import fs from 'node:fs';

const [url, keyFile, owner, projectId, profile, plaintext] = process.argv.slice(2);
if (plaintext === undefined) {
    console.error('usage: node secrets_raw_put.mjs URL KEY_FILE OWNER PROJECT_ID PROFILE PLAINTEXT');
    process.exit(2);
}

const sha256 = (b) => crypto.createHash('sha256').update(b).digest();
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const ED25519_PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
const rawPub = (keyObj) => Buffer.from(keyObj.export({ format: 'jwk' }).x, 'base64url');
const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(buf) {
    let n = BigInt('0x' + (Buffer.from(buf).toString('hex') || '0'));
    let s = '';
    while (n > 0n) {
        s = B58[Number(n % 58n)] + s;
        n /= 58n;
    }
    for (const b of buf) {
        if (b !== 0) break;
        s = '1' + s;
    }
    return s;
}
function unbase58(s) {
    let n = 0n;
    for (const c of s) n = n * 58n + BigInt(B58.indexOf(c));
    let hex = n.toString(16);
    if (hex.length % 2) hex = '0' + hex;
    const lead = s.match(/^1*/)[0].length;
    return Buffer.concat([Buffer.alloc(lead), Buffer.from(n === 0n ? '' : hex, 'hex')]);
}
function bstr(s) {
    const b = Buffer.from(s, 'utf8');
    const l = Buffer.alloc(4);
    l.writeUInt32LE(b.length);
    return Buffer.concat([l, b]);
}
async function post(path, body) {
    const r = await fetch(url + path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
    });
    return [r.status, await r.text()];
}

const accessor = { Project: { project_id: projectId } };
const [st, text] = await post('/secrets/pubkey', { accessor, owner });
if (st !== 200) {
    console.log(`${st} ${text}`);
    process.exit(1);
}
const pk = Buffer.from(JSON.parse(text).pubkey, 'hex');

// ECIES v1: 0x01 || ephemeral X25519 pk || nonce || ChaCha20-Poly1305(HKDF key) || tag.
const eph = crypto.generateKeyPairSync('x25519');
const shared = crypto.diffieHellman({
    privateKey: eph.privateKey,
    publicKey: crypto.createPublicKey({ key: Buffer.concat([X25519_SPKI, pk]), format: 'der', type: 'spki' }),
});
const key = Buffer.from(crypto.hkdfSync('sha256', shared, Buffer.alloc(0), 'outlayer-keystore-v1', 32));
const nonce = crypto.randomBytes(12);
const c = crypto.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
const body = Buffer.concat([c.update(plaintext), c.final()]);
const ct = Buffer.concat([Buffer.from([1]), rawPub(eph.publicKey), nonce, body, c.getAuthTag()]);

// The owner message (ol_ks_owner_message), signed as NEP-413.
const creds = JSON.parse(fs.readFileSync(keyFile, 'utf8'));
const seed = unbase58(creds.private_key.replace(/^ed25519:/, '')).subarray(0, 32);
const sk = crypto.createPrivateKey({ key: Buffer.concat([ED25519_PKCS8, seed]), format: 'der', type: 'pkcs8' });
const ts = Date.now();
const message =
    'outlayer-owner-request-v1\n' +
    'op: secrets.put\n' +
    `owner: ${owner}\n` +
    `accessor: ${JSON.stringify(accessor)}\n` +
    `profile: ${profile}\n` +
    `ciphertext_sha256: ${sha256(ct).toString('hex')}\n` +
    `access_sha256: ${sha256('"AllowAll"').toString('hex')}\n` +
    'replace_protected: false\n' +
    `timestamp_ms: ${ts}\n`;
const n413 = crypto.randomBytes(32);
const prefix = Buffer.alloc(4);
prefix.writeUInt32LE(2 ** 31 + 413);
const preimage = Buffer.concat([prefix, bstr(message), n413, bstr('outlayer'), Buffer.from([0])]);
const signature = 'ed25519:' + base58(crypto.sign(null, sha256(preimage), sk));

const [st2, text2] = await post('/secrets', {
    accessor,
    profile,
    owner,
    ciphertext: ct.toString('base64'),
    access: 'AllowAll',
    auth: { public_key: creds.public_key, nonce: n413.toString('base64'), timestamp_ms: ts, signature },
});
console.log(`${st2} ${text2}`);
