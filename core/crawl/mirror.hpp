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

  // The path segments a normalized URL maps to: the authority (user info dropped), then the
  // path's segments; a path ending in '/' gets "index.html", a query is kept in the last
  // segment ("page?x=1", '/' in it as %2F). Empty segments become "_", "." and ".." become
  // "_." and "_..", and a segment is cut at 200 bytes. Empty if the URL has no "://".
  static std::vector<std::string> segments(std::string_view url);

  // Writes body to the URL's file (replacing an earlier copy); returns its path (DIR/...).
  // Throws std::runtime_error naming the path (a file where a folder is needed, disk full).
  std::string save(std::string_view url, std::string_view body);
  // As save(), with the body written to the open file by write_body (false, errno set: it
  // failed), for a page kept in a temporary file rather than in memory.
  std::string save(std::string_view url, const std::function<bool(int fd)>& write_body);

 private:
  std::string m_dir;
  UniqueFd m_dirfd;
};

}  // namespace greenfetch
