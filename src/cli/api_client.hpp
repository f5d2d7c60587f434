// A small synchronous HTTP client for the CLI verbs that talk to a daemon's
// admin API.
#pragma once

#include <string>

#include "base/result.hpp"

namespace hyphae::cli {

struct ApiReply {
  unsigned status = 0;
  std::string body;
};

// `api` is "host:port" as in the config; `token` is sent as a bearer token when set.
Result<ApiReply, std::string> api_request(const std::string& api, const std::string& method,
                                          const std::string& target, const std::string& body = {},
                                          const std::string& token = {});

}  // namespace hyphae::cli
