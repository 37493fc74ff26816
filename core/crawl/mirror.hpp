// crawl -o DIR: pages mirrored into a folder tree, DIR/HOST[:PORT]/PATH, like wget -r.
//
// Safety: the path is built from the normalized URL one segment at a time; a segment is never
// "", "." or "..", never holds '/', and the tree is walked with openat(O_NOFOLLOW) from DIR, so
// neither a crafted URL nor a symbolic link planted in DIR makes a write land outside DIR.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/engine/unique_fd.hpp"

namespace greenfetch {

class CrawlMirror {
 public:
  // Creates DIR if needed; throws UsageError naming it if it cannot be opened.
  explicit CrawlMirror(const std::string& dir);

  // The names a normalized URL maps to: HOST (or HOST+PORT; user info dropped), then a folder
  // per path segment, then the file: the last segment ("index.html" for a path ending in '/'),
  // and with a query FILE@QUERY. Each name keeps letters, digits and "-._,=+" ('-' not first,
  // '+' not in HOST) and writes every other byte as %XX (upper-case hex): '%' itself, '@',
  // and everything shells or Windows dislike (space, ':', '?', '*', '"', '\\', '|', '&', ...).
  // So names are stable, safe to type, and two URLs never share one, except "/d/" and
  // "/d/index.html" (as in wget). Then: a Windows device name (CON, nul.txt, COM1) gets its
  // first byte escaped, a trailing '.' is "%2E" (so never "." or ".."), an empty segment is
  // "%-", and a name over 200 bytes keeps its first 180 and ends in "%-" and 16 hex digits of
  // its SHA-256 ("%-" comes out of nothing else). Empty if the URL has no "://".
  static std::vector<std::string> segments(std::string_view url);
  // The segments joined with '/': the URL's file relative to DIR.
  static std::string relative_path(std::string_view url);

  // Writes body to the URL's file (replacing an earlier copy); returns its path (DIR/...).
  // Throws std::runtime_error naming the path (a file where a folder is needed, disk full).
  std::string save(std::string_view url, std::string_view body);
  // As save(), with the body written to the open file by write_body (false, errno set: it
  // failed), for a page kept in a temporary file rather than in memory.
  std::string save(std::string_view url, const std::function<bool(int fd)>& write_body);

  // The URL's file as saved, into body (replaced); false when it cannot be read (errno set).
  bool load(std::string_view url, std::string& body) const;
  // Replaces the URL's file by body: written to a temporary file in its folder, then renamed
  // over it, so that the file is never seen half-written. Throws std::runtime_error naming
  // the path.
  void replace(std::string_view url, std::string_view body);

 private:
  // The folder of the file parts.back() (opened under DIR without following links, created
  // when `create`); `shown` gets DIR/... of the file.
  UniqueFd open_folder(const std::vector<std::string>& parts, std::string& shown,
                       bool create) const;

  std::string m_dir;
  UniqueFd m_dirfd;
};

}  // namespace greenfetch
