#include "core/output/write_out.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include <curl/curlver.h>

#include "core/base/ascii.hpp"
#include "core/input/url_source.hpp"
#include "core/output/json_record.hpp"
#include "core/output/output.hpp"

namespace greenfetch {

// Every variable curl 7.88 knows except stdout, stderr and onerror, in curl's alphabetical
// order, which is also the key order of its %{json}. Values in k_var_names below, same order.
enum class WriteOutVar : uint8_t {
  certs,  // always empty: no certificate chains are collected
  content_type,
  errormsg,
  exitcode,
  filename_effective,
  ftp_entry_path,  // always empty (null in JSON): no FTP
  header_json,
  http_code,
  http_connect,  // always 000: no CONNECT requests of our own
  http_version,
  json,
  local_ip,
  local_port,
  method,
  num_certs,  // always 0
  num_connects,
  num_headers,
  num_redirects,
  proxy_ssl_verify_result,  // always 0
  redirect_url,
  referer,
  remote_ip,
  remote_port,
  response_code,
  scheme,
  size_download,
  size_header,
  size_request,
  size_upload,
  speed_download,
  speed_upload,  // size_upload / time_total
  ssl_verify_result,
  time_appconnect,
  time_connect,
  time_namelookup,
  time_pretransfer,
  time_redirect,
  time_starttransfer,
  time_total,
  url,
  url_effective,
  urlnum,
};

namespace {

using Var = WriteOutVar;

constexpr std::array<std::string_view, 42> k_var_names = {
    "certs",
    "content_type",
    "errormsg",
    "exitcode",
    "filename_effective",
    "ftp_entry_path",
    "header_json",
    "http_code",
    "http_connect",
    "http_version",
    "json",
    "local_ip",
    "local_port",
    "method",
    "num_certs",
    "num_connects",
    "num_headers",
    "num_redirects",
    "proxy_ssl_verify_result",
    "redirect_url",
    "referer",
    "remote_ip",
    "remote_port",
    "response_code",
    "scheme",
    "size_download",
    "size_header",
    "size_request",
    "size_upload",
    "speed_download",
    "speed_upload",
    "ssl_verify_result",
    "time_appconnect",
    "time_connect",
    "time_namelookup",
    "time_pretransfer",
    "time_redirect",
    "time_starttransfer",
    "time_total",
    "url",
    "url_effective",
    "urlnum",
};
static_assert(static_cast<std::size_t>(Var::urlnum) + 1 == k_var_names.size());

// What %{json} gives as "curl_version" (curl: its libcurl's version string).
constexpr std::string_view k_curl_version =
    "greenfetch/" GREENFETCH_VERSION " libcurl/" LIBCURL_VERSION;

bool lookup_var(std::string_view name, Var& var) {
  for (std::size_t i = 0; i < k_var_names.size(); ++i) {
    if (iequals(name, k_var_names[i])) {
      var = static_cast<Var>(i);
      return true;
    }
  }
  return false;
}

template <typename Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

// A status code as curl prints it in text: at least three digits ("000" when none).
void append_code(std::string& out, long code) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, code);
  std::size_t n = static_cast<std::size_t>(res.ptr - buf);
  if (code >= 0 && n < 3) {
    out.append(3 - n, '0');
  }
  out.append(buf, n);
}

// Seconds with six decimals, like printf("%.6f") (the same in text and in JSON).
void append_seconds(std::string& out, double t) {
  if (!std::isfinite(t)) {
    t = 0;
  }
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, t, std::chars_format::fixed, 6);
  if (res.ec != std::errc()) {
    out.append("0.000000");
    return;
  }
  out.append(buf, res.ptr);
}

// Bytes per second as a whole number, as curl's *_T speeds are.
int64_t whole_speed(double v) {
  if (!std::isfinite(v) || v <= 0) {
    return 0;
  }
  if (v >= static_cast<double>(std::numeric_limits<int64_t>::max())) {
    return std::numeric_limits<int64_t>::max();
  }
  return static_cast<int64_t>(v);
}

enum class Mode : uint8_t { text, json };

// A string variable: raw bytes in text; in JSON a string, or null when empty and the variable
// is one curl gives as null when libcurl has no value (content_type, errormsg, ...).
void append_string(std::string& out, std::string_view s, Mode mode, bool null_when_empty) {
  if (mode == Mode::text) {
    out.append(s);
  } else if (s.empty() && null_when_empty) {
    out.append("null");
  } else {
    append_json_string(out, s);
  }
}

// %{header_json}: lower-cased names in order of first appearance, each with the array of the
// trimmed values of all headers of that name; entries separated by ",\n", closed by "\n}".
void append_header_json(std::string& out, const Response& r) {
  const auto& headers = r.headers;
  std::string lower;
  out.push_back('{');
  bool first = true;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    std::string_view name = headers[i].first;
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) {
      seen = iequals(headers[j].first, name);
    }
    if (seen) {
      continue;
    }
    if (!first) {
      out.append(",\n");
    }
    first = false;
    lower.assign(name);
    for (char& c : lower) {
      c = ascii_lower(c);
    }
    append_json_string(out, lower);
    out.append(":[");
    append_json_string(out, trim_header_value(headers[i].second));
    for (std::size_t k = i + 1; k < headers.size(); ++k) {
      if (iequals(headers[k].first, name)) {
        out.push_back(',');
        append_json_string(out, trim_header_value(headers[k].second));
      }
    }
    out.push_back(']');
  }
  out.append("\n}");
}

void append_var(std::string& out, const Response& r, Var var, Mode mode);

// %{json}: every variable but json and header_json, then "curl_version".
void append_json(std::string& out, const Response& r) {
  out.push_back('{');
  for (std::size_t i = 0; i < k_var_names.size(); ++i) {
    auto var = static_cast<Var>(i);
    if (var == Var::json || var == Var::header_json) {
      continue;
    }
    out.push_back('"');
    out.append(k_var_names[i]);
    out.append("\":");
    append_var(out, r, var, Mode::json);
    out.push_back(',');
  }
  out.append("\"curl_version\":");
  append_json_string(out, k_curl_version);
  out.push_back('}');
}

void append_var(std::string& out, const Response& r, Var var, Mode mode) {
  bool json = mode == Mode::json;
  switch (var) {
    case Var::certs:
      append_string(out, "", mode, false);
      break;
    case Var::content_type:
      append_string(out, r.content_type, mode, true);
      break;
    case Var::errormsg:
      append_string(out, r.error_message, mode, true);
      break;
    case Var::exitcode:
      append_int(out, r.curl_code);
      break;
    case Var::filename_effective:
      append_string(out, r.filename_effective, mode, true);
      break;
    case Var::ftp_entry_path:
      append_string(out, "", mode, true);
      break;
    case Var::header_json:
      append_header_json(out, r);
      break;
    case Var::http_code:
    case Var::response_code:
      if (json) {
        append_int(out, r.http_code);
      } else {
        append_code(out, r.http_code);
      }
      break;
    case Var::http_connect:
      if (json) {
        append_int(out, 0);
      } else {
        append_code(out, 0);
      }
      break;
    case Var::http_version:
      // libcurl's CURLINFO_HTTP_VERSION is 0 when no response came: curl prints "0".
      append_string(out, r.http_version.empty() ? std::string_view("0") : r.http_version, mode,
                    false);
      break;
    case Var::json:
      append_json(out, r);
      break;
    case Var::local_ip:
      append_string(out, r.local_ip, mode, false);
      break;
    case Var::local_port:
      append_int(out, r.local_port);
      break;
    case Var::method:
      append_string(out, r.method, mode, true);
      break;
    case Var::num_certs:
      append_int(out, 0);
      break;
    case Var::num_connects:
      append_int(out, r.num_connects);
      break;
    case Var::num_headers:
      append_int(out, r.headers.size());
      break;
    case Var::num_redirects:
      append_int(out, r.num_redirects);
      break;
    case Var::proxy_ssl_verify_result:
      append_int(out, 0);
      break;
    case Var::redirect_url:
      append_string(out, r.redirect_url, mode, true);
      break;
    case Var::referer:
      append_string(out, r.referer, mode, true);
      break;
    case Var::remote_ip:
      append_string(out, r.remote_ip, mode, false);
      break;
    case Var::remote_port:
      append_int(out, r.remote_port);
      break;
    case Var::scheme:
      append_string(out, r.scheme, mode, true);
      break;
    case Var::size_download:
      append_int(out, r.size_download);
      break;
    case Var::size_header:
      append_int(out, r.size_header);
      break;
    case Var::size_request:
      append_int(out, r.size_request);
      break;
    case Var::size_upload:
      append_int(out, r.size_upload);
      break;
    case Var::speed_download:
      append_int(out, whole_speed(r.speed_download));
      break;
    case Var::speed_upload:
      append_int(out, r.time.total > 0
                          ? whole_speed(static_cast<double>(r.size_upload) / r.time.total)
                          : int64_t{0});
      break;
    case Var::ssl_verify_result:
      append_int(out, r.ssl_verify_result);
      break;
    case Var::time_appconnect:
      append_seconds(out, r.time.appconnect);
      break;
    case Var::time_connect:
      append_seconds(out, r.time.connect);
      break;
    case Var::time_namelookup:
      append_seconds(out, r.time.namelookup);
      break;
    case Var::time_pretransfer:
      append_seconds(out, r.time.pretransfer);
      break;
    case Var::time_redirect:
      append_seconds(out, r.time.redirect);
      break;
    case Var::time_starttransfer:
      append_seconds(out, r.time.starttransfer);
      break;
    case Var::time_total:
      append_seconds(out, r.time.total);
      break;
    case Var::url:
      append_string(out, r.url, mode, false);
      break;
    case Var::url_effective:
      append_string(out, r.effective_url, mode, false);
      break;
    case Var::urlnum:
      append_int(out, r.urlnum);
      break;
  }
}

// The format in an @FILE, as curl reads it: line by line, each line cut at its first CR or
// NUL byte, line feeds dropped.
std::string read_format_file(std::string_view name) {
  bool from_stdin = name == "-";
  std::string path(name);
  std::FILE* f = from_stdin ? stdin : std::fopen(path.c_str(), "rb");
  auto fail = [&path, from_stdin](int err) {
    return std::invalid_argument("cannot read the --write-out format from " +
                                 (from_stdin ? std::string("standard input") : "'" + path + "'") +
                                 ": " + std::strerror(err));
  };
  if (f == nullptr) {
    throw fail(errno);
  }
  std::string data;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
    data.append(buf, n);
  }
  int err = errno;
  bool failed = std::ferror(f) != 0;
  if (from_stdin) {
    std::clearerr(f);
  } else {
    std::fclose(f);
  }
  if (failed) {
    throw fail(err);
  }

  std::string format;
  std::string_view rest = data;
  constexpr std::string_view k_line_cut("\r\0", 2);
  while (!rest.empty()) {
    std::size_t eol = rest.find('\n');
    std::string_view line = rest.substr(0, eol);
    format.append(line.substr(0, line.find_first_of(k_line_cut)));
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
  }
  return format;
}

}  // namespace

void WriteOut::add_literal(std::string_view text) {
  if (text.empty()) {
    return;
  }
  if (!m_pieces.empty() && m_pieces.back().kind == Kind::literal) {
    m_pieces.back().text.append(text);
  } else {
    m_pieces.push_back(Piece{Kind::literal, Var::certs, std::string(text)});
  }
  m_reserve += text.size();
}

WriteOut WriteOut::parse(std::string_view format) {
  std::string from_file;
  if (!format.empty() && format.front() == '@') {
    from_file = read_format_file(format.substr(1));
    format = from_file;
  }

  WriteOut w;
  constexpr std::string_view k_header_open = "header{";
  std::size_t i = 0;
  std::size_t literal_start = 0;  // the pending run of plain text is format[literal_start, i)
  auto flush = [&] { w.add_literal(format.substr(literal_start, i - literal_start)); };
  while (i < format.size()) {
    char c = format[i];
    if (c != '%' && c != '\\') {
      ++i;
      continue;
    }
    if (i + 1 == format.size()) {
      ++i;  // a lone '%' or '\' at the end is printed as is
      continue;
    }
    char next = format[i + 1];
    if (c == '\\') {
      char escaped = next == 'n' ? '\n' : next == 'r' ? '\r' : next == 't' ? '\t' : '\0';
      if (escaped == '\0') {
        i += 2;  // "\x": both characters as they are (so "\\" too)
        continue;
      }
      flush();
      w.add_literal(std::string_view(&escaped, 1));
      i += 2;
      literal_start = i;
      continue;
    }
    if (next == '%') {
      ++i;  // keep one '%' in the pending text, drop the other
      flush();
      ++i;
      literal_start = i;
      continue;
    }
    bool header = format.substr(i + 1).starts_with(k_header_open);
    if (next != '{' && !header) {
      i += 2;  // "%x": both characters as they are
      continue;
    }
    std::size_t open = i + (header ? 1 + k_header_open.size() : 2);
    std::size_t close = format.find('}', open);
    if (close == std::string_view::npos) {
      i = open;  // no closing brace: "%{" or "%header{" as is, then go on with the rest
      continue;
    }
    flush();
    std::string_view name = format.substr(open, close - open);
    if (header) {
      w.m_pieces.push_back(Piece{Kind::header, Var::certs, std::string(name)});
      w.m_reserve += 64;
    } else if (Var var = Var::certs; lookup_var(name, var)) {
      w.m_pieces.push_back(Piece{Kind::variable, var, {}});
      w.m_reserve += var == Var::json ? 1024 : var == Var::header_json ? 512 : 32;
    } else if (std::find(w.m_unknown.begin(), w.m_unknown.end(), name) == w.m_unknown.end()) {
      w.m_unknown.emplace_back(name);
    }
    i = close + 1;
    literal_start = i;
  }
  flush();
  return w;
}

void WriteOut::render_to(std::string& out, const Response& r) const {
  for (const Piece& p : m_pieces) {
    switch (p.kind) {
      case Kind::literal:
        out.append(p.text);
        break;
      case Kind::variable:
        append_var(out, r, p.var, Mode::text);
        break;
      case Kind::header:
        // The first header of that name, as curl's %header{} gives it.
        for (const auto& [name, value] : r.headers) {
          if (iequals(name, p.text)) {
            out.append(trim_header_value(value));
            break;
          }
        }
        break;
    }
  }
}

std::string WriteOut::render(const Response& r) const {
  std::string out;
  out.reserve(m_reserve);
  render_to(out, r);
  return out;
}

WriteOut WriteOut::from_option(std::string_view format, int warn_fd) {
  WriteOut w;
  try {
    w = parse(format);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  for (const std::string& name : w.unknown_variables()) {
    write_all(warn_fd, "greenfetch: warning: unknown --write-out variable: '" + name + "'\n");
  }
  return w;
}

}  // namespace greenfetch
