"""The protocol, byte for byte, without a socket: messages, frames, errors, garbage."""

from __future__ import annotations

import contextlib
import typing
from pathlib import Path

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cloudide_tui import errors
from cloudide_tui.backend.base import ContainerState, FileContent, FileEntry, ProjectInfo
from cloudide_tui.backend.events import ContainerChanged, FileChanged, ShellEnded
from cloudide_tui.protocol import codec, frames, spec
from cloudide_tui.protocol.codec import MessageError, decode_client, decode_server, encode
from cloudide_tui.protocol.errors import ERROR_CODES, code_of, error_from
from cloudide_tui.protocol.events import EVENT_KINDS, event_from_wire, event_to_wire
from cloudide_tui.protocol.messages import (
    RESULT_TYPES,
    AttachShell,
    ClientMessage,
    Error,
    Hello,
    ListDir,
    ListProjects,
    ReadFile,
    Resize,
    Result,
    ServerMessage,
    WriteFile,
)

DOCS = Path(__file__).parents[2] / "docs" / "protocol.md"


def test_a_request_is_one_json_object_tagged_by_its_kind() -> None:
    assert encode(ListDir(id=7, project="demo", path="src")) == (
        '{"t":"list_dir","id":7,"project":"demo","path":"src"}'
    )
    assert decode_client('{"t":"list_dir","id":7,"project":"demo"}') == ListDir(
        id=7, project="demo", path=""
    )


def test_every_message_survives_the_round_trip() -> None:
    samples = [
        Hello(version=1, client="test"),
        WriteFile(id=1, project="p", path="a.txt", data=b"\x00\xffbytes", expected_version="v1"),
        AttachShell(id=2, session_id="abc", rows=24, cols=80, read_only=True, offset=12345),
        Resize(id=3, channel=4, rows=50, cols=200),
    ]
    for message in samples:
        assert decode_client(encode(message)) == message
    answers = [
        Result(id=5, value=None),
        Error(id=None, code="bad_message", message="no", hint="yes"),
    ]
    for answer in answers:
        assert decode_server(encode(answer)) == answer


def test_unknown_fields_are_ignored_so_additions_keep_version_1() -> None:
    message = decode_client('{"t":"ping","id":1,"added_in_a_later_release":true}')
    assert message == codec.decode_client('{"t":"ping","id":1}')


def test_results_come_back_as_the_backend_types() -> None:
    entry = FileEntry("a.txt", "a.txt", "file", 3, 1.5, "v")
    content = FileContent(entry, b"\x00hi", False, True)
    wire = decode_server(encode(Result(id=1, value=content)))
    assert isinstance(wire, Result)
    assert codec.result_value(ReadFile, wire.value) == content
    projects = [ProjectInfo("demo", "ann", ContainerState.RUNNING)]
    wire = decode_server(encode(Result(id=2, value=projects)))
    assert isinstance(wire, Result)
    assert codec.result_value(ListProjects, wire.value) == projects
    with pytest.raises(MessageError):
        codec.result_value(ReadFile, {"entry": 1})


def test_binary_frames_are_exact_bytes() -> None:
    assert frames.encode_input(1, b"ls\r") == b"\x01\x00\x00\x00\x01ls\r"
    output = frames.encode_output(2, 1 << 40, b"out")
    assert output == b"\x02\x00\x00\x00\x02" + (1 << 40).to_bytes(8, "big") + b"out"
    assert decode_server(output) == frames.OutputFrame(2, 1 << 40, b"out")
    snap = frames.encode_snapshot(3, 9, 24, 80, b"\x1bc")
    assert decode_server(snap) == frames.SnapshotFrame(3, 9, 24, 80, b"\x1bc")
    assert decode_client(frames.encode_input(7, b"")) == frames.InputFrame(7, b"")


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("not json", "bad_message"),
        ("[1, 2]", "bad_message"),
        ('{"t":"no_such_thing","id":3}', "unknown_message"),
        ('{"t":"list_dir","id":"seven","project":"p"}', "bad_message"),
        ('{"t":"list_dir","id":-1,"project":"p"}', "bad_message"),
        ('{"t":"resize","id":1,"channel":1,"rows":0,"cols":80}', "bad_message"),
        ('{"t":"resize","id":1,"channel":1,"rows":24,"cols":100000}', "bad_message"),
        ('{"t":"attach_shell","id":1}', "bad_message"),
        ('{"t":"welcome","version":1}', "unknown_message"),  # a server message from a client
        (b"\x02\x00\x00\x00\x01" + bytes(8), "unknown_message"),  # output from a client
        (b"\x01\x00\x00", "bad_message"),
        (b"\x01\x00\x00\x00\x00x", "bad_message"),  # channel 0
        (b"\x09\x00\x00\x00\x01", "unknown_message"),
    ],
)
def test_bad_frames_get_a_stable_code(frame: str | bytes, code: str) -> None:
    with pytest.raises(MessageError) as caught:
        decode_client(frame)
    assert caught.value.code == code


def test_a_bad_request_keeps_its_id_so_the_error_answers_it() -> None:
    with pytest.raises(MessageError) as caught:
        decode_client('{"t":"list_dir","id":41,"project":5}')
    assert caught.value.request_id == 41


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200)))
def test_garbage_only_ever_gives_a_protocol_error(frame: bytes | str) -> None:
    for decode in (decode_client, decode_server):
        with contextlib.suppress(MessageError):
            decode(frame)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
kinds = st.sampled_from([*sorted(codec.CLIENT_TAGS | codec.SERVER_TAGS), "x"])


@settings(max_examples=400, deadline=None)
@given(
    kinds,
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "channel",
                "rows",
                "cols",
                "project",
                "path",
                "data",
                "session_id",
                "offset",
                "value",
                "version",
            ]
        ),
        json_values,
        max_size=6,
    ),
)
def test_well_formed_json_with_wrong_fields_only_gives_a_protocol_error(
    kind: str, fields: dict[str, object]
) -> None:
    frame = msgspec.json.encode({"t": kind, **fields}).decode()
    for decode in (decode_client, decode_server):
        with contextlib.suppress(MessageError):
            decode(frame)


def test_every_error_class_has_a_stable_code_both_ways() -> None:
    def subclasses(cls: type) -> set[type]:
        found: set[type] = set(cls.__subclasses__())
        for sub in list(found):
            found |= subclasses(sub)
        return found

    import cloudide_tui.validation  # noqa: F401  (InvalidOwner lives there)

    every = subclasses(errors.CloudIDEError) | {errors.CloudIDEError}
    missing = {
        cls.__name__
        for cls in every
        if cls not in ERROR_CODES and cls.__module__.startswith("cloudide_tui")
    } - {"MessageError"}
    assert not missing, f"no protocol code for {missing}"
    assert len(set(ERROR_CODES.values())) == len(ERROR_CODES)
    for cls, code in ERROR_CODES.items():
        made = error_from(code, "words", "hint")
        assert type(made) is cls and made.message == "words" and made.hint == "hint"
        assert code_of(made) == code or cls is errors.ProtocolError
    assert code_of(errors.ProtocolError("x", code="unknown_channel")) == "unknown_channel"


def test_events_travel_as_kind_and_fields() -> None:
    for event in (
        FileChanged("demo", "src/a.py", "changed"),
        ContainerChanged("demo", ContainerState.STOPPED),
        ShellEnded("demo", "abc", None, "container stopped"),
    ):
        kind, data = event_to_wire(event)
        assert event_from_wire(kind, msgspec.json.decode(msgspec.json.encode(data))) == event
    assert set(EVENT_KINDS)
    with pytest.raises(errors.ProtocolError):
        event_from_wire("file_changed", {"project": 1})
    with pytest.raises(errors.ProtocolError):
        event_from_wire("nope", {})


def test_every_request_has_a_result_type() -> None:
    requests = [cls for cls in typing.get_args(ClientMessage) if cls is not Hello]
    assert set(requests) == set(RESULT_TYPES)
    assert typing.get_args(ServerMessage)


def test_docs_protocol_md_lists_exactly_what_the_code_defines() -> None:
    text = DOCS.read_text()
    start, end = text.index(spec.BEGIN), text.index(spec.END) + len(spec.END)
    assert text[start:end] == spec.tables(), (
        "docs/protocol.md is out of date: paste `python -m cloudide_tui.protocol.spec`"
    )
