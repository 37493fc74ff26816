// -w/--write-out: curl's format language, compiled once and rendered per result.
//
// Variables: every one curl 7.88 documents except stdout, stderr and onerror (those are not
// supported, so they are reported as unknown): certs, content_type, errormsg, exitcode,
// filename_effective, ftp_entry_path, header_json, http_code, http_connect, http_version, json,
// local_ip, local_port, method, num_certs, num_connects, num_headers, num_redirects,
// proxy_ssl_verify_result, redirect_url, referer, remote_ip, remote_port, response_code, scheme,
// size_download, size_header, size_request, size_upload, speed_download, speed_upload,
// ssl_verify_result, time_appconnect, time_connect, time_namelookup, time_pretransfer,
// time_redirect, time_starttransfer, time_total, url, url_effective, urlnum. certs and
// ftp_entry_path are always empty, num_certs, http_connect and proxy_ssl_verify_result always 0.
//
// The rest of the format is handled as curl 7.88 does (checked against its behaviour, not
// only its manual):
//  - variable names are case-insensitive; an unknown one prints nothing (the caller warns);
//  - %% prints "%", and \n, \r, \t a line feed, a carriage return, a tab;
//  - "%" followed by anything but "%", "{" or "header{" prints both characters as they are,
//    and so does "\" followed by anything but n, r or t: "\\" gives two backslashes (curl
//    7.88 has no backslash escape), "\%{x}" gives "\%{x}"; a lone "%" or "\" at the end stays;
//  - "%{" or "%header{" without a closing "}" is printed as is, and the rest of the format is
//    still interpreted;
//  - %header{Name} is the first header of that name in the last response, trimmed of
//    surrounding whitespace; the name is matched case-insensitively and is not trimmed;
//  - times have six decimals (0.012345), speeds and sizes are whole numbers, http_code and
//    response_code have three digits (000 when no response came), http_version is "0" then;
//  - %{json} has the keys of curl 7.88 in its (alphabetical) order, then "curl_version";
//    strings libcurl may lack (content_type, errormsg, filename_effective, ftp_entry_path,
//    method, redirect_url, referer, scheme) are null when empty;
//  - a format read from a file (@FILE, or @- for stdin) loses its line breaks: each line is
//    cut at its first CR or NUL byte and the lines are joined.
// Deliberate differences from curl 7.88: %{json} and %{header_json} escape control characters
// as \u00XX and replace ill-formed UTF-8 with U+FFFD, so they are always valid JSON (curl 7.88
// writes "u0001" without the backslash, and mangles non-ASCII bytes); an unreadable @FILE is
// an error instead of an empty format; unknown variables are listed once each, at parse time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/http/response.hpp"

namespace greenfetch {

// The variable ids; the list, with what each one prints, is in write_out.cpp.
enum class WriteOutVar : uint8_t;

class WriteOut {
 public:
  // Parses a format once. A format starting with '@' is read from that file ("@-": stdin).
  // Throws std::invalid_argument with a clear message for a file that can't be read.
  static WriteOut parse(std::string_view format);
  // The -w option of fetch and crawl modes: parse(format), where a bad format is a
  // UsageError and each unknown variable a warning line on warn_fd, as curl does.
  static WriteOut from_option(std::string_view format, int warn_fd);

  // Renders the format for one result, as curl 7.88 would print it for that transfer.
  std::string render(const Response& r) const;
  // The same, appended to out (lets a caller reuse one buffer).
  void render_to(std::string& out, const Response& r) const;

  // Names of variables in the format that curl does not know (curl warns and prints nothing
  // for them), as written, each once, in order of first appearance.
  const std::vector<std::string>& unknown_variables() const { return m_unknown; }

 private:
  enum class Kind : uint8_t { literal, variable, header };
  struct Piece {
    Kind kind;
    WriteOutVar var;   // for Kind::variable
    std::string text;  // the literal text, or the header name for Kind::header
  };

  void add_literal(std::string_view text);

  std::vector<Piece> m_pieces;
  std::vector<std::string> m_unknown;
  std::size_t m_reserve = 0;  // a first guess of the output size
};

}  // namespace greenfetch
