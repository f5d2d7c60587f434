// Conversions between the cores' Endpoint value and Asio's UDP endpoint.
#pragma once

#include <boost/asio/ip/udp.hpp>

#include "base/endpoint.hpp"

namespace hyphae::runtime {

Endpoint from_asio(const boost::asio::ip::udp::endpoint& e);
// For an IPv4 socket, v4-mapped addresses are unmapped; an IPv6 socket takes
// v4-mapped addresses as they are (dual stack).
boost::asio::ip::udp::endpoint to_asio(const Endpoint& e, bool socket_is_v6);

}  // namespace hyphae::runtime
