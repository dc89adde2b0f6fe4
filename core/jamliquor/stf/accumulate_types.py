"""State slice and input of the accumulation STF (GP §12), as in `stf/accumulate/accumulate.asn`.

Kept apart from the accumulation logic so the codec round-trip tests and the block importer
can use the shapes without the PVM.
"""

from __future__ import annotations

from ..codec import BLOB, H32, NULL, U32, Choice, Seq, field, struct
from ..types import ACCUMULATED_QUEUE, READY_QUEUE, SERVICES_STATISTICS, Privileges, ServiceInfo, WorkReport
from ..vectors.stf import test_case


@struct
class StorageMapEntry:
    key: bytes = field(BLOB)
    value: bytes = field(BLOB)


@struct
class PreimagesBlobMapEntry:
    hash: bytes = field(H32)
    blob: bytes = field(BLOB)


@struct
class PreimagesRequestsMapKey:
    hash: bytes = field(H32)
    length: int = field(U32)


@struct
class PreimagesRequestsMapEntry:
    """GP eq. (9.3) a_l entry: up to three timeslots of the request's history."""

    key: PreimagesRequestsMapKey = field(PreimagesRequestsMapKey)
    value: tuple[int, ...] = field(Seq(U32))


@struct
class ServiceAccount:
    """GP eq. (9.3) service account: info, storage a_s, preimages a_p, requests a_l."""

    service: ServiceInfo = field(ServiceInfo)
    storage: tuple[StorageMapEntry, ...] = field(Seq(StorageMapEntry))
    preimage_blobs: tuple[PreimagesBlobMapEntry, ...] = field(Seq(PreimagesBlobMapEntry))
    preimage_requests: tuple[PreimagesRequestsMapEntry, ...] = field(Seq(PreimagesRequestsMapEntry))


@struct
class AccountsMapEntry:
    id: int = field(U32)
    data: ServiceAccount = field(ServiceAccount)


@struct
class State:
    slot: int = field(U32)
    entropy: bytes = field(H32)
    ready_queue: tuple = field(READY_QUEUE)
    accumulated: tuple = field(ACCUMULATED_QUEUE)
    privileges: Privileges = field(Privileges)
    statistics: tuple = field(SERVICES_STATISTICS)
    accounts: tuple[AccountsMapEntry, ...] = field(Seq(AccountsMapEntry))


@struct
class Input:
    slot: int = field(U32)
    reports: tuple[WorkReport, ...] = field(Seq(WorkReport))


OUTPUT = Choice("AccumulateOutput", {0: ("ok", H32), 1: ("err", NULL)})
TestCase = test_case(State, Input, OUTPUT)
