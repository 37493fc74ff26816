// How many URLs the input holds, known before the run when every input is a regular file, so
// that the progress line can show done/total from the start. Counted with pread, which moves
// no file offset: the UrlSource that reads the same files afterwards sees them untouched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace greenfetch {

// The lines that are neither blank nor # comments (as UrlSource skips them) in these files
// ("-": stdin); nullopt when one of them is not a regular file (a pipe, a terminal) or cannot
// be read.
std::optional<uint64_t> count_url_lines(const std::vector<std::string>& files);

}  // namespace greenfetch
