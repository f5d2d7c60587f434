// Goal: a sealed frame opens only for its receiver, only as coming from its
// sender, and any altered byte makes it unreadable.
#include "crypto/seal.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "crypto/identity.hpp"
#include "crypto/key_source.hpp"

namespace hyphae::crypto {
namespace {

struct Three {
  SeededKeySource keys{3};
  Identity a = Identity::generate(keys), b = Identity::generate(keys), c = Identity::generate(keys);
};

TEST(Seal, OpensForTheReceiverAsFromTheSender) {
  Three t;
  const Bytes msg = {'h', 'i'};
  const Bytes sealed = seal_to(t.a.keys, t.b.keys.pub, SealNonce{}, msg);
  EXPECT_EQ(sealed.size(), msg.size() + kSealOverhead);
  EXPECT_EQ(open_from(t.b.keys, t.a.keys.pub, sealed), msg);
  EXPECT_FALSE(open_from(t.c.keys, t.a.keys.pub, sealed));  // not for c
  EXPECT_FALSE(open_from(t.b.keys, t.c.keys.pub, sealed));  // not from c
  EXPECT_FALSE(open_from(t.b.keys, t.a.keys.pub, ByteView(sealed).first(kSealOverhead - 1)));
}

RC_GTEST_PROP(Seal, AnyFlippedBitIsRejected, (const std::vector<std::uint8_t>& msg)) {
  Three t;
  Bytes sealed = seal_to(t.a.keys, t.b.keys.pub, SealNonce{1, 2, 3}, msg);
  const auto bit = *rc::gen::inRange<std::size_t>(0, sealed.size() * 8);
  sealed[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
  RC_ASSERT(!open_from(t.b.keys, t.a.keys.pub, sealed));
}

}  // namespace
}  // namespace hyphae::crypto
