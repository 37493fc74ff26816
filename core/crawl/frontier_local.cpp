#include "core/crawl/frontier_local.hpp"

#include <algorithm>

namespace greenfetch {

namespace {

// URLs taken from the state database at once when a crawl resumes.
constexpr std::size_t k_resume_batch = 4096;

}  // namespace

LocalFrontierStore::LocalFrontierStore(CrawlFrontier& local, const std::string& state_dir)
    : m_local(local) {
  if (!state_dir.empty()) {
    m_state.emplace(state_dir);
  }
}

void LocalFrontierStore::resume() {
  if (!m_state) {
    return;
  }
  // Whatever an earlier run discovered and did not finish goes first.
  for (;;) {
    std::vector<FrontierItem> batch = m_state->take(k_resume_batch);
    if (batch.empty()) {
      break;
    }
    for (FrontierItem& fi : batch) {
      CrawlItem item;
      item.url = std::move(fi.url);
      item.depth = static_cast<uint32_t>(std::max(fi.depth, 0));
      if (!fi.referrer.empty()) {
        item.referrer = std::make_shared<const std::string>(std::move(fi.referrer));
      }
      m_local.push(std::move(item));
    }
  }
}

bool LocalFrontierStore::add(CrawlItem item) {
  if (m_state) {
    FrontierItem fi;
    fi.url = item.url;
    fi.depth = static_cast<int>(item.depth);
    if (item.referrer) {
      fi.referrer = *item.referrer;
    }
    if (!m_state->add(fi)) {
      return false;
    }
  } else if (!m_seen.insert(item.url)) {
    return false;
  }
  m_local.push(std::move(item));
  return true;
}

bool LocalFrontierStore::add_fetched(const std::string& url, uint32_t depth) {
  if (m_state) {
    FrontierItem fi;
    fi.url = url;
    fi.depth = static_cast<int>(depth);
    if (!m_state->add(fi)) {
      return false;
    }
    m_state->done(url);
    return true;
  }
  return m_seen.insert(url);
}

void LocalFrontierStore::done(const CrawlItem& item, PageOutcome /*outcome*/) {
  if (m_state) {
    m_state->done(item.url);
  }
}

void LocalFrontierStore::begin() {
  if (m_state && !m_state->in_batch()) {
    m_state->begin();
  }
}

void LocalFrontierStore::commit() {
  if (m_state) {
    m_state->commit();
  }
}

void LocalFrontierStore::set_output(const std::string& name, const OutputMark& mark) {
  if (m_state) {
    m_state->set_output(name, mark);
  }
}

std::optional<OutputMark> LocalFrontierStore::output(const std::string& name) const {
  return m_state ? m_state->output(name) : std::nullopt;
}

void LocalFrontierStore::finish() {
  if (m_state) {
    m_state->finish();
  }
}

}  // namespace greenfetch
