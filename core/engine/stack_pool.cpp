#include "core/engine/stack_pool.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <new>

namespace greenfetch {

StackPool::StackPool(std::size_t stack_size, std::size_t max_free)
    : m_page_size(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE))), m_max_free(max_free) {
  m_stack_size = (stack_size + m_page_size - 1) / m_page_size * m_page_size;
  if (m_stack_size < 4 * m_page_size) {
    m_stack_size = 4 * m_page_size;
  }
}

StackPool::~StackPool() {
  for (void* base : m_free) {
    ::munmap(base, m_stack_size + m_page_size);
  }
}

boost::context::stack_context StackPool::allocate() {
  void* base = nullptr;
  if (!m_free.empty()) {
    base = m_free.back();
    m_free.pop_back();
  } else {
    base = ::mmap(nullptr, m_stack_size + m_page_size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED) {
      throw std::bad_alloc();
    }
    // The lowest page is the guard: the stack grows down into it and faults.
    ::mprotect(base, m_page_size, PROT_NONE);
  }
  boost::context::stack_context sctx;
  sctx.size = m_stack_size;
  sctx.sp = static_cast<char*>(base) + m_page_size + m_stack_size;
  return sctx;
}

void StackPool::deallocate(boost::context::stack_context& sctx) noexcept {
  void* base = static_cast<char*>(sctx.sp) - sctx.size - m_page_size;
  if (m_free.size() < m_max_free) {
    m_free.push_back(base);
  } else {
    ::munmap(base, m_stack_size + m_page_size);
  }
}

}  // namespace greenfetch
