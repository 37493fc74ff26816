// HdrHistogram's standard encoding of one histogram, as interval logs carry it: the "V2
// compressed" form (a zlib-deflated V2 encoding: header, then the counts array as ZigZag
// LEB128 varints with runs of zeros as negative numbers), in base64 for a log line.
//
// Written here from the format's description: Debian 12 ships HdrHistogram for Java and Go
// only (apt-cache search hdrhistogram), no C or C++ library. zlib deflates and inflates;
// OpenSSL's libcrypto does the base64.
#pragma once

#include <string>
#include <string_view>

#include "core/bench/histogram.hpp"

namespace greenfetch {

// Compressed V2 encoding of h (binary), and the same in base64.
std::string hdr_encode(const Histogram& h);
std::string hdr_encode_base64(const Histogram& h);

// Decodes a compressed V2 histogram (binary, or base64) into a Histogram of the same layout.
// Throws std::runtime_error for anything that is not one (bad cookie, base64, zlib data,
// lengths or counts) or whose range this Histogram cannot hold.
Histogram hdr_decode(std::string_view compressed);
Histogram hdr_decode_base64(std::string_view text);

}  // namespace greenfetch
