// Fixed-size fiber stacks, each with a guard page below it, recycled through a free list.
//
// Boost.Context ships pooled_fixedsize_stack (no guard page) and protected_fixedsize_stack
// (guard page, but one mmap/munmap per fiber); the engine wants both at once, so this small
// allocator combines them.
#pragma once

#include <boost/context/stack_context.hpp>

#include <cstddef>
#include <vector>

namespace greenfetch {

class StackPool {
 public:
  static constexpr std::size_t k_default_stack_size = std::size_t{64} * 1024;

  // stack_size is rounded up to whole pages; max_free stacks are kept for reuse.
  explicit StackPool(std::size_t stack_size = k_default_stack_size, std::size_t max_free = 4096);
  ~StackPool();
  StackPool(const StackPool&) = delete;
  StackPool& operator=(const StackPool&) = delete;

  boost::context::stack_context allocate();
  void deallocate(boost::context::stack_context& sctx) noexcept;

  std::size_t stack_size() const { return m_stack_size; }
  std::size_t free_count() const { return m_free.size(); }

 private:
  std::size_t m_stack_size;  // usable bytes, a multiple of the page size
  std::size_t m_page_size;
  std::size_t m_max_free;
  std::vector<void*> m_free;  // mapping bases (the guard page's address)
};

// The allocator object Boost.Context's fiber constructor takes; it refers to a pool.
class PooledStack {
 public:
  explicit PooledStack(StackPool& pool) : m_pool(&pool) {}
  boost::context::stack_context allocate() { return m_pool->allocate(); }
  void deallocate(boost::context::stack_context& sctx) noexcept { m_pool->deallocate(sctx); }

 private:
  StackPool* m_pool;
};

}  // namespace greenfetch
