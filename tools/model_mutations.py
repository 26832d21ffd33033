"""The fuzz cases of tools/fuzz.py: one to three mutations of a seed model, reproducible from
the case number and the campaign seed.

Most mutations are structure-aware (they corrupt the places `flatbuffer_layout` finds: vector
lengths of 0xFFFFFFF0, offsets outside the file, to themselves or back to their parent table, odd
or huge vtables, truncation at each boundary); the rest flip bits, splice seeds, change the file
identifier, replace the file by a Git LFS pointer or by a hostile model (tools/hostile_models.py).
"""

from __future__ import annotations

import hashlib
import random
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flatbuffer_layout import Layout, layout

ROOT = Path(__file__).resolve().parents[1]
MASK32 = 0xFFFFFFFF
LFS_POINTER = (b"version https://git-lfs.github.com/spec/v1\n"
               b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
               b"size 3295240\n")


@dataclass
class Seed:
    name: str
    data: bytes
    layout: Layout


Mutation = Callable[[bytearray, Seed, random.Random, list[Seed]], tuple[bytearray, str]]


def _put32(data: bytearray, pos: int, value: int) -> None:
    if 0 <= pos <= len(data) - 4:
        struct.pack_into("<I", data, pos, value & MASK32)


def _put16(data: bytearray, pos: int, value: int) -> None:
    if 0 <= pos <= len(data) - 2:
        struct.pack_into("<H", data, pos, value & 0xFFFF)


def flip_bits(data: bytearray, seed: Seed, rng: random.Random,
              others: list[Seed]) -> tuple[bytearray, str]:
    flips = rng.choice((1, 1, 2, 4, 16))
    for _ in range(flips):
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    return data, f"flip {flips} bits"


def flip_structure(data: bytearray, seed: Seed, rng: random.Random,
                   others: list[Seed]) -> tuple[bytearray, str]:
    lay = seed.layout
    places = ([pos for pos, _t, _p in lay.offsets] + lay.lengths
              + [vtable for _t, vtable in lay.tables] + [pos for pos, _s in lay.scalars])
    pos = rng.choice(places) + rng.randrange(4)
    if pos < len(data):
        data[pos] ^= 1 << rng.randrange(8)
    return data, f"flip a bit at structure byte {pos}"


def truncate(data: bytearray, seed: Seed, rng: random.Random,
             others: list[Seed]) -> tuple[bytearray, str]:
    cut = max(0, rng.choice(seed.layout.boundaries) + rng.choice((-1, 0, 0, 1, 2, 4)))
    return data[:cut], f"truncate at {cut}"


def vector_length(data: bytearray, seed: Seed, rng: random.Random,
                  others: list[Seed]) -> tuple[bytearray, str]:
    pos = rng.choice(seed.layout.lengths)
    value = rng.choice((0xFFFFFFF0, MASK32, 0x7FFFFFFF, 0x40000000, 0x3FFFFFFF,
                        (len(data) - pos) // 4 + 1, len(data) - pos, 0, (1 << 20) + 1))
    _put32(data, pos, value)
    return data, f"vector length at {pos} = {value:#x}"


def vector_bytes(data: bytearray, seed: Seed, rng: random.Random,
                 others: list[Seed]) -> tuple[bytearray, str]:
    """Corrupt a vector's contents: custom options (the compiled package's FlexBuffer), names."""
    pos = rng.choice(seed.layout.lengths)
    count = min(struct.unpack_from("<I", seed.data, pos)[0], len(data) - pos - 4)
    if count <= 0:
        return data, "no vector bytes to change"
    for _ in range(rng.choice((1, 2, 8))):
        at = pos + 4 + rng.randrange(count)
        data[at] = rng.choice((0, 0xFF, 0x80, rng.randrange(256), data[at] ^ 1 << rng.randrange(8)))
    return data, f"change bytes of the vector at {pos}"


def bad_offset(data: bytearray, seed: Seed, rng: random.Random,
               others: list[Seed]) -> tuple[bytearray, str]:
    lay = seed.layout
    pos, target, parent = rng.choice(lay.offsets)
    choices = {
        "outside": len(data) - pos + rng.randrange(1, 1 << 16),
        "self": 0,
        "parent": parent - pos,
        "root": lay.offsets[0][1] - pos,
        "other table": rng.choice(lay.tables)[0] - pos,
        "other target": rng.choice(lay.offsets)[1] - pos,
        "nearby": target - pos + rng.choice((-8, -4, -2, -1, 1, 2, 4, 8)),
        "huge": rng.choice((0x7FFFFFFF, 0x80000000, MASK32)),
    }
    how = rng.choice(sorted(choices))
    _put32(data, pos, choices[how])
    return data, f"offset at {pos} -> {how}"


def bad_vtable(data: bytearray, seed: Seed, rng: random.Random,
               others: list[Seed]) -> tuple[bytearray, str]:
    table, vtable = rng.choice(seed.layout.tables)
    how = rng.choice(("soffset", "vtable size", "table size", "field offset"))
    if how == "soffset":
        other = rng.choice(seed.layout.tables)[1]
        value = rng.choice((0, table - other, 0x7FFFFFFF, -0x80000000, -len(data), 4, -4))
        _put32(data, table, value)
    elif how == "vtable size":
        _put16(data, vtable, rng.choice((0, 1, 2, 3, 5, 0xFFFF, 0xFFFE, 0x8000)))
    elif how == "table size":
        _put16(data, vtable + 2, rng.choice((0, 1, 3, 0xFFFF, 0xFFFE)))
    else:
        size = struct.unpack_from("<H", data, vtable)[0] if vtable + 2 <= len(data) else 4
        slot = 4 + 2 * rng.randrange(max(1, (size - 4) // 2))
        _put16(data, vtable + slot, rng.choice((0xFFFF, 0xFFFE, 1, 2, 3, 4, 0x8000)))
    return data, f"{how} of the table at {table}"


def scalar_value(data: bytearray, seed: Seed, rng: random.Random,
                 others: list[Seed]) -> tuple[bytearray, str]:
    pos, size = rng.choice(seed.layout.scalars)
    value = rng.choice((b"\xff" * size, b"\x00" * size, b"\x7f" + b"\xff" * (size - 1),
                        b"\xff" * (size - 1) + b"\x7f", b"\x80" * size, rng.randbytes(size)))
    data[pos : pos + size] = value[: len(data[pos : pos + size])]
    return data, f"scalar at {pos} = {value.hex()}"


def identifier(data: bytearray, seed: Seed, rng: random.Random,
               others: list[Seed]) -> tuple[bytearray, str]:
    magic = rng.choice((b"TFL2", b"\x00\x00\x00\x00", b"DWN1", b"tfl3", rng.randbytes(4)))
    if rng.random() < 0.3:
        header = rng.choice((b"PK\x03\x04", b"\x89HDF\r\n\x1a\n", b"\x08\x03\x12", b"\x7fELF"))
        return bytearray(header) + data[len(header) :], f"file starts {header!r}"
    data[4:8] = magic
    return data, f"identifier {magic!r}"


def lfs_pointer(data: bytearray, seed: Seed, rng: random.Random,
                others: list[Seed]) -> tuple[bytearray, str]:
    tail = data[: rng.randrange(64)] if rng.random() < 0.3 else b""
    return bytearray(LFS_POINTER) + tail, "Git LFS pointer"


def splice(data: bytearray, seed: Seed, rng: random.Random,
           others: list[Seed]) -> tuple[bytearray, str]:
    donor = rng.choice(others).data
    length = rng.randrange(1, 256)
    start = rng.randrange(max(1, len(donor) - length))
    at = rng.randrange(max(1, len(data)))
    data[at : at + length] = donor[start : start + length]
    return data, f"splice {length} bytes at {at}"


def insert_delete(data: bytearray, seed: Seed, rng: random.Random,
                  others: list[Seed]) -> tuple[bytearray, str]:
    at = min(rng.choice(seed.layout.boundaries), len(data))
    length = rng.choice((1, 2, 4, 8, 64))
    if rng.random() < 0.5:
        data[at:at] = rng.randbytes(length)
        return data, f"insert {length} bytes at {at}"
    del data[at : at + length]
    return data, f"delete {length} bytes at {at}"


def grow(data: bytearray, seed: Seed, rng: random.Random,
         others: list[Seed]) -> tuple[bytearray, str]:
    """Past 1 MiB, so the reader maps the file instead of reading it."""
    extra = (1 << 20) + rng.randrange(4096)
    return data + bytes(extra), f"append {extra} zero bytes"


def hostile_model(data: bytearray, seed: Seed, rng: random.Random,
                  others: list[Seed]) -> tuple[bytearray, str]:
    """A valid flatbuffer built to hurt (tools/hostile_models.py), instead of the seed."""
    import hostile_models

    name, built = hostile_models.random_model(rng)
    return bytearray(built), f"hostile model {name}"


MUTATIONS: list[tuple[Mutation, int]] = [
    (flip_bits, 6), (flip_structure, 8), (truncate, 6), (vector_length, 6), (bad_offset, 10),
    (bad_vtable, 8), (scalar_value, 10), (vector_bytes, 6), (identifier, 1), (lfs_pointer, 1),
    (splice, 3), (insert_delete, 3), (grow, 1), (hostile_model, 2),
]


@dataclass
class Case:
    number: int
    seed: str
    steps: list[str]
    data: bytes


def make_case(number: int, campaign: int, seeds: list[Seed]) -> Case:
    """Case `number` of campaign `campaign`: the same numbers give the same bytes."""
    rng = random.Random(f"{campaign}:{number}")
    seed = rng.choice(seeds)
    data = bytearray(seed.data)
    steps = []
    functions = [m for m, _w in MUTATIONS]
    weights = [w for _m, w in MUTATIONS]
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        mutation = rng.choices(functions, weights)[0]
        if not data:
            break
        data, step = mutation(data, seed, rng, seeds)
        steps.append(step)
    return Case(number, seed.name, steps, bytes(data))


def load_seeds(paths: list[Path]) -> list[Seed]:
    """Distinct `.tflite` files under `paths`, with their layouts."""
    seeds: dict[bytes, Seed] = {}
    for base in paths:
        for path in sorted(base.rglob("*.tflite")) if base.is_dir() else [base]:
            data = path.read_bytes()
            key = hashlib.sha1(data).digest()
            if key not in seeds:
                seeds[key] = Seed(path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT)
                                  else str(path), data, layout(data))
    return list(seeds.values())
