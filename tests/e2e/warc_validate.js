#!/usr/bin/env node
// Checks a .warc.gz written by greenfetch with an independent reader, the npm package warcio
// (webrecorder's warcio.js). Setup: npm install --prefix tests/e2e
//
// Usage: node tests/e2e/warc_validate.js FILE.warc.gz
//
// Prints one JSON line per record: offset and length of its gzip member, type, record ID,
// target URI, HTTP status line and code, payload length, the SHA-1 of the payload computed
// here (sha1: + base32), the WARC-Payload-Digest the record declares, and whether the
// declared payload and block digests match what was computed. warcio reads the file twice:
// once parsing HTTP (the payload is what follows the HTTP head), once not (the whole block,
// for WARC-Block-Digest). Node's own zlib first checks that every gzip member is complete,
// since warcio stops quietly at a truncated one.
//
// Exit status: 0 when the file is intact, every record parsed and every declared digest
// matched; 1 when something did not check out (each problem is printed on stderr); 2 when
// warcio failed to parse the file or the arguments are wrong.
import { createHash } from "node:crypto";
import { createReadStream, statSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import { Writable } from "node:stream";
import { createGunzip } from "node:zlib";

import { WARCParser } from "warcio";

const k_base32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// RFC 4648 base32 with padding.
function base32(bytes) {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += k_base32[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) {
    out += k_base32[(buffer << (5 - bits)) & 31];
  }
  while (out.length % 8 !== 0) {
    out += "=";
  }
  return out;
}

function sha1(bytes) {
  return "sha1:" + base32(createHash("sha1").update(bytes).digest());
}

// warcio reports framing problems ("Content-Length Too Small") with console.warn.
const warnings = [];
console.warn = (...args) => warnings.push(args.join(" "));

// Inflates all gzip members (multi-member aware); throws on a truncated or corrupt one.
async function checkGzip(path) {
  const sink = new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
  await pipeline(createReadStream(path), createGunzip(), sink);
}

async function readRecords(path, parseHttp) {
  const parser = new WARCParser(createReadStream(path), { parseHttp });
  const records = [];
  for await (const record of parser) {
    const body = await record.readFully(false);  // raw: no de-chunking, no decompression
    records.push({
      offset: parser.offset,
      version: record.warcHeaders.statusline,
      type: record.warcType ?? null,
      record_id: record.warcHeader("WARC-Record-ID") ?? null,
      target_uri: record.warcTargetURI ?? null,
      content_length: Number(record.warcHeader("Content-Length")),
      http_line: record.httpHeaders ? record.httpHeaders.statusline : null,
      http_status: record.httpHeaders ? (record.httpHeaders.statusCode ?? null) : null,
      payload_digest: record.warcHeader("WARC-Payload-Digest") ?? null,
      block_digest: record.warcHeader("WARC-Block-Digest") ?? null,
      body,
    });
  }
  return records;
}

async function main() {
  const path = process.argv[2];
  if (!path || process.argv.length !== 3) {
    console.error("usage: warc_validate.js FILE.warc.gz");
    return 2;
  }
  const problems = [];
  try {
    await checkGzip(path);
  } catch (err) {
    problems.push(`gzip check failed: ${err.message}`);
  }
  let withHttp;
  let blocks;
  try {
    withHttp = await readRecords(path, true);
    blocks = await readRecords(path, false);
  } catch (err) {
    console.error(`warc_validate: cannot parse ${path}: ${err && err.stack ? err.stack : err}`);
    return 2;
  }
  if (withHttp.length === 0) {
    problems.push("no records");
  }
  if (withHttp.length !== blocks.length) {
    problems.push(`${withHttp.length} records with HTTP parsing, ${blocks.length} without`);
  }
  const fileSize = statSync(path).size;
  for (let i = 0; i < withHttp.length; ++i) {
    const r = withHttp[i];
    const b = blocks[i] ?? { body: new Uint8Array() };
    const payloadSha1 = sha1(r.body);
    const line = {
      offset: r.offset,
      length: (i + 1 < withHttp.length ? withHttp[i + 1].offset : fileSize) - r.offset,
      type: r.type,
      record_id: r.record_id,
      target_uri: r.target_uri,
      http_line: r.http_line,
      http_status: r.http_status,
      payload_length: r.body.length,
      payload_sha1: payloadSha1,
      payload_digest: r.payload_digest,
      payload_digest_ok: r.payload_digest === null ? null : r.payload_digest === payloadSha1,
      block_length: b.body.length,
      block_digest_ok: r.block_digest === null ? null : r.block_digest === sha1(b.body),
    };
    console.log(JSON.stringify(line));
    const where = `record ${i} at offset ${r.offset}`;
    if (!/^WARC\/1\.[01]$/.test(r.version ?? "")) {
      problems.push(`${where}: not a WARC record (first line ${JSON.stringify(r.version)})`);
    }
    if (r.type === null || r.record_id === null) {
      problems.push(`${where}: no WARC-Type or WARC-Record-ID`);
    }
    if (b.body.length !== r.content_length) {
      problems.push(`${where}: block is ${b.body.length} bytes, Content-Length ${r.content_length}`);
    }
    if (line.payload_digest_ok === false) {
      problems.push(`${where}: WARC-Payload-Digest ${r.payload_digest}, computed ${payloadSha1}`);
    }
    if (line.block_digest_ok === false) {
      problems.push(`${where}: WARC-Block-Digest does not match the block`);
    }
  }
  for (const w of warnings) {
    problems.push(`warcio warned: ${w}`);
  }
  for (const p of problems) {
    console.error(`warc_validate: ${path}: ${p}`);
  }
  return problems.length > 0 ? 1 : 0;
}

process.exitCode = await main();
