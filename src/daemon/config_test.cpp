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
      {"\nbootstrap = [\"1.2.3.4\"]\n", "n.toml:2: bootstrap[] = \"1.2.3.4\" is not an address"},
      {"advertise = \"0.0.0.0:9900\"\n", "n.toml:1: advertise = \"0.0.0.0:9900\" must name one address"},
      {"target_degree = -1\n", "n.toml:1: target_degree must be a whole number from 0 to 1024"},
      {"membership = 1\n", "n.toml:1: membership must be a table"},
      {"[membership]\nprobe_intervall = \"1s\"\n", "n.toml:2: unknown key 'membership.probe_intervall'"},
      {"[membership]\nprobe_interval = \"1 s\"\n", "n.toml:2: membership.probe_interval must be a duration"},
      {"[membership]\nprobe_interval = 1000\n", "n.toml:2: membership.probe_interval must be a duration"},
      {"[membership]\n\nprobe_interval = \"2d\"\n", "n.toml:3: membership.probe_interval must be a duration"},
      {"[membership]\nprobe_interval = \"2h\"\n",
       "n.toml:2: membership.probe_interval = \"2h\" is out of range"},
      {"[membership]\nprobe_interval = \"5m\"\n",
       "n.toml:2: membership.probe_interval = \"5m\" is out of range"},
      {"[membership]\nprobe_timeout = \"2s\"\n", "n.toml:2: membership.probe_timeout (2s) must be shorter"},
      {"[membership]\nindirect_probes = 17\n", "n.toml:2: membership.indirect_probes must be a whole number"},
      {"[membership]\nsuspicion_mult = 0.5\n", "n.toml:2: membership.suspicion_mult must be a number"},
      {"[membership]\nlifeguard = \"yes\"\n", "n.toml:2: membership.lifeguard must be true or false"},
      {"[membership]\nenabled = 1\n", "n.toml:2: membership.enabled must be true or false"},
      {"[discovery]\nport = 0\n", "n.toml:2: discovery.port must be a whole number from 1 to 65535"},
      {"[discovery]\nport = 70000\n", "n.toml:2: discovery.port must be a whole number"},
      {"[discovery]\ninterval = \"10ms\"\n", "n.toml:2: discovery.interval = \"10ms\" is out of range"},
      {"[discovery]\nexpiry = \"3s\"\n", "n.toml:2: discovery.expiry (3s) must be longer"},
      {"[discovery]\nbeacons = true\n", "n.toml:2: unknown key 'discovery.beacons'"},
      {"store = \"mariadb://db/hyphae\"\n",
       "n.toml:1: store = \"mariadb://db/hyphae\": use \"sqlite\" (data_dir/store.db), \"sqlite:PATH\" or "
       "\"postgresql://USER@HOST/DB\""},
      {"store = \"mysql\"\n", "n.toml:1: store = \"mysql\": use \"sqlite\""},
      {"store = 5\n", "n.toml:1: store must be a string"},
      {"[store]\nsnapshot_interval = \"10ms\"\n",
       "n.toml:2: store.snapshot_interval = \"10ms\" is out of range"},
      {"[store]\nretention = \"7d\"\n", "n.toml:2: store.retention must be a duration"},
      {"[store]\nkeep = 1\n", "n.toml:2: unknown key 'store.keep'"},
      {"[alerts]\nenabled = 1\n", "n.toml:2: alerts.enabled must be true or false"},
      {"[alerts]\ninterval = \"1h\"\n", "n.toml:2: alerts.interval = \"1h\" is out of range"},
      {"[alerts.latency]\nwarning = \"500\"\n", "n.toml:2: alerts.latency.warning must be a number"},
      {"[alerts.latency]\nwarning = 900\ncritical = 800\n", "alerts.latency.critical (800) must be at least"},
      {"[alerts.health]\nwarning = 0.2\n",
       "alerts.health.critical (0.3) must be at most alerts.health.warning"},
      {"[alerts.resources]\nwarning = 101\n",
       "n.toml:2: alerts.resources.warning must be a number from 0 to 100"},
      {"[alerts.partition]\nmin_peers = 1\n", "n.toml:2: alerts.partition.min_peers must be a whole number"},
      {"[alerts.partition]\nmin_share = 2\n", "n.toml:2: alerts.partition.min_share must be a number"},
      {"[alerts.node_failed]\nenable = true\n", "n.toml:2: unknown key 'alerts.node_failed.enable'"},
      {"[alerts]\nlatency_warning = 5\n", "n.toml:2: unknown key 'alerts.latency_warning'"},
  };
  for (const auto& bad : cases) {
    auto c = parse_config(bad.text, "n.toml");
    ASSERT_FALSE(c) << bad.text;
    EXPECT_NE(c.error().find(bad.expected), std::string::npos) << "got: " << c.error();
  }
}

TEST(Config, MembershipAndDiscoveryDefaults) {
  auto c = parse_config("", "n.toml");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->bootstrap.empty());
  EXPECT_FALSE(c->advertise.has_value());
  EXPECT_EQ(c->target_degree, 8u);
  EXPECT_TRUE(c->membership_enabled);
  EXPECT_EQ(c->membership.probe_interval, seconds(1));
  EXPECT_EQ(c->membership.probe_timeout, milliseconds(500));
  EXPECT_EQ(c->membership.indirect_probes, 3u);
  EXPECT_EQ(c->membership.suspicion_mult, 4.0);
  EXPECT_TRUE(c->membership.lifeguard);
  EXPECT_TRUE(c->discovery.enabled);
  EXPECT_EQ(c->discovery.port, 9999);
  EXPECT_EQ(c->discovery.interval, seconds(5));
  EXPECT_EQ(c->discovery.expiry, seconds(60));
}

TEST(Config, ParsesMembershipAndDiscovery) {
  auto c = parse_config(R"(bootstrap = ["10.0.0.1:9900", "[fd00::1]:9900"]
advertise = "192.0.2.7:9900"
target_degree = 4

[membership]
enabled = true
probe_interval = "2s"
probe_timeout = "250ms"
indirect_probes = 2
suspicion_mult = 5
lifeguard = false

[discovery]
enabled = false
port = 9998
interval = "1s"
expiry = "1m"
)",
                        "n.toml");
  ASSERT_TRUE(c) << c.error();
  ASSERT_EQ(c->bootstrap.size(), 2u);
  EXPECT_EQ(c->bootstrap[1].to_string(), "[fd00::1]:9900");
  EXPECT_EQ(c->advertise->to_string(), "192.0.2.7:9900");
  EXPECT_EQ(c->target_degree, 4u);
  EXPECT_EQ(c->membership.probe_interval, seconds(2));
  EXPECT_EQ(c->membership.probe_timeout, milliseconds(250));
  EXPECT_EQ(c->membership.indirect_probes, 2u);
  EXPECT_EQ(c->membership.suspicion_mult, 5.0);
  EXPECT_FALSE(c->membership.lifeguard);
  EXPECT_FALSE(c->discovery.enabled);
  EXPECT_EQ(c->discovery.port, 9998);
  EXPECT_EQ(c->discovery.interval, seconds(1));
  EXPECT_EQ(c->discovery.expiry, seconds(60));
}

TEST(Config, StoreAndAlertsDefaults) {
  auto c = parse_config("", "n.toml");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->store.url, "sqlite");
  EXPECT_EQ(c->store.snapshot_interval, seconds(10));
  EXPECT_EQ(c->store.retention, seconds(168 * 3600));
  EXPECT_TRUE(c->alerts.enabled);
  EXPECT_EQ(c->alerts.latency.warning, 500);
  EXPECT_EQ(c->alerts.latency.critical, 1000);
  EXPECT_EQ(c->alerts.health.warning, 0.5);
  EXPECT_EQ(c->alerts.health.critical, 0.3);
  EXPECT_EQ(c->alerts.resources.warning, 80);
  EXPECT_EQ(c->alerts.resources.critical, 95);
  EXPECT_EQ(c->alerts.partition.min_peers, 2u);
  EXPECT_EQ(c->alerts.partition.min_share, 0.3);
}

TEST(Config, ParsesStoreAndAlerts) {
  auto c = parse_config(R"(store = "sqlite:hist.db"
[alerts]
enabled = true
interval = "2s"
hysteresis = 0.2
[alerts.latency]
warning = 200
critical = 400
[alerts.health]
enabled = false
[alerts.resources]
warning = 70
critical = 90.5
[alerts.node_failed]
enabled = false
[alerts.partition]
window = "20s"
min_peers = 3
min_share = 0.5
)",
                        "n.toml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_EQ(c->store.url, "sqlite:hist.db");
  EXPECT_EQ(c->alerts.interval_ms, 2000);
  EXPECT_EQ(c->alerts.hysteresis, 0.2);
  EXPECT_EQ(c->alerts.latency.warning, 200);
  EXPECT_EQ(c->alerts.latency.critical, 400);
  EXPECT_FALSE(c->alerts.health.enabled);
  EXPECT_EQ(c->alerts.resources.critical, 90.5);
  EXPECT_FALSE(c->alerts.node_failed);
  EXPECT_EQ(c->alerts.partition.window_ms, 20000);
  EXPECT_EQ(c->alerts.partition.min_peers, 3u);
  EXPECT_EQ(c->alerts.partition.min_share, 0.5);
  auto t =
      parse_config("[store]\nurl = \"sqlite\"\nsnapshot_interval = \"1s\"\nretention = \"24h\"\n", "n.toml");
  ASSERT_TRUE(t) << t.error();
  EXPECT_EQ(t->store.snapshot_interval, seconds(1));
  EXPECT_EQ(t->store.retention, seconds(24 * 3600));
}

TEST(Config, MembershipCanBeTurnedOff) {
  auto c = parse_config("[membership]\nenabled = false\n", "n.toml");
  ASSERT_TRUE(c) << c.error();
  EXPECT_FALSE(c->membership_enabled);
}

TEST(Config, Durations) {
  EXPECT_EQ(parse_duration("500ms"), milliseconds(500));
  EXPECT_EQ(parse_duration("1s"), seconds(1));
  EXPECT_EQ(parse_duration("2m"), seconds(120));
  EXPECT_EQ(parse_duration("0s"), seconds(0));
  EXPECT_EQ(parse_duration("168h"), seconds(168 * 3600));
  for (const char* bad : {"", "s", "1", "1.5s", "-1s", "1 s", "1d", "1sec", "99999999999999999999s"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Config, AdvertiseDefaults) {
  const std::vector<Endpoint> ifaces{*Endpoint::parse("127.0.0.1:0"), *Endpoint::parse("[::1]:0"),
                                     *Endpoint::parse("10.1.2.3:0"), *Endpoint::parse("10.9.9.9:0")};
  Config c;
  c.listen = *Endpoint::parse("192.0.2.1:9900");
  EXPECT_EQ(resolve_advertise(c, 9900, ifaces).to_string(), "192.0.2.1:9900");
  c.listen = *Endpoint::parse("0.0.0.0:0");
  EXPECT_EQ(resolve_advertise(c, 4242, ifaces).to_string(), "10.1.2.3:4242");  // the bound port
  c.listen = *Endpoint::parse("[::]:9900");
  EXPECT_EQ(resolve_advertise(c, 9900, ifaces).to_string(), "10.1.2.3:9900");
  EXPECT_EQ(resolve_advertise(c, 9900, {*Endpoint::parse("127.0.0.1:0")}).to_string(), "127.0.0.1:9900");
  c.advertise = *Endpoint::parse("198.51.100.1:7000");
  EXPECT_EQ(resolve_advertise(c, 9900, ifaces).to_string(), "198.51.100.1:7000");
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

// `hyphae config --output`: what to_toml writes parses back to the same
// config, defaults and non-defaults alike, and writes the same text again.
TEST(Config, ToTomlRoundTrips) {
  for (const char* text : {"", R"(listen = "127.0.0.1:9000"
peers = ["10.0.0.1:9900", "[fe80::1]:9901"]
bootstrap = ["10.0.0.2:9900"]
advertise = "192.0.2.1:9000"
api_token = "we\"ird\\token"
network_psk = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
log_level = "debug"
[membership]
probe_interval = "500ms"
probe_timeout = "250ms"
suspicion_mult = 2.5
[alerts]
interval = "750ms"
[alerts.latency]
warning = 250.5
[alerts.partition]
window = "0s"
[events]
queue_max = 8
[health]
join_grace = "2m"
)"}) {
    auto first = parse_config(text, "/etc/hyphae/a.toml");
    ASSERT_TRUE(first) << first.error();
    const std::string toml = to_toml(*first);
    auto second = parse_config(toml, "/elsewhere/b.toml");
    ASSERT_TRUE(second) << second.error() << "\n" << toml;
    EXPECT_EQ(to_toml(*second), toml);
    EXPECT_EQ(second->data_dir, std::filesystem::path("/etc/hyphae/state"));
    EXPECT_EQ(second->api_token, first->api_token);
    EXPECT_EQ(second->peers.size(), first->peers.size());
    EXPECT_EQ(second->membership.probe_interval, first->membership.probe_interval);
    EXPECT_EQ(second->alerts.latency.warning, first->alerts.latency.warning);
    EXPECT_EQ(second->events.queue_max, first->events.queue_max);
    EXPECT_EQ(second->health.join_grace, first->health.join_grace);
    EXPECT_EQ(second->network_psk.has_value(), first->network_psk.has_value());
  }
}

}  // namespace
}  // namespace hyphae::daemon
