// Whether this test binary runs under AddressSanitizer (the GREENFETCH_SANITIZE build): its
// allocator is slower and its quarantine keeps freed memory resident, so speed and memory
// limits in tests allow for it.
#pragma once

namespace greenfetch::test {

#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool k_asan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
inline constexpr bool k_asan = true;
#else
inline constexpr bool k_asan = false;
#endif
#else
inline constexpr bool k_asan = false;
#endif

}  // namespace greenfetch::test
