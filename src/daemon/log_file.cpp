#include "daemon/log_file.hpp"

#include <fmt/chrono.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <array>
#include <nlohmann/json.hpp>

namespace hyphae::daemon {
namespace {

constexpr std::array<std::string_view, 6> kLevels{"trace", "debug", "info", "warn", "error", "critical"};

// JSON lines; nlohmann does the escaping (messages may hold quotes, peer text).
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto since_epoch = msg.time.time_since_epoch();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch).count() % 1000;
    const auto secs = std::chrono::system_clock::to_time_t(
        std::chrono::system_clock::time_point(std::chrono::duration_cast<std::chrono::seconds>(since_epoch)));
    const nlohmann::json line{{"ts", fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", fmt::gmtime(secs), ms)},
                              {"level", std::string_view(spdlog::level::to_string_view(msg.level).data(),
                                                         spdlog::level::to_string_view(msg.level).size())},
                              {"msg", std::string_view(msg.payload.data(), msg.payload.size())}};
    const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLineFormatter>(); }
};

}  // namespace

int log_level_rank(std::string_view level) {
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (kLevels[i] == level) return static_cast<int>(i);
  }
  if (level == "warning") return 3;
  if (level == "err") return 4;
  return -1;
}

Result<void, std::string> start_log_file(const std::filesystem::path& file, const std::string& level) {
  std::error_code ec;
  std::filesystem::create_directories(file.parent_path(), ec);
  try {
    auto sink =
        std::make_shared<spdlog::sinks::rotating_file_sink_mt>(file.string(), kLogFileMaxBytes, kLogFileKeep);
    sink->set_formatter(std::make_unique<JsonLineFormatter>());
    auto configured = spdlog::level::from_str(level);
    const auto file_level = std::min(configured, spdlog::level::info);
    sink->set_level(file_level);
    auto logger = spdlog::default_logger();
    for (auto& s : logger->sinks()) {
      if (s->level() < configured) s->set_level(configured);  // the console keeps its level
    }
    logger->sinks().push_back(std::move(sink));
    logger->set_level(std::min(logger->level(), file_level));
    logger->flush_on(spdlog::level::info);  // `hyphae logs --follow` sees lines as they happen
  } catch (const spdlog::spdlog_ex& e) {
    return fail(fmt::format("cannot open the log file {}: {}", file.string(), e.what()));
  }
  return {};
}

bool parse_log_line(std::string_view line, LogLine& out) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return false;
  if (!j["ts"].is_string() || !j["level"].is_string() || !j["msg"].is_string()) return false;
  out = LogLine{.ts = j["ts"].get<std::string>(),
                .level = j["level"].get<std::string>(),
                .msg = j["msg"].get<std::string>()};
  return true;
}

}  // namespace hyphae::daemon
