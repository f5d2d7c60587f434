#include "daemon/config.hpp"

#include <gtest/gtest.h>

namespace hyphae::daemon {
namespace {

TEST(Config, ParsesEveryKeyOfTheDocumentedExample) {
  auto c = parse_config(R"(identity = "node.key"
listen = "127.0.0.1:9900"
api = "127.0.0.1:9901"
peers = ["127.0.0.1:9910"]
data_dir = "state"
network_psk = ""
)",
                        "/etc/hyphae/node.toml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->identity, "/etc/hyphae/node.key");
  EXPECT_EQ(c->data_dir, "/etc/hyphae/state");
  EXPECT_EQ(c->listen.to_string(), "127.0.0.1:9900");
  EXPECT_EQ(c->api.to_string(), "127.0.0.1:9901");
  ASSERT_EQ(c->peers.size(), 1u);
  EXPECT_EQ(c->peers[0].to_string(), "127.0.0.1:9910");
  EXPECT_FALSE(c->network_psk.has_value());
}

TEST(Config, DefaultsWhenEmpty) {
  auto c = parse_config("", "n.toml");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->listen.to_string(), "[::]:9900");
  EXPECT_EQ(c->api.to_string(), "127.0.0.1:9901");
}

struct BadCase {
  const char* text;
  const char* expected;  // substring of the error, which starts with file:line
};

TEST(Config, ErrorsNameFileAndLine) {
  const BadCase cases[] = {
      {"listen = \"127.0.0.1:9900\"\nlisten_typo = 1\n", "n.toml:2: unknown key 'listen_typo'"},
      {"\nlisten = \"nowhere\"\n", "n.toml:2: listen = \"nowhere\" is not an address"},
      {"peers = \"1.2.3.4:5\"\n", "n.toml:1: peers must be an array"},
      {"\n\npeers = [\"1.2.3.4:5\", 7]\n", "n.toml:3: peers[] must be a string"},
      {"network_psk = \"abcd\"\n", "n.toml:1: network_psk must be 64 hex characters"},
      {"identity = 5\n", "n.toml:1: identity must be a string"},
      {"\napi = \"0.0.0.0:9901\"\n", "n.toml:2: api = \"0.0.0.0:9901\" is not loopback"},
      {"listen = [\n", "n.toml:"},  // TOML syntax error
      {"log_level = \"loud\"\n", "n.toml:1: log_level must be one of"},
  };
  for (const auto& bad : cases) {
    auto c = parse_config(bad.text, "n.toml");
    ASSERT_FALSE(c) << bad.text;
    EXPECT_NE(c.error().find(bad.expected), std::string::npos) << "got: " << c.error();
  }
}

TEST(Config, NonLoopbackApiIsAllowedWithAToken) {
  auto c = parse_config("api = \"0.0.0.0:9901\"\napi_token = \"s3cret\"\n", "n.toml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->api_token, "s3cret");
}

TEST(Config, ParsesANetworkPsk) {
  auto c = parse_config("network_psk = \"" + std::string(64, 'a') + "\"\n", "n.toml");
  ASSERT_TRUE(c) << c.error();
  ASSERT_TRUE(c->network_psk);
  EXPECT_EQ((*c->network_psk)[0], 0xaa);
}

}  // namespace
}  // namespace hyphae::daemon
