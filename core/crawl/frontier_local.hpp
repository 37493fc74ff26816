// The frontier of a crawl that lives in this process alone (no --frontier): URLs go straight
// into the worker's scheduler; the seen-set is a SeenSet in memory, or, with --state DIR, the
// CrawlState database, which also keeps the crawl resumable (see core/crawl/state.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/crawl/frontier_store.hpp"
#include "core/crawl/seen_set.hpp"
#include "core/crawl/state.hpp"

namespace greenfetch {

class LocalFrontierStore final : public FrontierStore {
 public:
  // state_dir empty: in memory. Otherwise opens DIR/state.sqlite (throws std::runtime_error).
  LocalFrontierStore(CrawlFrontier& local, const std::string& state_dir);

  void open_crawl(const std::string& /*settings*/, std::vector<std::string>& /*seeds*/) override {}
  void resume() override;
  bool add(CrawlItem item) override;
  bool add_fetched(const std::string& url, uint32_t depth) override;
  void done(const CrawlItem& item, PageOutcome outcome) override;

  bool commits() const override { return m_state.has_value(); }
  void begin() override;
  void commit() override;
  void set_output(const std::string& name, const OutputMark& mark) override;
  std::optional<OutputMark> output(const std::string& name) const override;
  bool unfinished() const override { return m_state && m_state->unfinished(); }
  void finish() override;

  bool exhausted() const override { return m_local.pending() == 0; }
  std::size_t queued() const override { return m_local.pending(); }

 private:
  CrawlFrontier& m_local;
  std::optional<CrawlState> m_state;
  SeenSet m_seen;  // without --state
};

}  // namespace greenfetch
