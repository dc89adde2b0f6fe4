"""The development genesis: a JAM genesis state (GP eq. 4.4, serialized per D.2) and header that
seat the JIP-5 dev validators trivial_seed(0 .. V−1).

Every component gets the value a chain at τ = 0 needs: the validator sets κ = λ = ι = γ_P; γ_Z
their ring root (eq. 6.13); γ_S the fallback keys F(η_2, κ) (eq. 6.24/6.26) as if epoch 0 had
just begun; empty accumulator, disputes, availability, queues and statistics; the genesis block
itself in recent history β_H (its state root filled in by block 1, eq. 7.5); auth pools and
queues holding the dev authorizer; privileges with service 0 as manager, assigner, delegator
and registrar. Service 0 holds its code and the authorizer's code as provided preimages and
solicits the dev preimages (status [], eq. 12.37), which the dev chain's validators provide.
Validator metadata carries the dev endpoint ::ffff:127.0.0.1:(base_port + i) (JAMNP-S).
Seats beyond V hold the null key (as Φ leaves an offender, eq. 6.14).
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence

import attrs

from ..block import header_hash
from ..codec import U32, Seq, Variant, encode
from ..crypto import bandersnatch
from ..spec import ChainSpec
from ..state import ChainState
from ..state.components import COMPONENTS, SafroleState
from ..state.keys import component_key, preimage_key, request_key, service_info_key
from ..stf.safrole import fallback_keys
from ..types import (
    BlockInfo, CoreActivityRecord, DisputesRecords, EpochMark, EpochMarkValidatorKeys, Header, Mmr, Privileges,
    RecentBlocks, ServiceInfo, Statistics, ValidatorActivityRecord, ValidatorData,
)
from ..keys import ValidatorKeys, dev_keys, key_name
from .bootnodes import Bootnode
from .devservice import halting_code
from .document import ChainspecError, ChainspecFile

DEV_SERVICE = 0
DEV_BASE_PORT = 40000
DEV_HOST = "127.0.0.1"
_NULL_VALIDATOR = ValidatorData(bytes(32), bytes(32), bytes(144), bytes(128))
_UNLIMITED = 2**64 - 1
_TIMESLOTS = Seq(U32)


def dev_preimages() -> tuple[bytes, ...]:
    """The blobs the dev genesis service solicits (sizes 32 B to 4 KiB)."""
    return tuple((b"jamliquor dev preimage %d " % i) * (size // 26 + 1) for i, size in enumerate((32, 256, 1024, 4096)))


def endpoint_metadata(host: str, port: int) -> bytes:
    """JAMNP-S: the first 18 metadata octets are the IPv6 address and the port (E_2)."""
    ip = ipaddress.ip_address(host)
    if ip.version == 4:
        ip = ipaddress.IPv6Address(f"::ffff:{host}")
    return (ip.packed + port.to_bytes(2, "little")).ljust(128, b"\0")


def metadata_endpoint(metadata: bytes) -> tuple[str, int]:
    """The (host, port) a validator's metadata publishes (JAMNP-S); IPv4-mapped addresses as IPv4."""
    ip = ipaddress.IPv6Address(bytes(metadata[:16]))
    host = str(ip.ipv4_mapped) if ip.ipv4_mapped is not None else str(ip)
    return host, int.from_bytes(metadata[16:18], "little")


@attrs.frozen(slots=True)
class DevGenesis:
    header: Header
    state: ChainState


def _service_account(spec: ChainSpec, provided: Sequence[bytes], solicited: Sequence[bytes]) -> dict[bytes, bytes]:
    """Service 0's key/values: info, provided preimages (request [0]) and solicited ones (request [])."""
    kv: dict[bytes, bytes] = {}
    octets = 0
    for blob, status in [*((b, (0,)) for b in provided), *((b, ()) for b in solicited)]:
        h = hashlib.blake2b(blob, digest_size=32).digest()
        kv[request_key(DEV_SERVICE, h, len(blob))] = encode(status, spec, _TIMESLOTS)
        if status:
            kv[preimage_key(DEV_SERVICE, h)] = blob
        octets += 81 + len(blob)  # GP eq. (9.8) a_o
    code_hash = hashlib.blake2b(provided[0], digest_size=32).digest()
    items = 2 * (len(provided) + len(solicited))  # GP eq. (9.8) a_i: two per request, no storage
    info = ServiceInfo(0, code_hash, _UNLIMITED, 10, 10, octets, _UNLIMITED, items, 0, 0, 0)
    kv[service_info_key(DEV_SERVICE)] = encode(info, spec)
    return kv


def dev_genesis(spec: ChainSpec, keys: Sequence[ValidatorKeys], base_port: int = DEV_BASE_PORT) -> DevGenesis:
    """Genesis header and state with `keys` in the first validator seats."""
    if not 0 < len(keys) <= spec.validators_count:
        raise ChainspecError(f"{len(keys)} validators: the {spec.name} spec seats 1 to {spec.validators_count}")
    validators = tuple(k.validator_data(endpoint_metadata(DEV_HOST, base_port + i)) for i, k in enumerate(keys))
    validators += (_NULL_VALIDATOR,) * (spec.validators_count - len(keys))
    eta = (bytes(32),) * 4
    header = Header(
        parent=bytes(32), parent_state_root=bytes(32), extrinsic_hash=bytes(32), slot=0,
        epoch_mark=EpochMark(eta[1], eta[2], tuple(EpochMarkValidatorKeys(v.bandersnatch, v.ed25519) for v in validators)),
        tickets_mark=None, author_index=0xFFFF, entropy_source=bytes(96), offenders_mark=(), seal=bytes(96),
    )
    service_code, authorizer_code = halting_code(), halting_code()
    authorizer = hashlib.blake2b(hashlib.blake2b(authorizer_code, digest_size=32).digest(), digest_size=32).digest()
    C, E, V = spec.core_count, spec.epoch_length, spec.validators_count
    zero_validator = ValidatorActivityRecord(0, 0, 0, 0, 0, 0)
    components = {
        "auth_pools": tuple((authorizer,) * spec.auth_pool_size for _ in range(C)),
        "auth_queues": tuple((authorizer,) * spec.auth_queue_size for _ in range(C)),
        "recent_blocks": RecentBlocks((BlockInfo(header_hash(header, spec), bytes(32), bytes(32), ()),), Mmr(())),
        "safrole": SafroleState(validators, bandersnatch.ring_commitment([v.bandersnatch for v in validators]),
                                Variant("keys", fallback_keys(spec, eta[2], validators)), ()),
        "disputes": DisputesRecords((), (), (), ()),
        "entropy": eta,
        "queued_validators": validators,
        "current_validators": validators,
        "previous_validators": validators,
        "availability": (None,) * C,
        "timeslot": 0,
        "privileges": Privileges(DEV_SERVICE, (DEV_SERVICE,) * C, DEV_SERVICE, DEV_SERVICE, ()),
        "statistics": Statistics((zero_validator,) * V, (zero_validator,) * V,
                                 (CoreActivityRecord(0, 0, 0, 0, 0, 0, 0, 0),) * C, ()),
        "ready_queue": ((),) * E,
        "accumulated": ((),) * E,
        "accumulation_outputs": (),
    }
    kv = {component_key(COMPONENTS[name][0]): encode(value, spec, COMPONENTS[name][1]) for name, value in components.items()}
    kv.update(_service_account(spec, (service_code, authorizer_code), dev_preimages()))
    return DevGenesis(header, ChainState(kv, spec))


def dev_chainspec(spec: ChainSpec, validators: int, base_port: int = DEV_BASE_PORT, chain_id: str | None = None) -> ChainspecFile:
    """A JIP-4 chainspec of the dev genesis with `validators` dev validators, each listed as a
    bootnode at its loopback endpoint."""
    keys = dev_keys(validators)
    genesis = dev_genesis(spec, keys, base_port)
    bootnodes = tuple(Bootnode(key_name(k.ed25519), DEV_HOST, base_port + i) for i, k in enumerate(keys))
    return ChainspecFile(chain_id or f"jamliquor-dev-{spec.name}-{validators}", spec, genesis.header, genesis.state.kv, bootnodes)
