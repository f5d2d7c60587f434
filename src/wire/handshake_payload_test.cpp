#include "wire/handshake_payload.hpp"

#include <gtest/gtest.h>

#include "base/hex.hpp"

namespace hyphae::wire {
namespace {

TEST(HandshakePayload, InitPayloadMustBeEmpty) {
  EXPECT_TRUE(decode_init_payload({}));
  const Bytes one = {0x00};
  auto r = decode_init_payload(one);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), Drop::trailing_bytes);
}

TEST(HandshakePayload, HelloRoundTripsAndToleratesPadding) {
  const Hello h{9900, 0x1};
  Bytes payload = encode_hello_payload(h);
  EXPECT_EQ(to_hex(payload),
            "0506"
            "26ac"
            "00000001");
  EXPECT_EQ(decode_hello_payload(payload), h);
  append_pad(payload, 16);
  payload.insert(payload.end(), {0x41, 0x01, 0x00});  // optional TLV from a later version
  EXPECT_EQ(decode_hello_payload(payload), h);
}

TEST(HandshakePayload, ExactlyOneHelloAndNothingElse) {
  Bytes none;
  append_pad(none, 3);
  EXPECT_EQ(decode_hello_payload(none).error(), Drop::bad_value);
  EXPECT_EQ(decode_hello_payload({}).error(), Drop::bad_value);

  Bytes twice = encode_hello_payload(Hello{1, 0});
  append_tlv(twice, Hello{2, 0});
  EXPECT_EQ(decode_hello_payload(twice).error(), Drop::bad_value);

  Bytes smuggled = encode_hello_payload(Hello{1, 0});
  append_tlv(smuggled, Ping{1});
  EXPECT_EQ(decode_hello_payload(smuggled).error(), Drop::bad_value);

  const Bytes cut = *from_hex(
      "0506"
      "26ac");
  EXPECT_EQ(decode_hello_payload(cut).error(), Drop::truncated);
}

}  // namespace
}  // namespace hyphae::wire
