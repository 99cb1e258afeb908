// Versions reported to clients. Tools and client libraries gate features on
// redis_version, so Baton reports the Redis version whose behaviour it matches.
#pragma once

namespace baton::server {

inline constexpr const char* kRedisCompatVersion = "7.0.15";
inline constexpr const char* kBatonVersion = BATON_VERSION;

}  // namespace baton::server
