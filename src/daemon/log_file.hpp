// The daemon's log file: JSON lines in data_dir, rotated by size, read back
// by `hyphae logs`. One line per record:
//   {"ts":"2024-05-01T12:00:00.123Z","level":"warn","msg":"..."}
#pragma once

#include <filesystem>
#include <string>

#include "base/result.hpp"

namespace hyphae::daemon {

inline constexpr std::size_t kLogFileMaxBytes = std::size_t{10} << 20;  // then rotated: hyphae.log.1 ...
inline constexpr std::size_t kLogFileKeep = 5;                          // rotated files kept

// Adds the rotating file to the default logger (its console sink stays).
// The file gets `level` and above, but at least info: the file is what an
// operator reads afterwards, so it keeps more than the console shows.
Result<void, std::string> start_log_file(const std::filesystem::path& file, const std::string& level);

// One line of the log file, parsed; false when the line is not one.
struct LogLine {
  std::string ts, level, msg;
};
bool parse_log_line(std::string_view line, LogLine& out);
// spdlog's level names in order: trace debug info warn error critical; -1 if unknown.
int log_level_rank(std::string_view level);

}  // namespace hyphae::daemon
