#include "core/output/ordered_bodies.hpp"

#include <sys/epoll.h>

#include <cstring>

namespace greenfetch {

namespace {
// The output buffer the streaming URL may fill before its transfer is paused, and the level
// it must drain to before the transfer resumes.
constexpr std::size_t k_high_water = 256 * 1024;
constexpr std::size_t k_low_water = 64 * 1024;
}  // namespace

OrderedBodies::OrderedBodies(Output& out, Reactor& reactor, bool ordered, SpoolBudget budget,
                             std::function<void(const Request&)> resume, bool headers)
    : m_out(out),
      m_reactor(reactor),
      m_ordered(ordered),
      m_headers(headers),
      m_budget(budget),
      m_resume(std::move(resume)) {}

OrderedBodies::~OrderedBodies() {
  if (m_watched >= 0) {
    m_reactor.unwatch(m_watched);
  }
}

OrderedBodies::Writer::Writer(OrderedBodies& owner, uint64_t seq, const Request& request)
    : m_owner(owner), m_seq(seq), m_request(request), m_spool(owner.m_budget) {}

OrderedBodies::Writer::~Writer() {
  m_owner.m_writers.erase(m_seq);
  if (m_owner.m_paused == this) {
    m_owner.m_paused = nullptr;
  }
  if (m_owner.m_holder == this) {
    m_owner.release_holder();  // finish() was not called (the run is ending)
  }
}

std::unique_ptr<OrderedBodies::Writer> OrderedBodies::open(uint64_t seq, const Request& request) {
  auto w = std::make_unique<Writer>(*this, seq, request);
  m_writers[seq] = w.get();
  w->m_direct = m_ordered && seq == m_turn;
  return w;
}

void OrderedBodies::Writer::done() {
  if (m_owner.m_paused == this) {
    m_owner.m_paused = nullptr;
  }
}

void OrderedBodies::Writer::restart() {
  m_spool.clear();
  m_headers_done = 0;
  if (m_direct_bytes > 0 && m_error.empty()) {
    m_error = "cannot start the body again: " + std::to_string(m_direct_bytes) +
              " bytes of it are already written to stdout";
  }
}

BodyWriter::Result OrderedBodies::Writer::put(std::string_view data) {
  if (!m_direct && !m_owner.m_ordered && m_owner.m_holder == nullptr && m_spool.empty() &&
      m_owner.m_finished.empty()) {
    // --unordered and stdout is free: this body streams (what waits in others' spools goes
    // out when they finish, after this one).
    m_owner.m_holder = this;
    m_direct = true;
  }
  if (!m_direct) {
    if (!m_spool.append(data)) {
      m_error = m_spool.error();
      return Result::failed;
    }
    return Result::written;
  }
  Output& out = m_owner.m_out;
  if (out.buffered() >= k_high_water && !out.try_flush()) {
    if (out.wait_fd() >= 0 && Reactor::pollable(out.wait_fd())) {
      m_owner.wait_for_room(*this);
      return Result::pause;
    }
    out.flush();  // cannot be waited for by the reactor: wait here
  }
  out.append(data);
  m_direct_bytes += data.size();
  if (out.buffered() >= k_low_water) {
    out.try_flush();
  }
  if (out.broken()) {
    m_error = std::string("cannot write to stdout: ") + std::strerror(out.error());
    return Result::failed;
  }
  return Result::written;
}

BodyWriter::Result OrderedBodies::Writer::write(const Response& so_far, std::string_view chunk) {
  if (!m_error.empty()) {
    return Result::failed;
  }
  if (m_owner.m_headers && m_headers_done < so_far.header_dump.size()) {
    // -D -: the heads received so far go first (a paused write comes back here: write them
    // only once).
    std::string_view heads = std::string_view(so_far.header_dump).substr(m_headers_done);
    Result r = put(heads);
    if (r != Result::written) {
      return r;
    }
    m_headers_done = so_far.header_dump.size();
  }
  return put(chunk);
}

void OrderedBodies::wait_for_room(Writer& w) {
  m_paused = &w;
  if (m_watched < 0) {
    m_watched = m_out.wait_fd();
    m_reactor.watch(m_watched, EPOLLOUT, this);
  }
}

void OrderedBodies::on_fd_events(int /*fd*/, uint32_t /*events*/) {
  m_out.try_flush();
  if (m_out.buffered() > k_low_water && !m_out.broken()) {
    return;  // still full: wait for the next event
  }
  m_reactor.unwatch(m_watched);
  m_watched = -1;
  if (Writer* w = std::exchange(m_paused, nullptr)) {
    m_resume(w->m_request);
  }
}

bool OrderedBodies::finish(Writer& w, const Response& r, std::string& error) {
  if (!m_ordered && m_holder != nullptr && m_holder != &w) {
    // Another body streams to stdout: this one waits, whole, until it is done.
    if (w.m_error.empty() && m_headers && w.m_headers_done < r.header_dump.size() &&
        !w.m_spool.append(std::string_view(r.header_dump).substr(w.m_headers_done))) {
      w.m_error = w.m_spool.error();
    }
    if (!w.m_error.empty()) {
      error = w.m_error;
      w.m_spool.clear();
      return false;
    }
    m_finished.push_back(std::move(w.m_spool));
    return true;
  }
  bool ok = w.m_error.empty();
  if (ok) {
    ok = w.m_spool.drain([this](std::string_view piece) {
      m_out.write(piece);
      return !m_out.broken();
    });
    if (!ok && !m_out.broken()) {
      w.m_error = w.m_spool.error();
    }
  }
  if (m_headers && w.m_headers_done < r.header_dump.size() && !m_out.broken()) {
    m_out.write(std::string_view(r.header_dump).substr(w.m_headers_done));
  }
  if (!w.m_error.empty()) {
    error = w.m_error;
  }
  if (m_ordered && w.m_seq == m_turn) {
    ++m_turn;
    begin_turn();
  }
  if (m_holder == &w) {
    release_holder();
  }
  return w.m_error.empty();
}

void OrderedBodies::release_holder() {
  if (m_holder != nullptr) {
    m_holder->m_direct = false;
    m_holder = nullptr;
  }
  // Written in the order they finished. A temporary file that cannot be read back cuts that
  // body short; its URL was already reported, so the run's end says so (Output::broken() for
  // stdout's own failures).
  for (std::size_t i = 0; i < m_finished.size() && !m_out.broken(); ++i) {
    if (!m_finished[i].drain([this](std::string_view piece) {
          m_out.write(piece);
          return !m_out.broken();
        }) &&
        !m_out.broken()) {
      m_lost += 1;
    }
  }
  m_finished.clear();
}

void OrderedBodies::begin_turn() {
  auto it = m_writers.find(m_turn);
  if (it == m_writers.end()) {
    return;  // not started yet: it streams from its first byte
  }
  Writer& next = *it->second;
  // What it received while waiting goes first, then it streams.
  if (!next.m_spool.drain([this, &next](std::string_view piece) {
        m_out.write(piece);
        next.m_direct_bytes += piece.size();
        return !m_out.broken();
      }) &&
      !m_out.broken()) {
    next.m_error = next.m_spool.error();
  }
  next.m_direct = true;
}

}  // namespace greenfetch
