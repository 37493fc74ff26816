// libcurl 7.88 (Debian 12's) asks poll() about one socket with a zero timeout twice per
// request on a kept-alive connection: "is this idle connection still alive?" before reusing
// it, and "has the answer arrived already?" right after sending. The reactor's epoll already
// knows both answers; on a virtual machine where a system call costs a microsecond, the two
// calls are ~10% of bench mode's CPU per request. No libcurl option turns them off, so this
// program defines poll() itself (libcurl's calls bind to it, as to any interposed symbol) and
// answers exactly that question, for sockets the thread's reactor can vouch for, without a
// system call. Every other poll() -- other timeouts, several fds, POLLOUT, sockets the reactor
// does not watch, threads without a reactor -- goes to the system as before.
//
// What "vouch" means is Reactor::knows_quiet(): as current as the loop's last epoll_wait.
// Data arriving after it is found one turn later; an idle connection the server closed in that
// window is found dead when libcurl uses it, and libcurl then retries the request on a new
// connection, as it does when the close comes a moment after its own poll() (HttpClient
// keeps libcurl's count of such retries from running out: see release_easy).
#pragma once

#include <cstdint>

namespace greenfetch {

// How many polls were answered without a system call (for tests and --stats).
uint64_t poll_shortcut_count();

// Turns the shortcut off or on for the whole process (on by default); for tests that compare.
void set_poll_shortcut(bool on);

}  // namespace greenfetch
