#include "runtime/asio_endpoint.hpp"

#include <cstring>

namespace hyphae::runtime {
namespace asio = boost::asio;

Endpoint from_asio(const asio::ip::udp::endpoint& e) {
  Endpoint out;
  out.port = e.port();
  if (e.address().is_v4()) return Endpoint::v4(e.address().to_v4().to_uint(), e.port());
  const auto v6 = e.address().to_v6().to_bytes();
  std::memcpy(out.ip.data(), v6.data(), 16);
  return out;
}

asio::ip::udp::endpoint to_asio(const Endpoint& e, bool socket_is_v6) {
  if (e.is_v4() && !socket_is_v6) {
    asio::ip::address_v4::bytes_type b{e.ip[12], e.ip[13], e.ip[14], e.ip[15]};
    return {asio::ip::address_v4(b), e.port};
  }
  asio::ip::address_v6::bytes_type b{};
  std::memcpy(b.data(), e.ip.data(), 16);
  return {asio::ip::address_v6(b), e.port};
}

}  // namespace hyphae::runtime
