// `outlayer keystore` over HTTP on 127.0.0.1, with Node 20's built-in crypto as the independent
// implementation (no npm packages):
//   - key derivation: Node derives HMAC-SHA256(master, "ecies:" || seed) -> X25519 and must get
//     the public key /pubkey answers;
//   - Node seals (X25519 + HKDF-SHA256 + ChaCha20-Poly1305, ECIES v1) -> the keystore opens
//     (/decrypt, with a grant Node signs from the canonical message in docs/keystore.md, naming
//     a worker's ed25519 key, and the worker_signature Node makes with that key);
//   - the keystore seals (/secrets/prepare) -> Node opens with its own derived key;
//   - a grant presented with another worker's signature or none, expired, tampered; access
//     denied; project B / owner C keys;
//     reserved names; body cap; dev-mode master file (0600, stable across restarts);
//   - afterwards the keystore's log contains no secret value, token or master key.
// usage: node keystore_http.mjs OUTLAYER_BINARY
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const bin = process.argv[2];
if (!bin) {
    console.error('usage: node keystore_http.mjs OUTLAYER_BINARY');
    process.exit(2);
}
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ks-http-'));
let failures = 0;
let checks = 0;
function check(cond, what) {
    checks++;
    if (cond) {
        console.log(`ok ${checks} - ${what}`);
    } else {
        failures++;
        console.log(`not ok ${checks} - ${what}`);
    }
}

// ---------------------------------------------------------------- crypto helpers (Node only)
const X25519_PKCS8 = Buffer.from('302e020100300506032b656e04220420', 'hex');
const X25519_SPKI = Buffer.from('302a300506032b656e032100', 'hex');
const b64u = (b) => Buffer.from(b).toString('base64url');
const sha256 = (b) => crypto.createHash('sha256').update(b).digest();
const x25519Priv = (raw) =>
    crypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8, raw]), format: 'der', type: 'pkcs8' });
const x25519Pub = (raw) =>
    crypto.createPublicKey({ key: Buffer.concat([X25519_SPKI, raw]), format: 'der', type: 'spki' });
const rawPub = (keyObj) => Buffer.from(keyObj.export({ format: 'jwk' }).x, 'base64url');

function deriveSk(master, seed) {
    return crypto.createHmac('sha256', master).update('ecies:' + seed).digest();
}
function symKey(shared) {
    return Buffer.from(crypto.hkdfSync('sha256', shared, Buffer.alloc(0), 'outlayer-keystore-v1', 32));
}
function nodeSeal(pkRaw, plaintext) {
    const eph = crypto.generateKeyPairSync('x25519');
    const shared = crypto.diffieHellman({ privateKey: eph.privateKey, publicKey: x25519Pub(pkRaw) });
    const key = symKey(shared);
    const nonce = crypto.randomBytes(12);
    const c = crypto.createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 });
    const body = Buffer.concat([c.update(plaintext), c.final()]);
    return Buffer.concat([Buffer.from([1]), rawPub(eph.publicKey), nonce, body, c.getAuthTag()]);
}
function nodeOpen(skRaw, ct) {
    if (ct[0] !== 1 || ct.length < 61) throw new Error('bad framing');
    const epk = ct.subarray(1, 33), nonce = ct.subarray(33, 45);
    const body = ct.subarray(45, ct.length - 16), tag = ct.subarray(ct.length - 16);
    const shared = crypto.diffieHellman({ privateKey: x25519Priv(skRaw), publicKey: x25519Pub(epk) });
    const d = crypto.createDecipheriv('chacha20-poly1305', symKey(shared), nonce, { authTagLength: 16 });
    d.setAuthTag(tag);
    return Buffer.concat([d.update(body), d.final()]);
}
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
// Canonical JSON: compact, object keys sorted (docs/keystore.md).
function canonical(v) {
    if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
    if (v !== null && typeof v === 'object')
        return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
    return JSON.stringify(v);
}

// ---------------------------------------------------------------- grants (Node signs)
const coord = crypto.generateKeyPairSync('ed25519');
const coordPk = 'ed25519:' + base58(rawPub(coord.publicKey));
function bstr(s) {
    const b = Buffer.from(s, 'utf8');
    const l = Buffer.alloc(4);
    l.writeUInt32LE(b.length);
    return Buffer.concat([l, b]);
}
function accessorBytes(acc) {
    if (acc.Repo) {
        const parts = [Buffer.from([0]), bstr(acc.Repo.repo), Buffer.from([acc.Repo.branch ? 1 : 0])];
        if (acc.Repo.branch) parts.push(bstr(acc.Repo.branch));
        return Buffer.concat(parts);
    }
    if (acc.WasmHash) return Buffer.concat([Buffer.from([1]), bstr(acc.WasmHash.hash)]);
    return Buffer.concat([Buffer.from([2]), bstr(acc.Project.project_id)]);
}
function grantMessage(f) {
    const exp = Buffer.alloc(8);
    exp.writeBigUInt64LE(BigInt(f.expires_at));
    return Buffer.concat([Buffer.from('outlayer-keystore-grant-v1'), bstr(f.call_id), bstr(f.worker_id),
        accessorBytes(f.accessor), bstr(f.profile), bstr(f.owner), bstr(f.caller), exp,
        Buffer.from(f.secret_sha256, 'hex'), Buffer.from(f.access_sha256, 'hex')]);
}
function grant(f, key = coord.privateKey) {
    const sig = crypto.sign(null, sha256(grantMessage(f)), key);
    return { version: 1, ...f, signature: 'ed25519:' + base58(sig) };
}
// The workers' own keys: a grant names one by its public key, and the worker proves it holds it
// with worker_signature = ed25519(SHA-256("outlayer-keystore-decrypt-v1" || grant message)).
const workerX = crypto.generateKeyPairSync('ed25519');
const workerY = crypto.generateKeyPairSync('ed25519');
const workerId = (kp) => 'ed25519:' + base58(rawPub(kp.publicKey));
function workerSignature(gr, key) {
    const msg = Buffer.concat([Buffer.from('outlayer-keystore-decrypt-v1'), grantMessage(gr)]);
    return 'ed25519:' + base58(crypto.sign(null, sha256(msg), key));
}
const now = () => Math.floor(Date.now() / 1000);
function grantFor(ct, access, over = {}) {
    return grant({
        call_id: 'call-' + crypto.randomUUID(), worker_id: workerId(workerX),
        accessor: { Project: { project_id: 'alice.near/app' } }, profile: 'default',
        owner: 'alice.near', caller: 'bob.near', expires_at: now() + 120,
        secret_sha256: sha256(ct).toString('hex'), access_sha256: sha256(canonical(access)).toString('hex'),
        ...over,
    });
}

// ---------------------------------------------------------------- the process
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const tokens = { coord: crypto.randomBytes(16).toString('hex'), wx: crypto.randomBytes(16).toString('hex'),
    wy: crypto.randomBytes(16).toString('hex') };
const master = crypto.randomBytes(32);
const logPath = path.join(tmp, 'keystore.log');

async function start(args, env, name) {
    const portFile = path.join(tmp, name + '.port');
    const log = fs.openSync(logPath, 'a');
    const child = spawn(bin, ['keystore', '--port', '0', '--port-file', portFile, '--log-level', 'debug', ...args], {
        env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', log, log] });
    fs.closeSync(log);
    let exited = null;
    child.on('exit', (code, sig) => { exited = { code, sig }; });
    for (let i = 0; i < 200 && !fs.existsSync(portFile); i++) {
        if (exited) break;
        await sleep(50);
    }
    if (!fs.existsSync(portFile)) {
        child.kill('SIGKILL');
        throw new Error(`${name} did not start (see ${logPath})`);
    }
    const port = parseInt(fs.readFileSync(portFile, 'utf8'), 10);
    const stop = async () => {
        if (!exited) child.kill('SIGTERM');
        for (let i = 0; i < 200 && !exited; i++) await sleep(50);
        if (!exited) {
            child.kill('SIGKILL');
            return { code: -1 };
        }
        return exited;
    };
    return { base: `http://127.0.0.1:${port}`, stop };
}

async function post(base, route, token, body) {
    const headers = { 'Content-Type': 'application/json' };
    if (token) headers.Authorization = 'Bearer ' + token;
    const r = await fetch(base + route, { method: 'POST', headers,
        body: typeof body === 'string' ? body : JSON.stringify(body), signal: AbortSignal.timeout(10000) });
    let json = null;
    try { json = await r.json(); } catch { json = null; }
    return { status: r.status, json };
}

const SECRET1 = 'sk-node-' + crypto.randomBytes(12).toString('hex');
const SECRET2 = 'plain-' + crypto.randomBytes(12).toString('hex');
const seen = [SECRET1, SECRET2];

async function main() {
    const ks = await start(['--coordinator-public-key', coordPk,
        '--coordinator-token-sha256', sha256(tokens.coord).toString('hex'),
        '--worker-tokens', `worker-x:${sha256(tokens.wx).toString('hex')},${sha256(tokens.wy).toString('hex')}`,
        '--max-body', '1048576'], { OUTLAYER_KEYSTORE_MASTER_KEY: master.toString('hex') }, 'main');
    try {
        const h = await fetch(ks.base + '/health', { signal: AbortSignal.timeout(10000) });
        check(h.status === 200, 'GET /health');

        // Key derivation agrees with Node's.
        const accA = { Project: { project_id: 'alice.near/app' } };
        const seedA = 'project:alice.near/app:alice.near';
        let r = await post(ks.base, '/pubkey', tokens.coord, { accessor: accA, owner: 'alice.near' });
        const skA = deriveSk(master, seedA);
        const pkA = rawPub(crypto.createPublicKey(x25519Priv(skA)));
        check(r.status === 200 && r.json.pubkey === pkA.toString('hex'), '/pubkey equals Node derivation');
        r = await post(ks.base, '/pubkey', tokens.wx, { accessor: { Repo: { repo: 'git@github.com:o/r.git', branch: 'main' } }, owner: 'alice.near' });
        const pkRepo = rawPub(crypto.createPublicKey(x25519Priv(deriveSk(master, 'github.com/o/r:alice.near:main'))));
        check(r.status === 200 && r.json.pubkey === pkRepo.toString('hex'), '/pubkey repo seed normalised as the reference');
        r = await post(ks.base, '/pubkey', null, { accessor: accA, owner: 'alice.near' });
        check(r.status === 401, '/pubkey without a token is refused');
        r = await post(ks.base, '/pubkey', tokens.coord, { accessor: accA, owner: 'alice.near', secrets_json: '{"NEAR_SENDER_ID":"x"}' });
        check(r.status === 400 && /NEAR_SENDER_ID/.test(r.json.error), '/pubkey refuses a reserved name');
        r = await post(ks.base, '/pubkey', tokens.coord, { accessor: accA, owner: 'alice.near', secrets_json: '{"PROTECTED_X":"x"}' });
        check(r.status === 400, '/pubkey refuses a PROTECTED_ name');

        // Node seals -> the keystore opens.
        const pt1 = JSON.stringify({ API_KEY: SECRET1 });
        const ct1 = nodeSeal(pkA, Buffer.from(pt1));
        const wl = { Whitelist: { accounts: ['bob.near'] } };
        let g = grantFor(ct1, wl);
        const body = (gr, ct, access, wkey = workerX.privateKey) => {
            const b = { grant: gr, ciphertext: ct.toString('base64'), access };
            if (wkey) b.worker_signature = workerSignature(gr, wkey);
            return b;
        };
        r = await post(ks.base, '/decrypt', tokens.wx, body(g, ct1, wl));
        check(r.status === 200 && r.json.secrets.API_KEY === SECRET1, 'Node-sealed secret opens for an authorised run');
        r = await post(ks.base, '/decrypt', tokens.wy, body(g, ct1, wl, workerY.privateKey));
        check(r.status === 403 && r.json.code === 'grant_refused', "worker-y cannot use worker-x's grant");
        r = await post(ks.base, '/decrypt', tokens.wx, body(g, ct1, wl, null));
        check(r.status === 403 && r.json.code === 'grant_refused', 'a request without worker_signature is refused');
        r = await post(ks.base, '/decrypt', tokens.wy, body(g, ct1, wl));
        check(r.status === 200 && r.json.secrets.API_KEY === SECRET1, 'an unlabelled worker token works (the key binds, not the token)');
        r = await post(ks.base, '/decrypt', tokens.coord, body(g, ct1, wl));
        check(r.status === 403 && r.json.code === 'forbidden', 'the coordinator token cannot decrypt');
        const tampered = { ...g, caller: 'eve.near' };
        r = await post(ks.base, '/decrypt', tokens.wx, body(tampered, ct1, wl));
        check(r.status === 403 && r.json.code === 'grant_refused', 'a tampered grant is refused');
        r = await post(ks.base, '/decrypt', tokens.wx, body(grantFor(ct1, wl, { expires_at: now() - 1 }), ct1, wl));
        check(r.status === 403 && r.json.code === 'grant_refused' && /expired/.test(r.json.error), 'an expired grant is refused');
        const other = crypto.generateKeyPairSync('ed25519');
        r = await post(ks.base, '/decrypt', tokens.wx, body(grant({ ...g, signature: undefined }, other.privateKey), ct1, wl));
        check(r.status === 403 && r.json.code === 'grant_refused', 'a grant signed by another key is refused');
        r = await post(ks.base, '/decrypt', tokens.wx, body(grantFor(ct1, wl, { caller: 'eve.near' }), ct1, wl));
        check(r.status === 403 && r.json.code === 'access_denied' && !JSON.stringify(r.json).includes(SECRET1),
            'a caller outside the whitelist is denied');
        r = await post(ks.base, '/decrypt', tokens.wx, body(grantFor(ct1, wl, { caller: 'eve.near' }), ct1, 'AllowAll'));
        check(r.status === 403 && r.json.code === 'grant_refused', 'a laxer condition than the grant covers is refused');
        const nested = { Logic: { operator: 'And', conditions: [{ AccountPattern: { pattern: '[a-z]+\\.near' } },
            { Not: { condition: { Whitelist: { accounts: ['eve.near'] } } } }] } };
        r = await post(ks.base, '/decrypt', tokens.wx, body(grantFor(ct1, nested), ct1, nested));
        check(r.status === 200 && r.json.secrets.API_KEY === SECRET1, 'nested condition admits bob.near');
        r = await post(ks.base, '/decrypt', tokens.wx, body(grantFor(ct1, nested, { caller: 'eve.near' }), ct1, nested));
        check(r.status === 403 && r.json.code === 'access_denied', 'nested condition denies eve.near');

        // Project B and owner C keys do not open project A's secret.
        r = await post(ks.base, '/decrypt', tokens.wx, body(grantFor(ct1, 'AllowAll', { accessor: { Project: { project_id: 'alice.near/other' } } }), ct1, 'AllowAll'));
        check(r.status === 422, "project B's key does not open project A's secret");
        r = await post(ks.base, '/decrypt', tokens.wx, body(grantFor(ct1, 'AllowAll', { owner: 'carol.near' }), ct1, 'AllowAll'));
        check(r.status === 422, "owner C's key does not open owner A's secret");

        // The keystore seals (/secrets/prepare, generated values) -> Node opens.
        const ct2 = nodeSeal(pkA, Buffer.from(JSON.stringify({ PLAIN: SECRET2, GEN: 'generate_outlayer_secret:hex32' })));
        r = await post(ks.base, '/secrets/prepare', tokens.coord, { accessor: accA, owner: 'alice.near', ciphertext: ct2.toString('base64') });
        check(r.status === 200 && r.json.generated[0] === 'PROTECTED_GEN', '/secrets/prepare generates PROTECTED_GEN');
        const opened = JSON.parse(nodeOpen(skA, Buffer.from(r.json.ciphertext, 'base64')).toString());
        check(opened.PLAIN === SECRET2 && /^[0-9a-f]{64}$/.test(opened.PROTECTED_GEN) && !('GEN' in opened),
            'Node opens what the keystore sealed');
        seen.push(opened.PROTECTED_GEN);
        check(!JSON.stringify(r.json).includes(opened.PROTECTED_GEN), 'the generated value is not in the response');
        r = await post(ks.base, '/secrets/prepare', tokens.wx, { accessor: accA, owner: 'alice.near', ciphertext: ct2.toString('base64') });
        check(r.status === 403, 'workers cannot prepare secrets');
        const ct3 = nodeSeal(pkA, Buffer.from(JSON.stringify({ OUTLAYER_PROJECT_ID: 'spoof' })));
        r = await post(ks.base, '/secrets/prepare', tokens.coord, { accessor: accA, owner: 'alice.near', ciphertext: ct3.toString('base64') });
        check(r.status === 400 && /OUTLAYER_PROJECT_ID/.test(r.json.error), 'reserved names are refused server-side');

        // Framing and size.
        r = await post(ks.base, '/decrypt', tokens.wx, body(grantFor(Buffer.from([2, 3]), 'AllowAll'), Buffer.from([2, 3]), 'AllowAll'));
        check(r.status === 422, 'a malformed ciphertext is refused after authorisation');
        r = await post(ks.base, '/pubkey', tokens.coord, ' '.repeat(1100000));
        check(r.status === 413, 'an oversized body is refused');
    } finally {
        const ex = await ks.stop();
        check(ex.code === 0, 'SIGTERM stops the keystore cleanly');
    }

    // Dev mode: a master key file created once with mode 0600, stable across restarts.
    const dataDir = path.join(tmp, 'data');
    const pks = [];
    for (let i = 0; i < 2; i++) {
        const dev = await start(['--dev', '--data-dir', dataDir,
            '--coordinator-token-sha256', sha256(tokens.coord).toString('hex')], {}, 'dev' + i);
        const r = await post(dev.base, '/pubkey', tokens.coord, { accessor: { Project: { project_id: 'alice.near/app' } }, owner: 'alice.near' });
        pks.push(r.json && r.json.pubkey);
        await dev.stop();
    }
    const keyFile = path.join(dataDir, 'keystore-master.key');
    const st = fs.statSync(keyFile);
    check((st.mode & 0o777) === 0o600 && st.size === 32, 'dev master key file is 32 bytes, mode 0600');
    check(pks[0] && pks[0] === pks[1], 'dev master key is stable across restarts');
    const devMaster = fs.readFileSync(keyFile);
    seen.push(devMaster.toString('hex'), base58(devMaster));
    // Without a key and without --dev the keystore refuses to start.
    const noKey = spawn(bin, ['keystore', '--port', '0'], { env: { PATH: process.env.PATH }, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    noKey.stderr.on('data', (d) => { err += d; });
    const code = await new Promise((res) => {
        const t = setTimeout(() => { noKey.kill('SIGKILL'); res(-1); }, 10000);
        noKey.on('exit', (c) => { clearTimeout(t); res(c); });
    });
    check(code !== 0 && /master/.test(err), 'no master key without --dev: refuses to start');

    // The log holds no secret value, generated value, token or master key.
    const log = fs.readFileSync(logPath, 'utf8');
    check(log.includes('event=request'), 'the keystore logged its requests');
    const needles = [...seen, master.toString('hex'), tokens.coord, tokens.wx, tokens.wy];
    needles.forEach((s, i) => check(!log.includes(s), `log does not contain sensitive value #${i}`));
}

main().then(() => {
    console.log(`1..${checks}`);
    if (failures === 0) fs.rmSync(tmp, { recursive: true, force: true });
    else console.log(`# ${failures} failed; files kept in ${tmp}`);
    process.exit(failures === 0 ? 0 : 1);
}).catch((e) => {
    console.log(`not ok - ${e.stack}`);
    console.log(`# files kept in ${tmp}`);
    process.exit(1);
});
