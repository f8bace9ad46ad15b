"""RTP telephone-events (RFC 4733): the packets a timeline gives, checked field by field against
the RFC and against tshark; pcaps written and read back through loss, duplicates, reordering,
long events, several streams and wrapping counters; damaged files refused in one line."""

import io
import random
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dtmfkit
from dtmfkit import (
    AudioFileError,
    RtpPacket,
    read_events,
    schedule,
    telephone_events,
    write_pcap,
)
from dtmfkit._cli import main
from dtmfkit._rtp import EVENT_CODES, MAX_DURATION

pytest.importorskip("dpkt")


def events_of(packets: list[RtpPacket]) -> dict[int, list[RtpPacket]]:
    """Telephone-event packets grouped by RTP timestamp, in order."""
    found: dict[int, list[RtpPacket]] = {}
    for packet in packets:
        found.setdefault(packet.timestamp, []).append(packet)
    return found


# --- From a timeline to packets, as RFC 4733 says ---------------------------------------------


def test_every_event_as_rfc_4733_sends_it() -> None:
    text = "1WWW,59#"
    timeline = schedule(text)
    packets = telephone_events(text, seed=11, timestamp=1_000_000, sequence=65_530, ssrc=0xCAFE)
    sequences = [p.sequence for p in packets]
    assert sequences == [
        (65_530 + i) % 65_536 for i in range(len(packets))
    ]  # every packet, wrapping
    assert {p.ssrc for p in packets} == {0xCAFE}
    assert {p.payload_type for p in packets} == {101}
    groups = list(events_of(packets).values())
    assert len(groups) == len(timeline.tones) == 4
    for tone, group in zip(timeline.tones, groups, strict=True):
        length = tone.stop - tone.start
        assert {p.timestamp for p in group} == {1_000_000 + tone.start}
        assert [p.marker for p in group] == [True] + [False] * (len(group) - 1)
        assert {p.event for p in group} == {EVENT_CODES[tone.char]}
        assert {p.volume for p in group} == {10}
        running = [p for p in group if not p.end]
        ends = [p for p in group if p.end]
        assert [p.duration for p in running] == list(range(160, length, 160))
        assert [p.duration for p in ends] == [length] * 3
        assert group[-3:] == ends
        # Sent as time goes: each report when its duration has elapsed.
        for packet in group:
            assert packet.time == pytest.approx((tone.start + packet.duration) / 8000)


@pytest.mark.parametrize(
    ("key", "code"),
    [
        *((str(d), d) for d in range(10)),
        ("*", 10),
        ("#", 11),
        ("A", 12),
        ("B", 13),
        ("C", 14),
        ("D", 15),
    ],
)
def test_event_codes(key: str, code: int) -> None:
    assert {p.event for p in telephone_events(key, seed=1)} == {code}


def test_the_volume_follows_the_voice_and_the_interval_and_rate_are_settable() -> None:
    quiet = telephone_events("5", level_dbm0=-16.4, seed=1)
    assert {p.volume for p in quiet} == {16}
    assert {p.volume for p in telephone_events("5", volume=3, seed=1)} == {3}
    wide = telephone_events("5", clock_rate=16000, interval_ms=30, payload_type=96, seed=1)
    assert [p.duration for p in wide if not p.end] == [480, 960, 1440, 1920, 2400, 2880]
    assert {p.duration for p in wide if p.end} == {3200}
    assert {p.payload_type for p in wide} == {96}


def test_seeds_make_streams_repeatable_and_ids_random_without() -> None:
    assert telephone_events("12", seed=4) == telephone_events("12", seed=4)
    assert telephone_events("12", seed=4)[0].ssrc != telephone_events("12", seed=5)[0].ssrc
    assert len({telephone_events("1")[0].ssrc for _ in range(5)}) == 5


def test_pauses_and_gaps_are_silence_timed_by_the_profile() -> None:
    for profile in ("catapult", "asterisk"):
        timeline = schedule("1w2,3", profile=profile)
        packets = telephone_events("1w2,3", profile=profile, seed=2, timestamp=0)
        assert sorted(events_of(packets)) == [t.start for t in timeline.tones]


def test_a_long_event_is_sent_in_segments() -> None:
    packets = telephone_events("7", tone_ms=10_000, seed=3, timestamp=0)  # 80 000 units
    first, second = events_of(packets).values()
    assert first[0].timestamp == 0
    assert second[0].timestamp == MAX_DURATION
    assert [p.marker for p in first + second].count(True) == 1
    assert first[-1].duration == MAX_DURATION
    assert not any(p.end for p in first)
    assert [p.duration for p in second if p.end] == [80_000 - MAX_DURATION] * 3
    (event,) = read_events(p.to_bytes() for p in packets)
    assert (event.key, event.duration, event.ended) == ("7", 10.0, True)


def test_a_timeline_at_another_rate_is_refused_and_bad_values_named() -> None:
    with pytest.raises(dtmfkit.ParameterError, match="schedule it at rate=8000"):
        telephone_events(schedule("1", rate=16000))
    assert telephone_events(schedule("1"), seed=1) == telephone_events("1", seed=1)
    for bad, message in (
        ({"payload_type": 128}, "payload_type must be from 0 to 127"),
        ({"volume": 64}, "volume must be from 0 to 63"),
        ({"interval_ms": 0}, "interval_ms must be from 1 to 1000"),
        ({"ssrc": 2**32}, "ssrc must be from 0"),
    ):
        with pytest.raises(dtmfkit.ParameterError, match=message):
            telephone_events("1", **bad)  # type: ignore[arg-type]
    with pytest.raises(dtmfkit.DtmfSyntaxError):
        telephone_events("1x")


# --- Back: loss, duplicates, reordering, streams, wrapping --------------------------------------


def test_lost_duplicated_and_reordered_packets_change_nothing() -> None:
    packets = telephone_events("123", seed=9)
    rng = random.Random(1)
    damaged = [p for p in packets if p.end or rng.random() > 0.5]  # half the others lost
    damaged += rng.sample(damaged, 10)  # duplicates
    rng.shuffle(damaged)
    events = read_events(p.to_bytes() for p in damaged)
    assert [(e.key, e.start, e.duration, e.ended) for e in events] == [
        ("1", 0.0, 0.2, True),
        ("2", 0.6, 0.2, True),
        ("3", 1.2, 0.2, True),
    ]
    assert [e.packets for e in read_events(p.to_bytes() for p in packets)] == [12, 12, 12]


def test_an_event_whose_ends_are_lost_lasts_as_long_as_reported() -> None:
    packets = [p for p in telephone_events("4", seed=2) if not p.end]
    (event,) = read_events(p.to_bytes() for p in packets)
    assert (event.duration, event.ended) == (pytest.approx(0.18), False)


def test_several_streams_and_wrapping_timestamps() -> None:
    one = telephone_events("12", seed=1, ssrc=1, timestamp=2**32 - 2000, sequence=65_535)
    two = telephone_events("9#", seed=2, ssrc=2, payload_type=96)
    mixed = sorted(one + two, key=lambda p: p.time)
    events = read_events(p.to_bytes() for p in mixed)
    assert [(e.ssrc, e.key, e.start) for e in events] == [
        (1, "1", 0.0),
        (1, "2", 0.6),
        (2, "9", 0.0),
        (2, "#", 0.6),
    ]
    assert read_events((p.to_bytes() for p in mixed), payload_type=96)[0].ssrc == 2


def test_audio_and_other_rtp_are_not_events() -> None:
    audio = RtpPacket(0, 0, 1, 0, 5, True, bytes(160))
    odd = RtpPacket(0, 100, 1, 0, 6, True, bytes([40, 10, 0, 160]))  # event 40: not DTMF
    assert read_events([audio.to_bytes(), odd.to_bytes(), b"\x00" * 3, b"garbage!" * 4]) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(alphabet="0123456789ABCD*#,wW", min_size=1, max_size=20).filter(
        lambda t: any(c not in ",wW" for c in t)
    ),
    profile=st.sampled_from(["catapult", "asterisk"]),
    interval=st.sampled_from([10, 20, 30, 50]),
    seed=st.integers(0, 2**32),
)
def test_round_trip_text_to_pcap_to_text(
    tmp_path_factory: pytest.TempPathFactory, text: str, profile: str, interval: int, seed: int
) -> None:
    if profile == "asterisk":
        text = text.replace(",", "w")  # asterisk skips ','
    path = tmp_path_factory.mktemp("rt") / "call.pcap"
    timeline = schedule(text, profile=profile)
    write_pcap(path, text, profile=profile, interval_ms=interval, seed=seed, audio=seed % 2 == 0)
    events = read_events(path)
    keys = [t.char for t in timeline.tones]
    assert [e.key for e in events] == keys
    origin = timeline.tones[0].start
    assert [round(e.start * 8000) for e in events] == [t.start - origin for t in timeline.tones]
    assert [round(e.duration * 8000) for e in events] == [t.stop - t.start for t in timeline.tones]
    assert main(["verify", str(path), text, "--profile", profile, "-q"]) == 0


# --- The pcap, as tshark reads it --------------------------------------------------------------

TSHARK_FIELDS = [
    "frame.time_relative",
    "rtp.seq",
    "rtp.timestamp",
    "rtp.marker",
    "rtp.ssrc",
    "rtp.p_type",
    "rtpevent.event_id",
    "rtpevent.end_of_event",
    "rtpevent.volume",
    "rtpevent.duration",
]


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark (Debian) not installed")
def test_tshark_reads_every_field_as_the_timeline_says(tmp_path: Path) -> None:
    path = tmp_path / "pin.pcap"
    packets = write_pcap(path, "1WWW,59#", audio=True, seed=21, dst="192.0.2.2:5006")
    command = ["tshark", "-r", str(path), "-d", "udp.port==5006,rtp", "-T", "fields"]
    command += [x for field in TSHARK_FIELDS for x in ("-e", field)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True)
    rows = [line.split("\t") for line in done.stdout.splitlines()]
    assert len(rows) == len(packets) == 48 + 255
    first = packets[0].time
    for row, packet in zip(rows, packets, strict=True):
        assert float(row[0]) == pytest.approx(packet.time - first, abs=1e-6)
        header = [int(row[1]), int(row[2]), row[3] in ("1", "True"), int(row[4], 16), int(row[5])]
        expected = [packet.sequence, packet.timestamp, packet.marker, packet.ssrc]
        assert header == [*expected, packet.payload_type]
        if packet.payload_type == 101:
            report = [int(row[6]), row[7] in ("1", "True"), int(row[8]), int(row[9])]
            assert report == [packet.event, packet.end, packet.volume, packet.duration]
        else:
            assert row[6:] == ["", "", "", ""]
    streams = subprocess.run(
        ["tshark", "-r", str(path), "-d", "udp.port==5006,rtp", "-q", "-z", "rtp,streams"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "rtpevent" in streams
    assert "g711U" in streams


def test_the_audio_stream_is_the_rendering_in_mu_law(tmp_path: Path) -> None:
    packets = write_pcap(tmp_path / "a.pcap", "1W59", audio=True, seed=8)
    audio = [p for p in packets if p.payload_type == 0]
    assert len({p.ssrc for p in audio}) == 1
    assert audio[0].ssrc not in {p.ssrc for p in packets if p.payload_type == 101}
    assert [p.timestamp - audio[0].timestamp for p in audio] == [160 * i for i in range(len(audio))]
    ulaw = b"".join(p.payload for p in audio)
    samples, _ = sf.read(
        io.BytesIO(ulaw), samplerate=8000, channels=1, format="RAW", subtype="ULAW"
    )
    rendered = dtmfkit.render("1W59", dtype="float64")
    assert np.max(np.abs(samples[: rendered.size] - rendered)) < 0.02  # μ-law's step
    assert dtmfkit.decode(samples, 8000) == "159"


# --- Damaged files --------------------------------------------------------------------------


@pytest.mark.parametrize("cut", [10, 23, 30, 70, 500, -1])  # 24 bytes: a valid empty capture
def test_a_truncated_pcap_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cut: int
) -> None:
    whole = tmp_path / "whole.pcap"
    write_pcap(whole, "123", seed=1)
    data = whole.read_bytes()
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[:cut])
    with pytest.raises(AudioFileError, match="cannot read"):
        read_events(path)
    assert main(["decode", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("dtmfkit: error: cannot read")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.sampled_from([b"", b"\xd4\xc3\xb2\xa1", b"\x0a\x0d\x0d\x0a"]))
def test_any_bytes_named_pcap_never_give_a_traceback(data: bytes, magic: bytes) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "x.pcap"
        path.write_bytes(magic + data)
        try:
            read_events(path)
            message = ""
        except AudioFileError as exc:
            message = str(exc)
        assert "\n" not in message


# --- The command line -------------------------------------------------------------------------


def test_render_decode_and_verify_a_pcap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "call.pcap"
    assert main(["render", "1WWW,59#", "-o", str(path), "--rtp-seed", "3", "--rtp-audio"]) == 0
    assert "48 telephone-event packets and 255 G.711 audio packets" in capsys.readouterr().out
    assert main(["decode", str(path)]) == 0
    assert capsys.readouterr().out == "159#\n"
    assert main(["decode", str(path), "--pauses"]) == 0
    assert capsys.readouterr().out == "1WWWw59#\n"
    assert main(["verify", str(path), "1WWW,59#"]) == 0
    assert "as meant: 4 keys" in capsys.readouterr().out
    assert main(["verify", str(path), "1WWW,59#", "--profile", "asterisk"]) == 1
    capsys.readouterr()
    other = tmp_path / "other.pcap"
    assert main(["render", "7", "-o", str(other), "--rtp-ssrc", "0x42", "--rtp-volume", "20"]) == 0
    capsys.readouterr()
    assert main(["decode", str(other), "--json"]) == 0
    (event,) = __import__("json").loads(capsys.readouterr().out)
    assert (event["key"], event["ssrc"], event["volume"], event["stop"]) == ("7", 0x42, 20, 0.2)
    assert main(["verify", str(other), "7", "--ssrc", "0x43"]) == 2
    assert "no telephone-events with SSRC 0x00000043" in capsys.readouterr().err
