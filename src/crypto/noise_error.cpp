#include "crypto/noise_error.hpp"

namespace hyphae::crypto {

std::string_view name(NoiseError e) {
  switch (e) {
    case NoiseError::bad_protocol_name:
      return "bad_protocol_name";
    case NoiseError::missing_key:
      return "missing_key";
    case NoiseError::bad_message:
      return "bad_message";
    case NoiseError::decrypt_failed:
      return "decrypt_failed";
    case NoiseError::wrong_turn:
      return "wrong_turn";
    case NoiseError::finished:
      return "finished";
    case NoiseError::nonce_exhausted:
      return "nonce_exhausted";
    case NoiseError::too_long:
      return "too_long";
  }
  return "unknown";
}

}  // namespace hyphae::crypto
