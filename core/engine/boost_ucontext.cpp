// Sanitizer builds only (BOOST_USE_UCONTEXT): Debian's libboost_context is compiled for the
// fcontext implementation, so the ucontext flavour of boost::context::fiber, which sanitizer
// builds use because it tells AddressSanitizer about every stack switch, lacks its one
// out-of-line function: the activation record of the context now running on this thread.
// No package ships a ucontext build of the library, hence this definition.
#if defined(BOOST_USE_UCONTEXT)

#include <boost/context/fiber.hpp>

#include <memory>

namespace boost::context::detail {

fiber_activation_record*& fiber_activation_record::current() noexcept {
  // The thread's own stack is the first "current" context; its record lives with the thread.
  thread_local std::unique_ptr<fiber_activation_record> main_record(new fiber_activation_record());
  thread_local fiber_activation_record* running = main_record.get();
  return running;
}

}  // namespace boost::context::detail

#endif
