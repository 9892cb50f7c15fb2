// edgeauth wallet sign-in: EIP-1193 wallet -> EIP-4361 message -> personal_sign -> /siwe/login,
// then the owned devices (/me/devices) and their live telemetry over MQTT 3.1.1 over WebSocket.
// Plain JavaScript, no framework, nothing loaded from elsewhere.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const utf8 = new TextEncoder();

  // ---- Keccak-256 (the pre-standard SHA-3 Ethereum uses), for EIP-55 checksum addresses ----
  const RC = ['0x1', '0x8082', '0x800000000000808a', '0x8000000080008000', '0x808b', '0x80000001',
    '0x8000000080008081', '0x8000000000008009', '0x8a', '0x88', '0x80008009', '0x8000000a', '0x8000808b',
    '0x800000000000008b', '0x8000000000008089', '0x8000000000008003', '0x8000000000008002',
    '0x8000000000000080', '0x800a', '0x800000008000000a', '0x8000000080008081', '0x8000000000008080',
    '0x80000001', '0x8000000080008008'].map(BigInt);
  const ROT = [0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14].map(BigInt);
  const M64 = (1n << 64n) - 1n;
  const rotl = (v, n) => (n === 0n ? v : ((v << n) | (v >> (64n - n))) & M64);

  function keccakF(a) {
    const c = new Array(5), b = new Array(25);
    for (let round = 0; round < 24; round++) {
      for (let x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
      for (let x = 0; x < 5; x++) {
        const d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1n);
        for (let y = 0; y < 25; y += 5) a[x + y] ^= d;
      }
      for (let x = 0; x < 5; x++) {
        for (let y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], ROT[x + 5 * y]);
      }
      for (let x = 0; x < 5; x++) {
        for (let y = 0; y < 25; y += 5) a[x + y] = b[x + y] ^ (~b[(x + 1) % 5 + y] & M64 & b[(x + 2) % 5 + y]);
      }
      a[0] ^= RC[round];
    }
  }

  function keccak256(bytes) {
    const rate = 136;
    const padded = new Uint8Array((Math.floor(bytes.length / rate) + 1) * rate);
    padded.set(bytes);
    padded[bytes.length] ^= 0x01;
    padded[padded.length - 1] ^= 0x80;
    const a = new Array(25).fill(0n);
    for (let off = 0; off < padded.length; off += rate) {
      for (let i = 0; i < rate / 8; i++) {
        let lane = 0n;
        for (let k = 7; k >= 0; k--) lane = (lane << 8n) | BigInt(padded[off + 8 * i + k]);
        a[i] ^= lane;
      }
      keccakF(a);
    }
    const out = new Uint8Array(32);
    for (let i = 0; i < 32; i++) out[i] = Number((a[i >> 3] >> BigInt(8 * (i & 7))) & 0xffn);
    return out;
  }

  /** EIP-55: the address with each letter upper-cased where the hash of the lower-case hex has a nibble >= 8. */
  function toChecksumAddress(address) {
    const lower = address.toLowerCase().replace(/^0x/, '');
    if (!/^[0-9a-f]{40}$/.test(lower)) throw new Error('the wallet returned an invalid address: ' + address);
    const hash = keccak256(utf8.encode(lower));
    let out = '0x';
    for (let i = 0; i < 40; i++) {
      const nibble = (hash[i >> 1] >> (i % 2 === 0 ? 4 : 0)) & 0xf;
      out += nibble >= 8 ? lower[i].toUpperCase() : lower[i];
    }
    return out;
  }

  const toHex = (bytes) => '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

  // ---- a minimal MQTT 3.1.1 client over WebSocket: CONNECT, SUBSCRIBE, PUBLISH in (QoS 0/1), PINGREQ ----
  function mqttString(s) {
    const b = utf8.encode(s);
    return [b.length >> 8, b.length & 0xff, ...b];
  }

  function mqttPacket(header, body) {
    const len = [];
    let n = body.length;
    do {
      let digit = n % 128;
      n = Math.floor(n / 128);
      if (n > 0) digit |= 0x80;
      len.push(digit);
    } while (n > 0);
    return new Uint8Array([header, ...len, ...body]);
  }

  function mqttConnect(url, username, password, topics, onMessage, onStatus) {
    const ws = new WebSocket(url, 'mqtt');
    ws.binaryType = 'arraybuffer';
    let buffer = new Uint8Array(0);
    let ping = null;
    let acked = 0;
    let refused = 0;
    const keepAlive = 60;
    ws.onopen = () => {
      const clientId = ''; // the broker assigns <DID>#<random>: a wallet may only use client ids of its own
      const body = [...mqttString('MQTT'), 4, 0xc2, keepAlive >> 8, keepAlive & 0xff,
        ...mqttString(clientId), ...mqttString(username), ...mqttString(password)];
      ws.send(mqttPacket(0x10, body));
    };
    ws.onmessage = (event) => {
      const chunk = new Uint8Array(event.data);
      const joined = new Uint8Array(buffer.length + chunk.length);
      joined.set(buffer);
      joined.set(chunk, buffer.length);
      buffer = joined;
      for (;;) { // one WebSocket frame may hold several MQTT packets, or part of one
        let len = 0, mult = 1, i = 1;
        for (; ; i++) {
          if (i >= buffer.length) return;
          len += (buffer[i] & 0x7f) * mult;
          mult *= 128;
          if ((buffer[i] & 0x80) === 0) break;
        }
        const start = i + 1;
        if (buffer.length < start + len) return;
        handle(buffer[0], buffer.subarray(start, start + len));
        buffer = buffer.slice(start + len);
      }
    };
    ws.onclose = () => {
      clearInterval(ping);
      onStatus('MQTT connection closed.');
    };
    ws.onerror = () => onStatus('MQTT connection failed.');

    function handle(header, body) {
      const type = header >> 4;
      if (type === 2) { // CONNACK
        if (body[1] !== 0) {
          onStatus('MQTT refused the connection (return code ' + body[1] + ').');
          return;
        }
        onStatus('MQTT connected; subscribing...');
        ping = setInterval(() => ws.send(new Uint8Array([0xc0, 0])), keepAlive * 500);
        topics.forEach((filter, index) => {
          const id = index + 1;
          ws.send(mqttPacket(0x82, [id >> 8, id & 0xff, ...mqttString(filter), 1]));
        });
      } else if (type === 3) { // PUBLISH
        const qos = (header >> 1) & 3;
        const topicLength = (body[0] << 8) | body[1];
        const topic = new TextDecoder().decode(body.subarray(2, 2 + topicLength));
        let offset = 2 + topicLength;
        if (qos > 0) {
          const id = [body[offset], body[offset + 1]];
          offset += 2;
          ws.send(new Uint8Array(qos === 1 ? [0x40, 2, ...id] : [0x50, 2, ...id]));
        }
        onMessage(topic, new TextDecoder().decode(body.subarray(offset)));
      } else if (type === 9) { // SUBACK
        if (Array.from(body.subarray(2)).some((rc) => rc === 0x80)) refused++;
        if (++acked === topics.length) {
          onStatus(refused === 0 ? 'MQTT connected; subscribed to ' + acked + ' device(s).'
            : 'MQTT connected; ' + refused + ' of ' + acked + ' subscriptions refused.');
        }
      }
    }
    return ws;
  }

  // ---- the sign-in flow ----
  let session = null;

  function status(text, error) {
    $('status').textContent = text;
    $('status').className = error ? 'error' : '';
  }

  async function json(response) {
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error_description || body.error || ('HTTP ' + response.status));
    return body;
  }

  function siweMessage(fields) {
    // the scheme is written out: a message without one means https (EIP-4361)
    return `${fields.scheme}://${fields.domain} wants you to sign in with your Ethereum account:\n${fields.address}\n\n`
      + `${fields.statement}\n\nURI: ${fields.uri}\nVersion: 1\nChain ID: ${fields.chainId}\n`
      + `Nonce: ${fields.nonce}\nIssued At: ${fields.issuedAt}`;
  }

  async function signIn() {
    if (!window.ethereum || typeof window.ethereum.request !== 'function') {
      status('No Ethereum wallet found in this browser (EIP-1193 window.ethereum).', true);
      return;
    }
    $('connect').disabled = true;
    try {
      status('Connecting the wallet...');
      const accounts = await window.ethereum.request({ method: 'eth_requestAccounts' });
      if (!accounts || accounts.length === 0) throw new Error('the wallet shared no account');
      const address = toChecksumAddress(accounts[0]);
      const chainId = parseInt(await window.ethereum.request({ method: 'eth_chainId' }), 16);
      const { nonce } = await json(await fetch('/siwe/nonce', { cache: 'no-store' }));
      const message = siweMessage({
        scheme: location.protocol.replace(':', ''), domain: location.host, address, statement: 'Sign in to edgeauth', uri: location.origin + '/login',
        chainId, nonce, issuedAt: new Date().toISOString(),
      });
      status('Waiting for the signature...');
      const signature = await window.ethereum.request({
        method: 'personal_sign', params: [toHex(utf8.encode(message)), accounts[0]],
      });
      const login = await json(await fetch('/siwe/login', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ message, signature }),
      }));
      session = login;
      showSession(login);
      status('Signed in.');
      await loadDevices();
    } catch (e) {
      status('Sign-in failed: ' + (e && e.message ? e.message : e), true);
    } finally {
      $('connect').disabled = false;
    }
  }

  function showSession(login) {
    $('session').hidden = false;
    $('address').textContent = login.address;
    $('did').textContent = login.sub;
    $('expiry').textContent = new Date(Date.now() + login.expires_in * 1000).toISOString();
    // renew the access token (rotating the refresh token) shortly before it expires
    clearTimeout(showSession.timer);
    showSession.timer = setTimeout(refresh, Math.max(10, login.expires_in - 30) * 1000);
  }

  async function refresh(retry = 0) {
    if (!session) return; // signed out meanwhile
    try {
      const response = await fetch('/oauth/token', {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: session.refresh_token }),
      });
      if ((response.status === 429 || response.status === 503) && retry < 30) {
        // the broker sheds load (503) or this wallet asked too often (429, its token budget): the refresh token was
        // not spent, so it is presented again after the wait the broker names, rather than ending the session
        const wait = retryAfterMillis(response.headers.get('retry-after'), retry);
        status('Server busy; renewing the session in ' + Math.ceil(wait / 1000) + ' s.');
        clearTimeout(showSession.timer);
        showSession.timer = setTimeout(() => refresh(retry + 1), wait);
        return;
      }
      const renewed = await json(response);
      if (!session) return;
      session = Object.assign({}, session, renewed);
      showSession(session);
      if (retry > 0) status('Signed in.');
    } catch (e) {
      status('Session ended: ' + e.message + '. Sign in again.', true);
    }
  }

  // 0.5 s doubling up to 30 s, never shorter than Retry-After's delta-seconds (RFC 9110 §10.2.3, at most 60 s); times
  // a random factor in [0.5, 1.5) so that many pages told the same wait do not come back at once (as the device SDK)
  function retryAfterMillis(header, retry) {
    const seconds = /^\d+$/.test(header || '') ? Number(header) : NaN;
    const grown = Math.min(30000, 500 * 2 ** Math.min(retry, 6));
    const base = Number.isFinite(seconds) ? Math.max(Math.min(60, seconds) * 1000, grown) : grown;
    return Math.round(base * (0.5 + Math.random()));
  }

  // RFC 7009: the refresh token revokes itself (no bearer needed, so this works after the access token expired),
  // and with it every access token of the session, which ends the live telemetry too
  async function signOut() {
    const ending = session;
    session = null;
    clearTimeout(showSession.timer);
    if (loadDevices.ws) loadDevices.ws.close();
    $('session').hidden = true;
    if (!ending) return;
    try {
      await json(await fetch('/oauth/revoke', {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: ending.refresh_token }),
      }));
      status('Signed out.');
    } catch (e) {
      status('Sign-out failed: ' + e.message, true);
    }
  }

  async function loadDevices() {
    const me = await json(await fetch('/me/devices', {
      headers: { authorization: 'Bearer ' + session.access_token }, cache: 'no-store',
    }));
    const list = $('devices');
    list.replaceChildren();
    if (me.devices.length === 0) {
      list.append(Object.assign(document.createElement('li'), { textContent: 'No devices yet.' }));
    }
    me.devices.forEach((d) => {
      const li = document.createElement('li');
      li.dataset.device = d.id;
      li.textContent = d.id + ' (' + d.credential + ')';
      list.append(li);
    });
    const config = await json(await fetch('/login/config', { cache: 'no-store' }));
    if (config.mqttWebSocketPort < 0) {
      $('mqtt-status').textContent = 'Live telemetry is off (no MQTT WebSocket listener).';
      return;
    }
    if (me.devices.length === 0) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = scheme + '//' + location.hostname + ':' + config.mqttWebSocketPort + config.mqttWebSocketPath;
    // the broker grants d/{id}/up/# per owned device, so subscribe per device (not d/+/up/#)
    const topics = me.devices.map((d) => 'd/' + d.id + '/up/#');
    if (loadDevices.ws) loadDevices.ws.close();
    loadDevices.ws = mqttConnect(url, session.sub, session.access_token, topics, (topic, payload) => {
      const li = document.createElement('li');
      li.textContent = new Date().toISOString().slice(11, 19) + ' ' + topic + ' ' + payload;
      $('telemetry').prepend(li);
      while ($('telemetry').children.length > 200) $('telemetry').lastChild.remove();
    }, (text) => { $('mqtt-status').textContent = text; });
  }

  // exposed for tests and the console; nothing secret
  window.edgeauthLogin = { keccak256, toChecksumAddress };

  document.addEventListener('DOMContentLoaded', () => {
    $('connect').addEventListener('click', signIn);
    $('logout').addEventListener('click', signOut);
  });
})();
