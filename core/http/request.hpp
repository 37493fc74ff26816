// What to fetch and how: one plain struct per concern, default values as documented in --help.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <curl/curl.h>


namespace greenfetch {

struct NormalizeOptions;  // core/url/normalize.hpp (internal: not part of the installed API)

// When and how often a failed request is tried again (--retry, --retry-on, ...).
struct RetryOptions {
  int attempts = 0;                             // --retry N: retries after the first try
  bool on_connect = true;                       // connection refused or unreachable
  bool on_reset = true;                         // connection broken mid-transfer
  bool on_timeout = true;                       // --max-time or --connect-timeout elapsed
  bool on_dns = false;                          // name did not resolve (or DNS timed out)
  bool on_429 = true;                           // 429 Too Many Requests
  bool on_5xx = true;                           // any status 500-599
  std::vector<long> statuses;                   // more statuses to retry (--retry-on 404,...)
  std::chrono::milliseconds delay{1000};        // --retry-delay: backoff base, doubled per retry
  std::chrono::milliseconds max_delay{60'000};  // a single backoff never exceeds this
  std::chrono::milliseconds max_time{0};        // --retry-max-time: no retry after this; 0: none
};

// One -F part: name=value, name=@file (a file upload), name=<file (the file's text as the
// value), with curl's ;type= and ;filename= parameters.
struct FormPart {
  std::string name;
  std::string value;           // the value, or the file's path for file and file_contents
  bool file = false;           // @file: sent as a file (with its name)
  bool file_contents = false;  // <file: the file's bytes as the value
  std::string type;            // ;type=
  std::string filename;        // ;filename= (for @file: default the file's name)
};

// Options shared by every request of a run (fetch, bench and crawl modes).
struct RequestOptions {
  std::string method;                // empty: GET (HEAD with head = true, POST with data)
  std::vector<std::string> headers;  // "Name: value"; "Name:" removes a default header
  std::string user_agent = "greenfetch/" GREENFETCH_VERSION;
  bool head = false;                             // -I: HEAD request, headers only
  bool follow_redirects = true;                  // --no-location turns it off
  int max_redirects = 10;                        // --max-redirs
  bool compressed = true;                        // Accept-Encoding; bodies decoded (ours)
  std::chrono::milliseconds max_time{0};         // 0: no limit (per URL, redirects included)
  std::chrono::milliseconds connect_timeout{0};  // 0: libcurl's default (300 s)
  int64_t max_filesize = 0;                      // 0: no limit
  bool insecure = false;                         // -k
  long ip_resolve = 0;                           // 0 any, 4 or 6 (-4 / -6)
  bool fail = false;                             // -f/--fail: status >= 400 is an error
  bool fail_with_body = false;                   // --fail-with-body: --fail, body kept
  bool dump_headers = false;                     // -D: every head in Response::header_dump
  std::string proxy;                             // -x URL; empty: from the environment, once
  std::string noproxy;                           // --noproxy LIST; empty: from NO_PROXY
  bool proxy_from_env = true;                    // read http_proxy, HTTPS_PROXY, ALL_PROXY
  std::string data;                              // -d / --data-binary body (all requests)
  bool has_data = false;                         // a body was given (even an empty one)
  std::string user;                              // -u USER:PASSWORD (not sent to other hosts)
  bool location_trusted = false;                 // --location-trusted: secrets to every hop
  std::vector<std::string> cookies;              // -b: "name=value; ..." or a cookie file
  std::string cookie_jar;                        // --cookie-jar FILE, written at the end
  long http_version = 0;                         // 0: HTTP/2 over TLS by ALPN, else 1.1; 11 or 2
  std::string cacert;                            // --cacert FILE
  std::string capath;                            // --capath DIR
  std::string cert;                              // -E CERT[:PASSWORD]
  std::string key;                               // --key FILE
  std::vector<std::string> resolve;              // --resolve HOST:PORT:ADDR[,ADDR]...
  std::vector<std::string> connect_to;           // --connect-to HOST1:PORT1:HOST2:PORT2
  bool forbid_reuse = false;                     // a new connection for every request
  bool coalesce = true;  // http:// names with one and the same address share connections
  RetryOptions retry;
  // --speed-limit/--speed-time as curl: a transfer slower than speed_limit bytes per second
  // for speed_time ends as a timeout. The default is a batch's read timeout (wget2 reads
  // with 900 s): a server silent for 15 minutes, before or after its headers, ends the URL.
  int64_t speed_limit = 1;
  std::chrono::milliseconds speed_time{900'000};
  double rate = 0;             // --rate: requests started per second; 0: no cap
  std::string referer;         // -e URL: Referer header; empty: none
  bool auto_referer = false;   // -e ';auto': a redirect sends the previous URL
  bool get_query = false;      // -G: the data goes in the URL's query, with a GET
  bool upload = false;         // -T FILE: PUT upload_data (the URL gets the name if it ends in /)
  std::string upload_data;     // -T: the file's bytes
  std::string upload_name;     // -T: the file's name without its folders
  std::vector<FormPart> form;  // -F parts, in order: a multipart/form-data POST
  int64_t max_recv_speed = 0;  // --limit-rate bytes/s per transfer; 0: no limit
  std::string proxy_user;      // --proxy-user USER:PASSWORD
  long netrc = CURL_NETRC_IGNORED;  // --netrc / --netrc-file: CURL_NETRC_REQUIRED
  std::string netrc_file;           // --netrc-file FILE
  bool verbose = false;             // -v: libcurl's verbose lines on stderr, per transfer
  // How a redirect's target is written before it is fetched (see resolve_location): unset,
  // as fetch mode writes its input URLs; set (crawl), in the normal form with these options,
  // as links are. Either way the Location value is resolved by the URL Standard's parser.
  // Shared, not held by value, so that this public header does not include the URL code.
  std::shared_ptr<const NormalizeOptions> redirect_normalize;
};

struct Response;

// Receives a body chunk by chunk as it arrives, instead of Response::body (a streaming
// parser, or a sink that discards). `so_far` has the response's status line headers already
// (Response::headers). It runs inside libcurl's write callback: it must not call libcurl nor
// switch fibers. Returning false aborts the transfer (Error::output).
using BodySink = std::function<bool(const Response& so_far, std::string_view chunk)>;

// A streaming consumer of a body that may push back: the fetch mode's outputs (stdout, files).
// write() runs inside libcurl's write callback: it must not call libcurl nor switch fibers.
// `pause` makes libcurl pause the transfer and deliver the same chunk again later: the writer
// must then arrange, from the reactor and never from a libcurl callback, a call to
// HttpClient::resume(request). Bodies of redirect hops that are followed never reach it; with
// --fail, neither does the body of a status >= 400 (--fail-with-body keeps it).
class BodyWriter {
 public:
  enum class Result { written, pause, failed };
  virtual ~BodyWriter() = default;
  // A hop or a retry starts over: what was written for the previous one is to be dropped.
  virtual void restart() {}
  virtual Result write(const Response& so_far, std::string_view chunk) = 0;
  // Why write() returned failed (with the path), for Response::error_message.
  virtual std::string error_message() const { return "cannot write the body"; }
};

// One request: the URL and where it came from.
struct Request {
  std::string url;
  uint64_t line = 0;      // line number in the input (0 for a command-line argument)
  std::string data;       // this request's own body (bench targets); overrides the options' one
  bool has_data = false;  // data is set (even empty): a POST unless a method is given
  const BodySink* on_body = nullptr;  // stream the body here instead of into Response::body
  // Or here, with backpressure. Neither: the body is collected whole into Response::body (the
  // library's default, as samples/grequests.cpp uses it), bounded by options' max_filesize.
  BodyWriter* writer = nullptr;
  std::string method;                       // this request's own method; empty: the options' one
  const curl_slist* header_list = nullptr;  // replaces the -H headers for this request
  bool lean = false;  // bench: skip what it never reads (headers, URLs and addresses as text)
  bool capture_heads = false;  // fill Response::request_head and header_text (for WARC)
  std::string label;           // -v: what this request's verbose lines start with
};

}  // namespace greenfetch
