#include "crypto/pattern.hpp"

#include <algorithm>
#include <array>

namespace hyphae::crypto {
namespace {

// The spec's notation, compressed: pre-messages as token lists, then the
// messages separated by '|' (directions alternate, initiator first).
struct PatternText {
  std::string_view name;
  std::string_view initiator_premessage;
  std::string_view responder_premessage;
  std::string_view messages;
};

constexpr std::array kPatterns = {
    // One-way (§7.4).
    PatternText{"N", "", "s", "e es"},
    PatternText{"K", "s", "s", "e es ss"},
    PatternText{"X", "", "s", "e es s ss"},
    // Interactive (§7.5).
    PatternText{"NN", "", "", "e | e ee"},
    PatternText{"NK", "", "s", "e es | e ee"},
    PatternText{"NX", "", "", "e | e ee s es"},
    PatternText{"KN", "s", "", "e | e ee se"},
    PatternText{"KK", "s", "s", "e es ss | e ee se"},
    PatternText{"KX", "s", "", "e | e ee se s es"},
    PatternText{"XN", "", "", "e | e ee | s se"},
    PatternText{"XK", "", "s", "e es | e ee | s se"},
    PatternText{"XX", "", "", "e | e ee s es | s se"},
    PatternText{"IN", "", "", "e s | e ee se"},
    PatternText{"IK", "", "s", "e es s ss | e ee se"},
    PatternText{"IX", "", "", "e s | e ee se s es"},
    // Deferred (§18.1).
    PatternText{"NK1", "", "s", "e | e ee es"},
    PatternText{"NX1", "", "", "e | e ee s | es"},
    PatternText{"X1N", "", "", "e | e ee | s | se"},
    PatternText{"X1K", "", "s", "e es | e ee | s | se"},
    PatternText{"XK1", "", "s", "e | e ee es | s se"},
    PatternText{"X1K1", "", "s", "e | e ee es | s | se"},
    PatternText{"X1X", "", "", "e | e ee s es | s | se"},
    PatternText{"XX1", "", "", "e | e ee s | es s se"},
    PatternText{"X1X1", "", "", "e | e ee s | es s | se"},
    PatternText{"K1N", "s", "", "e | e ee | se"},
    PatternText{"K1K", "s", "s", "e es | e ee | se"},
    PatternText{"KK1", "s", "s", "e | e ee se es"},
    PatternText{"K1K1", "s", "s", "e | e ee es | se"},
    PatternText{"K1X", "s", "", "e | e ee s es | se"},
    PatternText{"KX1", "s", "", "e | e ee se s | es"},
    PatternText{"K1X1", "s", "", "e | e ee s | se es"},
    PatternText{"I1N", "", "", "e s | e ee | se"},
    PatternText{"I1K", "", "s", "e es s | e ee | se"},
    PatternText{"IK1", "", "s", "e s | e ee se es"},
    PatternText{"I1K1", "", "s", "e s | e ee es | se"},
    PatternText{"I1X", "", "", "e s | e ee s es | se"},
    PatternText{"IX1", "", "", "e s | e ee se s | es"},
    PatternText{"I1X1", "", "", "e s | e ee s | se es"},
};

constexpr std::string_view kPrefix = "Noise_";
constexpr std::string_view kSuffix = "_25519_ChaChaPoly_BLAKE2b";

std::optional<Token> parse_token(std::string_view word) {
  if (word == "e") return Token::e;
  if (word == "s") return Token::s;
  if (word == "ee") return Token::ee;
  if (word == "es") return Token::es;
  if (word == "se") return Token::se;
  if (word == "ss") return Token::ss;
  return std::nullopt;
}

// The table is ours, so a malformed entry is a bug: tokens are trusted.
std::vector<Token> parse_tokens(std::string_view text) {
  std::vector<Token> tokens;
  while (!text.empty()) {
    const std::size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const std::size_t end = std::min(text.find(' '), text.size());
    if (auto t = parse_token(text.substr(0, end))) tokens.push_back(*t);
    text.remove_prefix(end);
  }
  return tokens;
}

// "psk" followed by a decimal number without leading zeros.
std::optional<std::size_t> parse_psk_modifier(std::string_view modifier) {
  constexpr std::string_view kPsk = "psk";
  if (!modifier.starts_with(kPsk)) return std::nullopt;
  const std::string_view digits = modifier.substr(kPsk.size());
  if (digits.empty() || digits.size() > 2) return std::nullopt;
  if (digits.size() > 1 && digits[0] == '0') return std::nullopt;
  std::size_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  return n;
}

}  // namespace

std::size_t HandshakePattern::psk_count() const {
  std::size_t n = 0;
  for (const auto& message : messages)
    n += static_cast<std::size_t>(std::count(message.begin(), message.end(), Token::psk));
  return n;
}

std::optional<HandshakePattern> find_pattern(std::string_view base_name) {
  for (const PatternText& text : kPatterns) {
    if (text.name != base_name) continue;
    HandshakePattern pattern;
    pattern.name = std::string(text.name);
    pattern.initiator_premessage = parse_tokens(text.initiator_premessage);
    pattern.responder_premessage = parse_tokens(text.responder_premessage);
    std::string_view rest = text.messages;
    while (true) {
      const std::size_t bar = rest.find('|');
      pattern.messages.push_back(parse_tokens(rest.substr(0, bar)));
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
    return pattern;
  }
  return std::nullopt;
}

std::optional<HandshakePattern> parse_protocol_name(std::string_view protocol_name) {
  if (!protocol_name.starts_with(kPrefix) || !protocol_name.ends_with(kSuffix)) return std::nullopt;
  std::string_view full =
      protocol_name.substr(kPrefix.size(), protocol_name.size() - kPrefix.size() - kSuffix.size());

  // Base names use only upper-case letters and digits; modifiers start lower-case.
  const std::size_t base_end =
      std::min(full.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), full.size());
  auto pattern = find_pattern(full.substr(0, base_end));
  if (!pattern) return std::nullopt;

  std::string_view modifiers = full.substr(base_end);
  if (modifiers.empty()) return pattern;
  std::vector<std::size_t> seen;
  while (true) {
    const std::size_t plus = modifiers.find('+');
    auto n = parse_psk_modifier(modifiers.substr(0, plus));
    if (!n) return std::nullopt;
    if (std::find(seen.begin(), seen.end(), *n) != seen.end()) return std::nullopt;
    seen.push_back(*n);
    // psk0 opens the first message; pskN (N >= 1) closes message N.
    if (*n == 0) {
      auto& first = pattern->messages.front();
      first.insert(first.begin(), Token::psk);
    } else {
      if (*n > pattern->messages.size()) return std::nullopt;
      pattern->messages[*n - 1].push_back(Token::psk);
    }
    if (plus == std::string_view::npos) break;
    modifiers.remove_prefix(plus + 1);
  }
  pattern->has_psk = true;
  pattern->name = std::string(full);
  return pattern;
}

}  // namespace hyphae::crypto
