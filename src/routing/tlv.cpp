#include "routing/tlv.hpp"

#include <algorithm>

#include "base/assert.hpp"

namespace hyphae::routing {
namespace {

constexpr std::uint8_t kSubPad1 = 0;
constexpr std::uint8_t kSubPadN = 1;
constexpr std::uint8_t kSubTimestamp = 3;
constexpr std::uint8_t kSubMandatory = 0x80;

std::uint16_t be16(ByteView v, std::size_t at) {
  return static_cast<std::uint16_t>(std::uint16_t{v[at]} << 8 | v[at + 1]);
}
std::uint32_t be32(ByteView v, std::size_t at) {
  return std::uint32_t{v[at]} << 24 | std::uint32_t{v[at + 1]} << 16 | std::uint32_t{v[at + 2]} << 8 |
         v[at + 3];
}

bool known_ae(std::uint8_t ae) { return ae <= static_cast<std::uint8_t>(Ae::ipv6_link_local); }

// Sub-TLVs of one TLV (§4.4). `on_known(type, value)` sees every sub-TLV
// other than Pad1/PadN and returns whether it understood it.
enum class SubResult : std::uint8_t { ok, malformed, mandatory };
template <class F>
SubResult walk_subtlvs(ByteView a, F&& on_known) {
  std::size_t i = 0;
  while (i < a.size()) {
    const std::uint8_t type = a[i];
    if (type == kSubPad1) {
      ++i;
      continue;
    }
    if (a.size() - i < 2) return SubResult::malformed;
    const std::size_t len = a[i + 1];
    if (a.size() - i - 2 < len) return SubResult::malformed;
    const ByteView value = a.subspan(i + 2, len);
    if (type != kSubPadN && !on_known(type, value) && (type & kSubMandatory) != 0)
      return SubResult::mandatory;
    i += 2 + len;
  }
  return SubResult::ok;
}
SubResult skip_subtlvs(ByteView a) {
  return walk_subtlvs(a, [](std::uint8_t, ByteView) { return false; });
}

Ignored ignored(TlvType t, Ignore why) { return Ignored{static_cast<std::uint8_t>(t), why}; }
Ignored ignored_for(TlvType t, SubResult r) {
  return ignored(t, r == SubResult::mandatory ? Ignore::mandatory_subtlv : Ignore::malformed);
}

// Bytes a prefix of `plen` (in the AE's own length: 0..32 for IPv4) takes.
std::size_t prefix_bytes(std::size_t plen) { return (plen + 7) / 8; }

constexpr std::size_t ae_max_plen(Ae ae) {
  switch (ae) {
    case Ae::wildcard:
      return 0;
    case Ae::ipv4:
      return 32;
    case Ae::ipv6:
    case Ae::ipv6_link_local:
      return 128;
  }
  return 0;
}

Address v4_mapped_zero() {
  Address a{};
  a[10] = 0xff;
  a[11] = 0xff;
  return a;
}
Address link_local_zero() {
  Address a{};
  a[0] = 0xfe;
  a[1] = 0x80;
  return a;
}

// A full address (IHU, NextHop): no compression. Returns bytes used.
std::optional<std::size_t> read_address(Ae ae, ByteView in, Address& out) {
  switch (ae) {
    case Ae::wildcard:
      out = {};
      return 0;
    case Ae::ipv4:
      if (in.size() < 4) return std::nullopt;
      out = v4_mapped_zero();
      std::copy_n(in.begin(), 4, out.begin() + 12);
      return 4;
    case Ae::ipv6:
      if (in.size() < 16) return std::nullopt;
      std::copy_n(in.begin(), 16, out.begin());
      return 16;
    case Ae::ipv6_link_local:
      if (in.size() < 8) return std::nullopt;
      out = link_local_zero();
      std::copy_n(in.begin(), 8, out.begin() + 8);
      return 8;
  }
  return std::nullopt;
}

// A prefix of wire length `plen` with `omitted` leading bytes taken from
// `dflt` (§4.6.9). Returns bytes used, or nullopt when malformed.
std::optional<std::size_t> read_prefix(Ae ae, std::uint8_t plen, std::uint8_t omitted, const Address* dflt,
                                       ByteView in, Prefix& out) {
  if (plen > ae_max_plen(ae) && ae != Ae::wildcard) return std::nullopt;
  const std::size_t pb = prefix_bytes(plen);
  switch (ae) {
    case Ae::wildcard:
      out = Prefix{};
      return 0;
    case Ae::ipv4: {
      if (omitted > 4) return std::nullopt;
      Address a = v4_mapped_zero();
      if (omitted > 0) {
        if (dflt == nullptr) return std::nullopt;
        std::copy_n(dflt->begin() + 12, omitted, a.begin() + 12);
      }
      const std::size_t present = pb > omitted ? pb - omitted : 0;
      if (in.size() < present) return std::nullopt;
      std::copy_n(in.begin(), present, a.begin() + 12 + omitted);
      out = Prefix::make(a, static_cast<std::uint8_t>(96 + plen));
      return present;
    }
    case Ae::ipv6: {
      if (omitted > 16) return std::nullopt;
      Address a{};
      if (omitted > 0) {
        if (dflt == nullptr) return std::nullopt;
        std::copy_n(dflt->begin(), omitted, a.begin());
      }
      const std::size_t present = pb > omitted ? pb - omitted : 0;
      if (in.size() < present) return std::nullopt;
      std::copy_n(in.begin(), present, a.begin() + omitted);
      out = Prefix::make(a, plen);
      return present;
    }
    case Ae::ipv6_link_local: {
      if (omitted != 0) return std::nullopt;  // no default prefix exists for AE 3
      if (plen < 64) return std::nullopt;     // the fe80::/64 half is implied
      Address a = link_local_zero();
      const std::size_t present = pb > 8 ? pb - 8 : 0;
      if (in.size() < present) return std::nullopt;
      std::copy_n(in.begin(), present, a.begin() + 8);
      out = Prefix::make(a, plen);
      return present;
    }
  }
  return std::nullopt;
}

class Out {
 public:
  explicit Out(Bytes& b) : b_(&b) {}
  void u8(std::uint8_t v) { b_->push_back(v); }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }
  void u32(std::uint32_t v) {
    u16(static_cast<std::uint16_t>(v >> 16));
    u16(static_cast<std::uint16_t>(v));
  }
  void bytes(const std::uint8_t* p, std::size_t n) { b_->insert(b_->end(), p, p + n); }

 private:
  Bytes* b_;
};

std::size_t address_size(Ae ae) {
  switch (ae) {
    case Ae::wildcard:
      return 0;
    case Ae::ipv4:
      return 4;
    case Ae::ipv6:
      return 16;
    case Ae::ipv6_link_local:
      return 8;
  }
  return 0;
}

void write_address(Out& o, Ae ae, const Address& a) {
  switch (ae) {
    case Ae::wildcard:
      return;
    case Ae::ipv4:
      HYPHAE_ASSERT(is_v4_mapped(a));
      o.bytes(a.data() + 12, 4);
      return;
    case Ae::ipv6:
      o.bytes(a.data(), 16);
      return;
    case Ae::ipv6_link_local:
      HYPHAE_ASSERT(a[0] == 0xfe && a[1] == 0x80);
      o.bytes(a.data() + 8, 8);
      return;
  }
}

// Wire prefix length (AE-relative) and the bytes that follow.
std::uint8_t wire_plen(Ae ae, const Prefix& p) {
  switch (ae) {
    case Ae::wildcard:
      return 0;
    case Ae::ipv4:
      HYPHAE_ASSERT(p.is_v4());
      return static_cast<std::uint8_t>(p.plen - 96);
    case Ae::ipv6:
      return p.plen;
    case Ae::ipv6_link_local:
      HYPHAE_ASSERT(p.addr[0] == 0xfe && p.addr[1] == 0x80 && p.plen >= 64);
      return p.plen;
  }
  return 0;
}
std::size_t wire_prefix_size(Ae ae, const Prefix& p) {
  const std::size_t pb = prefix_bytes(wire_plen(ae, p));
  return ae == Ae::ipv6_link_local ? (pb > 8 ? pb - 8 : 0) : pb;
}
void write_prefix(Out& o, Ae ae, const Prefix& p) {
  const std::size_t n = wire_prefix_size(ae, p);
  switch (ae) {
    case Ae::wildcard:
      return;
    case Ae::ipv4:
      o.bytes(p.addr.data() + 12, n);
      return;
    case Ae::ipv6:
      o.bytes(p.addr.data(), n);
      return;
    case Ae::ipv6_link_local:
      o.bytes(p.addr.data() + 8, n);
      return;
  }
}

// Value length of one TLV (without type and length bytes); Pad1 has none.
std::size_t value_size(const Tlv& tlv) {
  struct V {
    std::size_t operator()(const Pad1&) const { return 0; }
    std::size_t operator()(const PadN& t) const { return t.length; }
    std::size_t operator()(const AckReq&) const { return 6; }
    std::size_t operator()(const Ack&) const { return 2; }
    std::size_t operator()(const Hello& t) const { return 6 + (t.timestamp ? 6 : 0); }
    std::size_t operator()(const Ihu& t) const { return 6 + address_size(t.ae) + (t.timestamps ? 10 : 0); }
    std::size_t operator()(const RouterIdTlv&) const { return 10; }
    std::size_t operator()(const NextHop& t) const { return 2 + address_size(t.ae); }
    std::size_t operator()(const Update& t) const { return 10 + wire_prefix_size(t.ae, t.prefix); }
    std::size_t operator()(const RouteRequest& t) const { return 2 + wire_prefix_size(t.ae, t.prefix); }
    std::size_t operator()(const SeqnoRequest& t) const { return 14 + wire_prefix_size(t.ae, t.prefix); }
    std::size_t operator()(const Ignored&) const {
      HYPHAE_ASSERT(false && "Ignored is decode-only");
      return 0;
    }
  };
  return std::visit(V{}, tlv);
}

}  // namespace

std::string_view name(Ignore why) {
  switch (why) {
    case Ignore::unknown_type:
      return "unknown_type";
    case Ignore::unknown_ae:
      return "unknown_ae";
    case Ignore::mandatory_subtlv:
      return "mandatory_subtlv";
    case Ignore::malformed:
      return "malformed";
  }
  return "?";
}

std::string_view name(CodecError e) {
  switch (e) {
    case CodecError::truncated:
      return "truncated";
    case CodecError::oversized:
      return "oversized";
    case CodecError::bad_magic:
      return "bad_magic";
    case CodecError::bad_version:
      return "bad_version";
  }
  return "?";
}

Result<std::size_t, CodecError> validate_body(ByteView body) {
  if (body.size() > kMaxBody) return fail(CodecError::oversized);
  std::size_t i = 0, n = 0;
  while (i < body.size()) {
    ++n;
    if (body[i] == static_cast<std::uint8_t>(TlvType::pad1)) {
      ++i;
      continue;
    }
    if (body.size() - i < 2) return fail(CodecError::truncated);
    const std::size_t len = body[i + 1];
    if (body.size() - i - 2 < len) return fail(CodecError::truncated);
    i += 2 + len;
  }
  return n;
}

TlvParser::TlvParser(ByteView body, std::optional<Address> source) : body_(body), source_(source) {}

std::optional<Tlv> TlvParser::next() {
  if (pos_ >= body_.size()) return std::nullopt;
  const std::uint8_t type = body_[pos_];
  if (type == static_cast<std::uint8_t>(TlvType::pad1)) {
    ++pos_;
    return Pad1{};
  }
  // validate_body() vouched for the framing; a caller that skipped it is a bug.
  HYPHAE_ASSERT(body_.size() - pos_ >= 2);
  const std::size_t len = body_[pos_ + 1];
  HYPHAE_ASSERT(body_.size() - pos_ - 2 >= len);
  const ByteView value = body_.subspan(pos_ + 2, len);
  pos_ += 2 + len;
  return parse(type, value);
}

Tlv TlvParser::parse(std::uint8_t type, ByteView v) {
  switch (static_cast<TlvType>(type)) {
    case TlvType::pad1:
      return Pad1{};
    case TlvType::padn:
      return PadN{static_cast<std::uint8_t>(v.size())};
    case TlvType::ack_req: {
      if (v.size() < 6) return ignored(TlvType::ack_req, Ignore::malformed);
      if (auto r = skip_subtlvs(v.subspan(6)); r != SubResult::ok) return ignored_for(TlvType::ack_req, r);
      return AckReq{be16(v, 2), be16(v, 4)};
    }
    case TlvType::ack: {
      if (v.size() < 2) return ignored(TlvType::ack, Ignore::malformed);
      if (auto r = skip_subtlvs(v.subspan(2)); r != SubResult::ok) return ignored_for(TlvType::ack, r);
      return Ack{be16(v, 0)};
    }
    case TlvType::hello: {
      if (v.size() < 6) return ignored(TlvType::hello, Ignore::malformed);
      Hello h{be16(v, 0), be16(v, 2), be16(v, 4), std::nullopt};
      auto r = walk_subtlvs(v.subspan(6), [&](std::uint8_t t, ByteView sv) {
        if (t != kSubTimestamp) return false;
        if (sv.size() >= 4) h.timestamp = be32(sv, 0);  // shorter: ignored, as babeld does
        return true;
      });
      if (r != SubResult::ok) return ignored_for(TlvType::hello, r);
      return h;
    }
    case TlvType::ihu: {
      if (v.size() < 6) return ignored(TlvType::ihu, Ignore::malformed);
      if (!known_ae(v[0])) return ignored(TlvType::ihu, Ignore::unknown_ae);
      Ihu ihu{static_cast<Ae>(v[0]), be16(v, 2), be16(v, 4), {}, std::nullopt};
      auto used = read_address(ihu.ae, v.subspan(6), ihu.address);
      if (!used) return ignored(TlvType::ihu, Ignore::malformed);
      auto r = walk_subtlvs(v.subspan(6 + *used), [&](std::uint8_t t, ByteView sv) {
        if (t != kSubTimestamp) return false;
        if (sv.size() >= 8) ihu.timestamps = std::pair{be32(sv, 0), be32(sv, 4)};
        return true;
      });
      if (r != SubResult::ok) return ignored_for(TlvType::ihu, r);
      return ihu;
    }
    case TlvType::router_id: {
      if (v.size() < 10) {
        router_id_.reset();  // as babeld: a broken Router-Id must not leave the old one in force
        return ignored(TlvType::router_id, Ignore::malformed);
      }
      RouterId id;
      std::copy_n(v.begin() + 2, 8, id.bytes.begin());
      router_id_ = id;
      if (auto r = skip_subtlvs(v.subspan(10)); r != SubResult::ok) return ignored_for(TlvType::router_id, r);
      return RouterIdTlv{id};
    }
    case TlvType::next_hop: {
      if (v.size() < 2) {
        next_hop_v4_.reset();
        next_hop_v6_.reset();
        return ignored(TlvType::next_hop, Ignore::malformed);
      }
      if (!known_ae(v[0])) return ignored(TlvType::next_hop, Ignore::unknown_ae);
      const Ae ae = static_cast<Ae>(v[0]);
      NextHop nh{ae, {}};
      auto used = ae == Ae::wildcard ? std::nullopt : read_address(ae, v.subspan(2), nh.address);
      if (!used) {
        next_hop_v4_.reset();
        next_hop_v6_.reset();
        return ignored(TlvType::next_hop, Ignore::malformed);
      }
      (ae == Ae::ipv4 ? next_hop_v4_ : next_hop_v6_) = nh.address;
      if (auto r = skip_subtlvs(v.subspan(2 + *used)); r != SubResult::ok)
        return ignored_for(TlvType::next_hop, r);
      return nh;
    }
    case TlvType::update:
      return parse_update(v);
    case TlvType::route_request: {
      if (v.size() < 2) return ignored(TlvType::route_request, Ignore::malformed);
      if (!known_ae(v[0])) return ignored(TlvType::route_request, Ignore::unknown_ae);
      RouteRequest req{static_cast<Ae>(v[0]), {}};
      if (req.ae == Ae::wildcard && v[1] != 0) return ignored(TlvType::route_request, Ignore::malformed);
      auto used = read_prefix(req.ae, v[1], 0, nullptr, v.subspan(2), req.prefix);
      if (!used) return ignored(TlvType::route_request, Ignore::malformed);
      if (auto r = skip_subtlvs(v.subspan(2 + *used)); r != SubResult::ok)
        return ignored_for(TlvType::route_request, r);
      return req;
    }
    case TlvType::seqno_request: {
      if (v.size() < 14) return ignored(TlvType::seqno_request, Ignore::malformed);
      if (!known_ae(v[0])) return ignored(TlvType::seqno_request, Ignore::unknown_ae);
      SeqnoRequest req{static_cast<Ae>(v[0]), be16(v, 2), v[4], {}, {}};
      if (req.ae == Ae::wildcard) return ignored(TlvType::seqno_request, Ignore::malformed);
      std::copy_n(v.begin() + 6, 8, req.router_id.bytes.begin());
      auto used = read_prefix(req.ae, v[1], 0, nullptr, v.subspan(14), req.prefix);
      if (!used) return ignored(TlvType::seqno_request, Ignore::malformed);
      if (auto r = skip_subtlvs(v.subspan(14 + *used)); r != SubResult::ok)
        return ignored_for(TlvType::seqno_request, r);
      return req;
    }
  }
  return Ignored{type, Ignore::unknown_type};
}

Tlv TlvParser::parse_update(ByteView v) {
  constexpr auto kType = TlvType::update;
  if (v.size() < 10) {
    if (v.size() < 2 || (v[1] & kUpdateSetPrefix) != 0) {
      default_v4_.reset();  // the default it meant to set is unknown now
      default_v6_.reset();
    }
    return ignored(kType, Ignore::malformed);
  }
  if (!known_ae(v[0])) return ignored(kType, Ignore::unknown_ae);
  Update u;
  u.ae = static_cast<Ae>(v[0]);
  u.flags = v[1];
  const std::uint8_t plen = v[2];
  const std::uint8_t omitted = v[3];
  u.interval = be16(v, 4);
  u.seqno = be16(v, 6);
  u.metric = be16(v, 8);
  const Address* dflt = u.ae == Ae::ipv4   ? (default_v4_ ? &*default_v4_ : nullptr)
                        : u.ae == Ae::ipv6 ? (default_v6_ ? &*default_v6_ : nullptr)
                                           : nullptr;
  auto used = read_prefix(u.ae, plen, omitted, dflt, v.subspan(10), u.prefix);
  if (!used) {
    if ((u.flags & kUpdateSetPrefix) != 0) {
      default_v4_.reset();
      default_v6_.reset();
    }
    return ignored(kType, Ignore::malformed);
  }
  // Parser state changes before the sub-TLVs are looked at: §4.4 keeps them
  // even when a mandatory sub-TLV makes us ignore the route itself.
  if ((u.flags & kUpdateSetPrefix) != 0) {
    if (u.ae == Ae::ipv4) default_v4_ = u.prefix.addr;
    if (u.ae == Ae::ipv6) default_v6_ = u.prefix.addr;
  }
  if ((u.flags & kUpdateSetRouterId) != 0 && u.ae != Ae::wildcard) {
    RouterId id;
    if (u.ae == Ae::ipv4) {
      std::copy_n(u.prefix.addr.begin() + 12, 4, id.bytes.begin() + 4);
    } else {
      std::copy_n(u.prefix.addr.begin() + 8, 8, id.bytes.begin());
    }
    router_id_ = id;
  }
  if (auto r = skip_subtlvs(v.subspan(10 + *used)); r != SubResult::ok) return ignored_for(kType, r);
  if (u.ae != Ae::wildcard && u.metric != kInfinity && !router_id_) return ignored(kType, Ignore::malformed);
  if (u.ae == Ae::wildcard && u.metric != kInfinity) return ignored(kType, Ignore::malformed);
  u.router_id = router_id_;
  if (u.ae == Ae::ipv4) {
    u.next_hop = next_hop_v4_;
  } else if (u.ae != Ae::wildcard) {
    u.next_hop = next_hop_v6_ ? next_hop_v6_ : source_;
  }
  return u;
}

Result<PacketView, CodecError> parse_packet(ByteView d) {
  if (d.size() < kPacketHeaderSize) return fail(CodecError::truncated);
  if (d[0] != kBabelMagic) return fail(CodecError::bad_magic);
  if (d[1] != kBabelVersion) return fail(CodecError::bad_version);
  const std::size_t len = be16(d, 2);
  if (d.size() - kPacketHeaderSize < len) return fail(CodecError::truncated);
  return PacketView{d.subspan(kPacketHeaderSize, len), d.subspan(kPacketHeaderSize + len)};
}

Bytes make_packet(ByteView body) {
  HYPHAE_ASSERT(body.size() <= kMaxBody);
  Bytes out;
  out.reserve(kPacketHeaderSize + body.size());
  Out o(out);
  o.u8(kBabelMagic);
  o.u8(kBabelVersion);
  o.u16(static_cast<std::uint16_t>(body.size()));
  o.bytes(body.data(), body.size());
  return out;
}

std::size_t encoded_size(const Tlv& tlv) {
  if (std::holds_alternative<Pad1>(tlv)) return 1;
  return 2 + value_size(tlv);
}

void append_tlv(Bytes& out, const Tlv& tlv) {
  const std::size_t len = value_size(tlv);
  HYPHAE_ASSERT(len <= 255);
  Out o(out);
  if (std::holds_alternative<Pad1>(tlv)) {
    o.u8(0);
    return;
  }
  const auto header = [&](TlvType t) {
    o.u8(static_cast<std::uint8_t>(t));
    o.u8(static_cast<std::uint8_t>(len));
  };
  struct Enc {
    Out& o;
    const decltype(header)& h;
    void operator()(const Pad1&) const {}
    void operator()(const PadN& t) const {
      h(TlvType::padn);
      for (std::size_t i = 0; i < t.length; ++i) o.u8(0);
    }
    void operator()(const AckReq& t) const {
      h(TlvType::ack_req);
      o.u16(0);
      o.u16(t.opaque);
      o.u16(t.interval);
    }
    void operator()(const Ack& t) const {
      h(TlvType::ack);
      o.u16(t.opaque);
    }
    void operator()(const Hello& t) const {
      h(TlvType::hello);
      o.u16(t.flags);
      o.u16(t.seqno);
      o.u16(t.interval);
      if (t.timestamp) {
        o.u8(kSubTimestamp);
        o.u8(4);
        o.u32(*t.timestamp);
      }
    }
    void operator()(const Ihu& t) const {
      h(TlvType::ihu);
      o.u8(static_cast<std::uint8_t>(t.ae));
      o.u8(0);
      o.u16(t.rxcost);
      o.u16(t.interval);
      write_address(o, t.ae, t.address);
      if (t.timestamps) {
        o.u8(kSubTimestamp);
        o.u8(8);
        o.u32(t.timestamps->first);
        o.u32(t.timestamps->second);
      }
    }
    void operator()(const RouterIdTlv& t) const {
      h(TlvType::router_id);
      o.u16(0);
      o.bytes(t.id.bytes.data(), t.id.bytes.size());
    }
    void operator()(const NextHop& t) const {
      HYPHAE_ASSERT(t.ae != Ae::wildcard);
      h(TlvType::next_hop);
      o.u8(static_cast<std::uint8_t>(t.ae));
      o.u8(0);
      write_address(o, t.ae, t.address);
    }
    void operator()(const Update& t) const {
      h(TlvType::update);
      o.u8(static_cast<std::uint8_t>(t.ae));
      o.u8(t.flags);
      o.u8(wire_plen(t.ae, t.prefix));
      o.u8(0);  // omitted: we never compress
      o.u16(t.interval);
      o.u16(t.seqno);
      o.u16(t.metric);
      write_prefix(o, t.ae, t.prefix);
    }
    void operator()(const RouteRequest& t) const {
      h(TlvType::route_request);
      o.u8(static_cast<std::uint8_t>(t.ae));
      o.u8(wire_plen(t.ae, t.prefix));
      write_prefix(o, t.ae, t.prefix);
    }
    void operator()(const SeqnoRequest& t) const {
      HYPHAE_ASSERT(t.ae != Ae::wildcard);
      h(TlvType::seqno_request);
      o.u8(static_cast<std::uint8_t>(t.ae));
      o.u8(wire_plen(t.ae, t.prefix));
      o.u16(t.seqno);
      o.u8(t.hop_count);
      o.u8(0);
      o.bytes(t.router_id.bytes.data(), t.router_id.bytes.size());
      write_prefix(o, t.ae, t.prefix);
    }
    void operator()(const Ignored&) const { HYPHAE_ASSERT(false && "Ignored is decode-only"); }
  };
  std::visit(Enc{o, header}, tlv);
}

}  // namespace hyphae::routing
