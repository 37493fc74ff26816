// The href corpus for test_url_corpus.py, with the answers of whatwg-url (the URL Standard's
// reference implementation): hand-picked cases from the Standard's text and issue 13, then
// generated mutations of them (a fixed seed, so every run sees the same few thousand cases).
//
// Output: one JSON array per line, [input, base, expected], base null for an absolute URL;
// expected is {"status": "ok", "href": ...} for an http(s) URL, {"status": "failure"}, or
// {"status": "other", "protocol": ...} for a URL of another scheme.
import whatwgUrl from "whatwg-url";

const { URL } = whatwgUrl;

const BASES = [
  "http://example.org/foo/bar",
  "https://example.com/a/b/c?q=1#frag",
  "http://user:pass@example.net:8080/dir/",
  "https://[::1]/x/y",
  "http://192.168.0.1/",
];

// [input, base index or null]
const HAND_PICKED = [
  // Issue 13, one by one.
  ["http://%41.com/", null], ["http://%25", null], ["http://[::%31]", null],
  ["\\x", 0], ["http:foo.com", 0], ["https:example.com/", 0], ["https:example.com/", 1],
  ["http://0xc0.0250.01", null], ["http://192.168.257.", null], ["http://999999999.", null],
  ["http://256.256.256.256", null], ["http://1.2.3.4.5", null], ["http://a|b/", null],
  ["http://a\x7fb/", null], ["http://\u00ad/", null], ["http://a\u00adb/", null],
  ["http:/example.com/", 0], ["http:/example.com/", null], ["http://[::127.0.0.1]", null],
  ["http://bücher.example/", null], ["http://BÜCHER.example/", null],
  // Scheme and slashes.
  ["https:example.org", null], ["https://////example.com///", null], ["HTTP://EXAMPLE.COM", null],
  ["http:\\\\example.com\\a\\b", null], ["http:\\\\x", 0], ["http:/\\x", 0], ["//x/y", 0],
  ["\\\\x\\y", 0], ["/\\x", 0], ["\\/x", 1], ["http:", 0], ["https:", 0], ["http:", null],
  ["http://", null], ["http:///", null], ["http:?x", 0], ["http:#x", 0], ["http:?x", null],
  ["hello:world", 0], ["mailto:a@example.com", 0], ["javascript:alert(1)", 0],
  ["java\nscript:alert(1)", 0], ["ftp://example.com/", 0], ["file:///etc/passwd", 0],
  ["data:text/html,hi", 0], ["ws://example.com/", 0], ["h\ttp://example.com/", null],
  ["1http://example.com/", 0], ["http+x://example.com/", 0], ["example", null], ["example", 0],
  // Paths, dot segments.
  ["\\example\\..\\demo/.\\", 0], ["https://example.com/././foo", null],
  ["https://example.com/%2e%2E/x", null], ["/a/b/../../..", 0], ["..", 0], [".", 0], ["./", 0],
  ["../", 1], ["../../../../x", 1], ["a/./b/../c", 1], ["/.%2e/x", 0], ["/%2e./x", 0],
  ["/.../x", 0], ["/..x/", 0], ["/x/..", 0], ["/x/.", 0], ["/x/%2E", 0], ["/x/%2e%2e?q", 0],
  ["https://example.org//", null], ["https://example.com/[]?[]#[]", null],
  ["https://example/%?%#%", null], ["https://example/%25?%25#%25", null],
  ["/a b/c\"d<e>f`g{h}i|j^k'l", 0], ["?a b\"c<d>e`f{g}h|i^j'k", 0], ["#a b\"c<d>e`f{g}", 0],
  ["/ü/€/😀", 0], ["?ü=€", 0], ["#ü", 0], ["/%7e%7E%41%2f%2F%c3%bc", 0], ["?%7e=%2f&%41", 0],
  ["", 0], ["", 1], ["?", 1], ["#", 1], ["?#", 1], ["??", 0], ["##", 0], ["?q", 1], ["#f", 1],
  ["\t\n  /a\tb\nc\r  ", 0], ["\x00\x01 http://example.com/ \x1f", null], ["/\x00\x01\x7f", 0],
  ["  ", 0], ["/tab\there", 0], ["http://example.com/a\\b\\..\\c", null],
  // Credentials.
  ["http://user@example.com/", null], ["http://user:@example.com/", null],
  ["http://:pass@example.com/", null], ["http://@example.com/", null], ["http://@/", null],
  ["http://a:b@c@d/", null], ["http://a@b:c@d:80/", null], ["http://us er:pa ss@example.com/", null],
  ["http://u;=[]^|@example.com/", null], ["http://user@/x", null], ["//user:pw@other/x", 2],
  ["http://ü:€@example.com/", null], ["http://a%40b:c%3Ad@example.com/", null],
  // Ports.
  ["http://example.com:80/", null], ["https://example.com:443/", null], ["https://example.com:80/", null],
  ["http://example.com:0080/", null], ["http://example.com:/", null], ["http://example.com:65535/", null],
  ["http://example.com:65536/", null], ["http://example.com:demo/", null], ["http://example.com:8 0/", null],
  ["http://example.com:00000000000000000000080/", null], ["http://example.com:-1/", null],
  ["http://example.com::80/", null], ["http://:80/", null], ["http://[::1]:8080/", null],
  ["http://[::1]:/", null], ["http://[::1]x/", null], ["http://example.com:80\\x", null],
  // IPv4 forms.
  ["http://0x7F.1", null], ["http://0x7f000001/", null], ["http://2130706433/", null],
  ["http://017700000001/", null], ["http://0x100000000/", null], ["http://4294967295/", null],
  ["http://4294967296/", null], ["http://1.2.3.09/", null], ["http://foo.09/", null],
  ["http://foo.0x4/", null], ["http://foo.0x/", null], ["http://0x/", null], ["http://0/", null],
  ["http://0x.0x.0/", null], ["http://1.2.3.4./", null], ["http://1.2.3.4../", null],
  ["http://1..2/", null], ["http://.1/", null], ["http://1.2.3/", null], ["http://1.2/", null],
  ["http://1.256/", null], ["http://1.65536/", null], ["http://1.2.65536/", null],
  ["http://1.2.3.256/", null], ["http://example.1/", null], ["http://example.1a/", null],
  ["http://1a.example/", null], ["http://00000000000000000001/", null], ["http://0xffffffff/", null],
  ["http://0XFFFFFFFF/", null], ["http://09/", null], ["http://08.1/", null], ["http://0x1g/", null],
  ["http://%30%78%37%66.1/", null], ["http://１２７.０.０.１/", null], ["http://127.0.0.1%2e/", null],
  ["http://99999999999999999999999999999999/", null], ["http://1.2.3.4.5./", null],
  // IPv6.
  ["http://[::1]/", null], ["http://[::]/", null], ["http://[1:2:3:4:5:6:7:8]/", null],
  ["http://[1:2:3:4:5:6:7:8:9]/", null], ["http://[1:0:0:2:0:0:0:3]/", null],
  ["http://[1:0:0:0:2:0:0:3]/", null], ["http://[0:0:1:0:0:0:0:0]/", null],
  ["http://[1::2::3]/", null], ["http://[:1]/", null], ["http://[1:]/", null],
  ["http://[::ffff:192.168.0.1]/", null], ["http://[::ffff:1.2.3]/", null],
  ["http://[::1.2.3.4.5]/", null], ["http://[::01.2.3.4]/", null], ["http://[::1.2.3.256]/", null],
  ["http://[1:2:3:4:5:6:1.2.3.4]/", null], ["http://[1:2:3:4:5:6:7:1.2.3.4]/", null],
  ["http://[::A:B:C]/", null], ["http://[00001::]/", null], ["http://[0001::]/", null],
  ["http://[::1%25eth0]/", null], ["http://[fe80::1%eth0]/", null], ["http://[www.example.com]/", null],
  ["http://[::1/", null], ["http://::1]/", null], ["http://[::1]]/", null], ["http://[[::1]]/", null],
  ["http://[]/", null], ["http://[ ::1]/", null], ["http://[::1.]/", null], ["http://[1.2.3.4]/", null],
  // Domains, IDNA, forbidden code points.
  ["https://ex ample.org/", null], ["http://exa%20mple.org/", null], ["http://a<b/", null],
  ["http://a>b/", null], ["http://a^b/", null], ["http://a%5Eb/", null], ["http://a%7Cb/", null],
  ["http://a%00b/", null], ["http://a%7Fb/", null], ["http://a%2Fb/", null], ["http://a%3Fb/", null],
  ["http://a%23b/", null], ["http://a%40b/", null], ["http://a%5Bb/", null], ["http://a%25b/", null],
  ["http://a_b/", null], ["http://a*b/", null], ["http://a&b/", null], ["http://a!b$c'd(e)f+g,h;i=j/", null],
  ["http://a~b/", null], ["http://a\"b/", null], ["http://a{b}/", null], ["http://a`b/", null],
  ["http://%zz/", null], ["http://%/", null], ["http://%c3%bc/", null], ["http://%ff/", null],
  ["http://%ef%bb%bfa/", null], ["http://\u2603.net/", null], ["http://xn--n3h.net/", null],
  ["http://xn--a.com/", null], ["http://xn--/", null], ["http://XN--BCHER-KVA.example/", null],
  ["http://xn--bcher-kva.example/", null], ["http://a..b/", null], ["http://.example.com/", null],
  ["http://example.com./", null], ["http://example.com../", null], ["http://-x.example/", null],
  ["http://x-.example/", null], ["http://ab--cd.example/", null], ["http://a\u200db/", null],
  ["http://a\u200cb/", null], ["http://\u0627\u0644\u0639\u0631\u0628\u064a\u0629.example/", null],
  ["http://a\u0627.example/", null], ["http://ＥＸＡＭＰＬＥ.com/", null], ["http://ß.example/", null],
  ["http://faß.de/", null], ["http://ς.example/", null], ["http://\u00e9.example/", null],
  ["http://e\u0301.example/", null], ["http://\ufeffexample.com/", null], ["http://a\u3002b/", null],
  ["http://a\uff0eb/", null], ["http://a\uff61b/", null], ["http://\u00ad\u00ad.example/", null],
  ["http://\ufffd/", null], ["http://a\u2028b/", null], ["http://\u0000/", null],
  ["http://" + "a".repeat(70) + ".example/", null], ["http://" + "ü".repeat(70) + ".example/", null],
  ["http://example.com\\path", null], ["http://example.com?q", null], ["http://example.com#f", null],
  ["http://example.com:80?q", null], ["//example.com", 1], ["//EXAMPLE.com:443/x", 1],
  ["//%41.com/", 0], ["//0x7f.1/", 0], ["//[::127.0.0.1]/", 0], ["//bücher.example/", 0],
];

// mulberry32: a tiny seeded generator, so the corpus is the same on every run.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PALETTE = [
  "/", "\\", "?", "#", "@", ":", "[", "]", "%", ".", "..", " ", "\t", "\n", "\x00", "\x7f",
  "0", "1", "9", "x", "0x", "A", "z", "-", "_", "~", "|", "^", "<", ">", "\"", "'", "`", "{",
  "}", "ü", "€", "😀", "\u00ad", "\u200d", "\u2603", "%2e", "%2E", "%41", "%25", "%00", "%zz",
  "%c3%bc", "::", "255", "256", "0xff", "xn--", "http:", "https:", "//", "\u3002", "ß",
];

function mutate(s, random) {
  const pick = (arr) => arr[Math.floor(random() * arr.length)];
  const cps = Array.from(s);
  const ops = 1 + Math.floor(random() * 3);
  for (let k = 0; k < ops; ++k) {
    const at = Math.floor(random() * (cps.length + 1));
    switch (Math.floor(random() * 5)) {
      case 0:  // insert
        cps.splice(at, 0, pick(PALETTE));
        break;
      case 1:  // delete
        cps.splice(at, 1);
        break;
      case 2:  // replace
        cps.splice(at, 1, pick(PALETTE));
        break;
      case 3: {  // percent-encode one ASCII character
        const c = cps[at];
        if (c !== undefined && c.length === 1 && c.charCodeAt(0) < 0x80) {
          cps[at] = "%" + c.charCodeAt(0).toString(16).padStart(2, "0");
        }
        break;
      }
      default:  // swap case of one character
        if (cps[at] !== undefined) {
          const c = cps[at];
          cps[at] = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
        }
    }
  }
  return cps.join("");
}

function expected(input, base) {
  let url;
  try {
    url = base === null ? new URL(input) : new URL(input, base);
  } catch {
    return { status: "failure" };
  }
  if (url.protocol === "http:" || url.protocol === "https:") {
    return { status: "ok", href: url.href };
  }
  return { status: "other", protocol: url.protocol };
}

const MUTATIONS = 3000;
const random = rng(13);
const cases = HAND_PICKED.map(([input, b]) => [input, b === null ? null : BASES[b]]);
for (const [input, b] of HAND_PICKED) {
  // Every hand-picked case also against every base.
  for (const base of BASES) {
    if (b !== null || !input.startsWith("http")) {
      cases.push([input, base]);
    }
  }
}
for (let i = 0; i < MUTATIONS; ++i) {
  const [input, b] = HAND_PICKED[Math.floor(random() * HAND_PICKED.length)];
  const base = random() < 0.3 ? null : BASES[b === null ? Math.floor(random() * BASES.length) : b];
  cases.push([mutate(input, random), base]);
}
const lines = cases.map(([input, base]) => JSON.stringify([input, base, expected(input, base)]));
process.stdout.write(lines.join("\n") + "\n");
