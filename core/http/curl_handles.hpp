// Move-only owners of libcurl's C handles.
#pragma once

#include <curl/curl.h>

#include <memory>
#include <string>
#include <utility>

namespace greenfetch {

struct CurlEasyDeleter {
  void operator()(CURL* h) const { curl_easy_cleanup(h); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* h) const { curl_multi_cleanup(h); }
};
struct CurlUrlDeleter {
  void operator()(CURLU* h) const { curl_url_cleanup(h); }
};
struct CurlMimeDeleter {
  void operator()(curl_mime* m) const { curl_mime_free(m); }
};
struct CurlFreeDeleter {
  void operator()(char* p) const { curl_free(p); }
};

using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMulti = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlUrl = std::unique_ptr<CURLU, CurlUrlDeleter>;
using CurlString = std::unique_ptr<char, CurlFreeDeleter>;
using CurlMime = std::unique_ptr<curl_mime, CurlMimeDeleter>;

// A curl_slist that frees itself. libcurl does not copy lists passed by pointer
// (CURLOPT_RESOLVE, CURLOPT_HTTPHEADER): the owner must outlive the transfer.
class CurlSlist {
 public:
  CurlSlist() = default;
  CurlSlist(CurlSlist&& o) noexcept : m_list(std::exchange(o.m_list, nullptr)) {}
  CurlSlist& operator=(CurlSlist&& o) noexcept {
    if (this != &o) {
      reset();
      m_list = std::exchange(o.m_list, nullptr);
    }
    return *this;
  }
  CurlSlist(const CurlSlist&) = delete;
  CurlSlist& operator=(const CurlSlist&) = delete;
  ~CurlSlist() { reset(); }

  void append(const std::string& s) {
    curl_slist* next = curl_slist_append(m_list, s.c_str());
    if (next == nullptr) {
      throw std::bad_alloc();
    }
    m_list = next;
  }
  curl_slist* get() const { return m_list; }
  bool empty() const { return m_list == nullptr; }
  void reset() {
    curl_slist_free_all(m_list);
    m_list = nullptr;
  }

 private:
  curl_slist* m_list = nullptr;
};

// curl_global_init, once per process, before any other libcurl call.
void curl_global_once();

}  // namespace greenfetch
