// A tiny SMTP sink (plain SMTP, no TLS, no auth) that keeps every message in memory, and a MIME
// reader good enough for the mails OneStop sends (lettre: multipart/alternative text + HTML,
// quoted-printable or base64 bodies, RFC 2047 subjects).

import net from 'node:net';

/** Starts the sink on 127.0.0.1 at a free port. */
export async function startSmtpSink() {
  const messages = [];
  const waiters = new Set();
  const sockets = new Set();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffer = '';
    let inData = false;
    let data = [];
    let envelope = { from: '', to: [] };
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 onestop-journeys sink ESMTP');

    socket.setEncoding('latin1'); // bytes in, bytes out: bodies are decoded later
    socket.on('data', (chunk) => {
      buffer += chunk;
      let at;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            const raw = Buffer.from(data.join('\r\n'), 'latin1');
            const message = { ...parseMessage(raw), envelope, at: Date.now() };
            messages.push(message);
            for (const w of waiters) w();
            data = [];
            envelope = { from: '', to: [] };
            reply('250 2.0.0 queued');
          } else {
            data.push(line.startsWith('..') ? line.slice(1) : line);
          }
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') {
          socket.write('250-onestop-journeys\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n');
        } else if (verb === 'HELO') {
          reply('250 onestop-journeys');
        } else if (verb === 'MAIL') {
          envelope = { from: address(line), to: [] };
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          envelope.to.push(address(line));
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          data = [];
          reply('354 end with <CRLF>.<CRLF>');
        } else if (verb === 'RSET') {
          envelope = { from: '', to: [] };
          reply('250 2.0.0 ok');
        } else if (verb === 'NOOP') {
          reply('250 2.0.0 ok');
        } else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          socket.end();
        } else {
          reply('502 5.5.2 not implemented');
        }
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();

  return {
    port,
    messages,
    /** Mails to `recipient` (any case), oldest first. */
    to(recipient) {
      const r = recipient.toLowerCase();
      return messages.filter((m) => m.envelope.to.some((t) => t.toLowerCase() === r));
    },
    /**
     * Waits until a mail to `recipient` matching `predicate` (given the parsed message) has
     * arrived, and returns it. Fails with the mails that did arrive for that recipient.
     */
    async waitFor(recipient, predicate, { timeout = 15000, what = 'a mail' } = {}) {
      const deadline = Date.now() + timeout;
      for (;;) {
        const found = this.to(recipient).find(predicate);
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) {
          const got = this.to(recipient).map((m) => `  «${m.subject}»`).join('\n') || '  (none)';
          throw new Error(`no mail to ${recipient}: ${what} within ${timeout} ms; arrived:\n${got}`);
        }
        await new Promise((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, Math.min(left, 250));
          waiters.add(wake);
        });
      }
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

function address(line) {
  // The line was read as latin1 (bytes); an SMTPUTF8 address is UTF-8.
  const utf8 = Buffer.from(line, 'latin1').toString('utf8');
  const m = /<([^>]*)>/.exec(utf8);
  return (m ? m[1] : utf8.replace(/^[^:]*:/, '')).trim();
}

// ---- MIME ----

/** Parses a raw message: headers, decoded subject, and every text part decoded to a string. */
/**
 * Whether a mail's subject is `subject`: notices about an application carry its tracking number
 * in front, "[440306…] 已收到您的申请"; `number`, when given, must be that one.
 */
export function subjectIs(mail, subject, number) {
  if (number) return mail.subject === `[${number}] ${subject}`;
  return mail.subject === subject || /^\[[0-9X]+\] /.test(mail.subject) && mail.subject.replace(/^\[[0-9X]+\] /, '') === subject;
}

export function parseMessage(raw) {
  const { headers, body } = splitEntity(raw);
  const parts = [];
  collectParts(headers, body, parts);
  const text = parts.filter((p) => p.type === 'text/plain').map((p) => p.text).join('\n');
  const html = parts.filter((p) => p.type === 'text/html').map((p) => p.text).join('\n');
  return {
    raw: raw.toString('latin1'),
    headers,
    subject: decodeWords(headers.subject ?? ''),
    to: decodeWords(headers.to ?? ''),
    from: decodeWords(headers.from ?? ''),
    text,
    html,
  };
}

function splitEntity(buffer) {
  const s = buffer.toString('latin1');
  let at = s.indexOf('\r\n\r\n');
  let sep = 4;
  if (at < 0) {
    at = s.indexOf('\n\n');
    sep = 2;
  }
  const head = at < 0 ? s : s.slice(0, at);
  const body = at < 0 ? Buffer.alloc(0) : buffer.subarray(at + sep);
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, body };
}

function param(header, name) {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i').exec(header ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

function collectParts(headers, body, out) {
  const type = (headers['content-type'] ?? 'text/plain').split(';')[0].trim().toLowerCase();
  if (type.startsWith('multipart/')) {
    const boundary = param(headers['content-type'], 'boundary');
    if (!boundary) return;
    const s = body.toString('latin1');
    const pieces = s.split(`--${boundary}`);
    // pieces[0] is the preamble; the piece after the closing boundary starts with "--".
    for (const piece of pieces.slice(1)) {
      if (piece.startsWith('--')) break;
      const part = Buffer.from(piece.replace(/^\r?\n/, '').replace(/\r?\n$/, ''), 'latin1');
      const inner = splitEntity(part);
      collectParts(inner.headers, inner.body, out);
    }
    return;
  }
  const encoding = (headers['content-transfer-encoding'] ?? '7bit').trim().toLowerCase();
  const charset = (param(headers['content-type'], 'charset') ?? 'utf-8').toLowerCase();
  let bytes;
  if (encoding === 'base64') {
    bytes = Buffer.from(body.toString('latin1').replace(/\s+/g, ''), 'base64');
  } else if (encoding === 'quoted-printable') {
    bytes = decodeQuotedPrintable(body.toString('latin1'));
  } else {
    bytes = body;
  }
  out.push({ type, text: new TextDecoder(charset).decode(bytes) });
}

function decodeQuotedPrintable(s) {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(soft.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}

/** Decodes RFC 2047 encoded words (B and Q); whitespace between adjacent words is dropped. */
export function decodeWords(value) {
  const word = /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g;
  // Headers arrive as raw bytes (read as latin1): undecorated UTF-8 (SMTPUTF8) is decoded first.
  const utf8 = /[\u0080-\u00ff]/.test(value) ? Buffer.from(value, 'latin1').toString('utf8') : value;
  const joined = utf8.replace(/(\?=)\s+(?==\?)/g, '$1');
  const decoded = joined.replace(word, (_, charset, kind, text) => {
    const bytes =
      kind.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64')
        : decodeQuotedPrintable(text.replace(/_/g, ' '));
    return new TextDecoder(charset.toLowerCase()).decode(bytes);
  });
  return decoded;
}
