// Bodies to stdout in input order, streamed, with bounded memory. The body of the URL whose
// turn it is (every URL before it has been written) goes out as it arrives; when the reader
// is slower than the transfer (a full pipe), that transfer is paused (CURL_WRITEFUNC_PAUSE)
// until the pipe drains, and resumed from the reactor: backpressure, not buffering. The
// bodies of the URLs behind it wait in BodySpools (memory up to SpoolBudget::limit for the
// whole run, then an unlinked temporary file) and are written when their turn comes.
// Unordered (--unordered), the first transfer to deliver a byte while stdout is free holds it:
// its body streams through with the same backpressure. The others wait in their spools (the
// same budget, then a file); one that finishes while another holds stdout is queued, and the
// queue is written, in the order the transfers finished, when the holder finishes. Then the
// next transfer to deliver a byte holds stdout. Bodies are never interleaved.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/engine/reactor.hpp"
#include "core/http/request.hpp"
#include "core/http/response.hpp"
#include "core/output/body_spool.hpp"
#include "core/output/output.hpp"

namespace greenfetch {

class OrderedBodies final : private FdHandler {
 public:
  // resume: unpauses a request's transfer (HttpClient::resume); called from the reactor.
  // headers: -D - (each response head goes to stdout before its body, as curl does).
  OrderedBodies(Output& out, Reactor& reactor, bool ordered, SpoolBudget budget,
                std::function<void(const Request&)> resume, bool headers = false);
  ~OrderedBodies();
  OrderedBodies(const OrderedBodies&) = delete;
  OrderedBodies& operator=(const OrderedBodies&) = delete;

  class Writer final : public BodyWriter {
   public:
    Writer(OrderedBodies& owner, uint64_t seq, const Request& request);
    ~Writer() override;
    void restart() override;
    Result write(const Response& so_far, std::string_view chunk) override;
    std::string error_message() const override { return m_error; }
    // The transfer ended: it is never to be resumed.
    void done();

   private:
    friend class OrderedBodies;
    Result put(std::string_view data);

    OrderedBodies& m_owner;
    uint64_t m_seq;
    const Request& m_request;
    BodySpool m_spool;
    bool m_direct = false;           // its turn: written to the output as it comes
    uint64_t m_direct_bytes = 0;     // written so: a retry cannot take them back
    std::size_t m_headers_done = 0;  // bytes of Response::header_dump written (-D -)
    std::string m_error;
  };

  // The writer of the URL with this sequence number (0, 1, ... in input order).
  std::unique_ptr<Writer> open(uint64_t seq, const Request& request);
  // That URL's result is being emitted: what of its body (and, with -D -, its heads) still
  // waits is written, then the next URL's turn begins. False, with a message in `error`,
  // when its body was lost (the temporary file failed, or a retry after part of it was
  // written); the output's own failure is Output::broken().
  bool finish(Writer& w, const Response& r, std::string& error);

  // The bytes held in memory by the spools (for tests and the man page's figure).
  std::size_t spooled_in_memory() const { return m_budget.used; }
  // --unordered: bodies queued behind the holder of stdout (their URLs already reported) that
  // were cut short because their temporary file could not be read back.
  uint64_t lost_after_report() const { return m_lost; }

 private:
  void on_fd_events(int fd, uint32_t events) override;
  void wait_for_room(Writer& w);
  void begin_turn();
  // --unordered: the holder of stdout is done; the bodies queued behind it are written.
  void release_holder();

  Output& m_out;
  Reactor& m_reactor;
  bool m_ordered;
  bool m_headers;
  SpoolBudget m_budget;
  std::function<void(const Request&)> m_resume;
  uint64_t m_turn = 0;  // sequence number of the URL whose turn it is
  std::unordered_map<uint64_t, Writer*> m_writers;
  Writer* m_paused = nullptr;
  Writer* m_holder = nullptr;        // --unordered: the transfer streaming to stdout
  std::deque<BodySpool> m_finished;  // --unordered: bodies done while another held stdout
  uint64_t m_lost = 0;               // of those, cut short by a temporary file's read error
  int m_watched = -1;
};

}  // namespace greenfetch
