"""Node building blocks without a network: JAMNP-S identities and policy, message codecs, CE 129
boundary nodes, ticket proxies, the slot clock."""

from __future__ import annotations

import datetime
import hashlib
import os
import random

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import NameOID

from jamliquor.chainspec.genesis import endpoint_metadata
from jamliquor.codec import CodecError, decode, encode
from jamliquor.keys import dev_keys, key_name
from jamliquor.merkle.trie import ZERO_HASH, StateTrie, boundary_nodes, encode_node, walk_boundary
from jamliquor.node.clock import SlotClock
from jamliquor.node.net.peers import PeerScores, grid_neighbours, metadata_endpoint, preferred_initiator
from jamliquor.node.net.tls import CertificateError, alpn, node_certificate, peer_key
from jamliquor.node.protocols.messages import (
    Announcement, BlockRef, BlockRequest, Handshake, KeyValue, StateRequest, TicketMessage, decode_all, split_nodes,
)
from jamliquor.node.protocols.state import state_range
from jamliquor.node.ticketing import proxy_index
from jamliquor.spec import TINY
from jamliquor.state import ChainState
from jamliquor.types import Header, TicketEnvelope


def test_alpn_is_version_and_first_eight_nibbles_of_genesis():
    genesis = bytes.fromhex("0123456789abcdef") + bytes(24)
    assert alpn(genesis) == "jamnp-s/0/01234567"
    assert alpn(genesis, builder=True) == "jamnp-s/0/01234567/builder"


def test_certificate_carries_only_the_key_name():
    keys = dev_keys(2)
    _, cert = node_certificate(keys[0].ed25519_seed)
    assert peer_key(cert) == keys[0].ed25519
    assert peer_key(cert, keys[0].ed25519) == keys[0].ed25519
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [n.value for n in names] == [key_name(keys[0].ed25519)]
    with pytest.raises(CertificateError, match="not the"):
        peer_key(cert, keys[1].ed25519)
    with pytest.raises(CertificateError, match="no certificate"):
        peer_key(None)


def _certificate(key, names, sign_with=None):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "x")])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
               .serial_number(1).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)))
    if names is not None:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
    signer = sign_with or key
    return builder.sign(signer, None if isinstance(signer, Ed25519PrivateKey) else hashes.SHA256())


def test_certificates_jamnp_s_forbids_are_refused():
    key = Ed25519PrivateKey.generate()
    other = Ed25519PrivateKey.generate()
    name = key_name(key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    other_name = key_name(other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    assert peer_key(_certificate(key, [name])) is not None
    with pytest.raises(CertificateError, match="not N\\(k\\)"):
        peer_key(_certificate(key, [other_name]))  # a name that is not its key's
    with pytest.raises(CertificateError, match="2 alternative names"):
        peer_key(_certificate(key, [name, other_name]))
    with pytest.raises(CertificateError, match="no alternative name"):
        peer_key(_certificate(key, None))
    ecdsa = ec.generate_private_key(ec.SECP256R1())
    with pytest.raises(CertificateError, match="not Ed25519"):
        peer_key(_certificate(ecdsa, [name]))


def test_preferred_initiator_is_one_of_the_pair_and_symmetric():
    rng = random.Random(7)
    for _ in range(200):
        a, b = rng.randbytes(32), rng.randbytes(32)
        p = preferred_initiator(a, b)
        assert p in (a, b)
        assert preferred_initiator(b, a) == p
    a = bytes(31) + b"\x01"
    b = bytes(31) + b"\x02"
    assert preferred_initiator(a, b) == a  # neither high bit set, a < b
    c = bytes(31) + b"\x81"
    assert preferred_initiator(a, c) == c  # one high bit flips the choice


def test_grid_neighbours_of_six_validators():
    keys = [bytes([i]) * 32 for i in range(6)]  # W = 2: rows {0,1} {2,3} {4,5}; columns {0,2,4} {1,3,5}
    sets = [keys, keys, keys]
    neighbours = {j for j in range(6) if j != 0 and grid_neighbours(sets, keys[0], keys[j])}
    assert neighbours == {1, 2, 4}
    assert not grid_neighbours(sets, keys[0], keys[3])
    shifted = keys[1:] + keys[:1]  # a different epoch's set: same index counts
    assert grid_neighbours([keys, shifted], keys[0], keys[1])


def test_validator_metadata_endpoint():
    assert metadata_endpoint(endpoint_metadata("127.0.0.1", 40003)) == ("127.0.0.1", 40003)
    assert metadata_endpoint(endpoint_metadata("::1", 9)) == ("::1", 9)
    assert metadata_endpoint(bytes(128)) is None


def test_peer_scores_disconnect_after_repeated_faults_and_ban_expires():
    now = [0.0]
    scores = PeerScores(ban_seconds=10, clock=lambda: now[0])
    assert not scores.fault("p", "malformed")
    assert not scores.fault("p", "malformed")
    assert scores.fault("p", "malformed")  # 10 points, 4 each: the third fault drops the peer
    assert scores.banned("p") and scores.faults("p") == 3
    now[0] = 11
    assert not scores.banned("p")
    assert scores.fault("q", "handshake")  # one certificate violation is enough


def test_message_codecs_round_trip():
    spec = TINY
    h = os.urandom(32)
    for message in (Handshake(BlockRef(h, 3), (BlockRef(os.urandom(32), 5), BlockRef(os.urandom(32), 6))),
                    BlockRequest(h, 1, 64), StateRequest(h, bytes(31), b"\xff" * 31, 4096),
                    TicketMessage(2, TicketEnvelope(1, os.urandom(784)))):
        assert decode(type(message), encode(message, spec), spec) == message
    assert len(encode(BlockRequest(h, 0, 1), spec)) == 37
    assert len(encode(TicketMessage(2, TicketEnvelope(1, bytes(784))), spec)) == 4 + 785
    header = Header(h, h, h, 9, None, None, 1, bytes(96), (), bytes(96))
    announcement = encode(Announcement(header, BlockRef(h, 8)), spec)
    assert announcement == encode(header, spec) + h + (8).to_bytes(4, "little")
    pairs = [KeyValue(os.urandom(31), os.urandom(n)) for n in (0, 5, 100)]
    assert decode_all(KeyValue, b"".join(encode(p, spec) for p in pairs), spec) == pairs
    with pytest.raises(CodecError):
        decode_all(KeyValue, encode(pairs[2], spec)[:-1], spec)
    with pytest.raises(CodecError):
        split_nodes(bytes(65))


def test_state_range_boundary_nodes_verify_against_the_root():
    rng = random.Random(3)
    kv = {rng.randbytes(31): rng.randbytes(rng.choice([0, 7, 32, 33, 90])) for _ in range(300)}
    state = ChainState(kv, TINY)
    trie = state.trie()
    keys = sorted(kv)
    start, end = keys[40], keys[120]
    nodes, pairs = state_range(state, trie, start, end, 2000)
    assert pairs and pairs[0].key == start and all(start <= p.key <= end for p in pairs)
    assert [p.key for p in pairs] == keys[40 : 40 + len(pairs)]
    size = 64 * len(nodes) + sum(len(encode(p, TINY)) for p in pairs)
    assert size <= 2000
    assert len(set(nodes)) == len(nodes)
    leaf_key, tail = walk_boundary(state.root(), nodes, start)
    assert leaf_key == start
    last = pairs[-1]
    leaf_key, tail = walk_boundary(state.root(), nodes, last.key)
    value = last.value
    assert leaf_key == last.key and tail == (value.ljust(32, b"\0") if len(value) <= 32 else hashlib.blake2b(value, digest_size=32).digest())
    # A start key absent from the trie: the path ends at an empty side or at another key's leaf.
    absent = bytes(31)
    nodes, pairs = state_range(state, trie, absent, keys[0], 10_000)
    assert [p.key for p in pairs] == [keys[0]]
    end_leaf = walk_boundary(state.root(), nodes, absent)
    assert end_leaf is None or end_leaf[0] != absent
    # A node missing from the list breaks the path.
    with pytest.raises(ValueError):
        walk_boundary(state.root(), nodes[:1], keys[0])
    # A single pair is returned even beyond max_size.
    nodes, pairs = state_range(state, trie, keys[5], keys[9], 1)
    assert len(pairs) == 1


def test_encode_node_hashes_to_trie_root():
    trie = StateTrie.from_items({b"\x01" * 31: b"v", b"\x81" * 31: b"w" * 40})
    root_node = boundary_nodes(trie, [b"\x01" * 31])[0]
    assert root_node == encode_node(trie._root)
    assert hashlib.blake2b(root_node, digest_size=32).digest() == trie.root
    assert StateTrie().root == ZERO_HASH


def test_proxy_index_reads_the_last_four_octets_big_endian():
    tid = bytes(28) + (1000).to_bytes(4, "big")
    assert proxy_index(tid, 6) == 1000 % 6
    assert proxy_index(b"\xff" * 32, 1023) == 0xFFFFFFFF % 1023


def test_slot_clock():
    now = [1000.0]
    clock = SlotClock(990.0, 2, now=lambda: now[0])
    assert clock.slot() == 5 and clock.start(6) == 1002.0
    now[0] = 989.0
    assert clock.slot() == -1
