#include "core/output/progress.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace greenfetch {

TEST_CASE("greenfetch::Progress") {
  SUBCASE("fit leaves out the fields that do not fit, and the last column free") {
    std::vector<std::string> f{"12/40 done", "4 in flight", "3 failed"};
    CHECK(Progress::fit(f, 120) == "12/40 done, 4 in flight, 3 failed");
    CHECK(Progress::fit(f, 23) == "12/40 done");
    CHECK(Progress::fit(f, 24) == "12/40 done, 4 in flight");
    CHECK(Progress::fit(f, 33) == "12/40 done, 4 in flight");
    CHECK(Progress::fit(f, 34) == "12/40 done, 4 in flight, 3 failed");
    CHECK(Progress::fit(f, 5) == "12/4");
    CHECK(Progress::fit({}, 80).empty());
    for (std::size_t w = 1; w < 60; ++w) {
      CHECK(Progress::fit(f, w).size() <= (w > 1 ? w - 1 : 1));
    }
  }
  SUBCASE("fetch fields: done/total, in flight, waiting for a host, failed, rate, bytes, time") {
    RunStats s;
    s.start = Clock::now() - std::chrono::seconds(10);
    s.done = 10;
    s.total = 30;
    s.in_flight = 6;
    s.waiting = 44;
    s.waiting_host = "127.0.0.1:8080";
    s.failed = 1;
    s.bytes = 2048;
    std::vector<std::string> f = Progress::fetch_fields(s);
    REQUIRE(f.size() == 8);
    CHECK(f[0] == "10/30 done");
    CHECK(f[1] == "6 in flight");
    CHECK(f[2] == "44 waiting for host 127.0.0.1:8080");
    CHECK(f[3] == "1 failed");
    CHECK(f[4] == "1/s");
    CHECK(f[5] == "2.0 KiB");
    CHECK(f[6] == "10s");
    CHECK(f[7] == "ETA 20s");
    s.waiting = 0;
    s.total = 0;
    f = Progress::fetch_fields(s);
    CHECK(f[0] == "10 done");
    CHECK(f.size() == 6);  // no waiting field, no ETA without a total
  }
  SUBCASE("human_duration") {
    CHECK(human_duration(0) == "0s");
    CHECK(human_duration(59.4) == "59s");
    CHECK(human_duration(185) == "3m05s");
    CHECK(human_duration(7260) == "2h01m");
    CHECK(human_duration(-3) == "0s");
  }
}

}  // namespace greenfetch
