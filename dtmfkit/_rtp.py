"""Out-of-band DTMF: RTP telephone-events (RFC 4733) from a Timeline, to a pcap, and back.

**Sending** follows RFC 4733 §2.5.1 as Asterisk (``res_rtp_asterisk.c``) and SIPp do it. Each
key of the timeline, scheduled at the RTP clock rate, is one event whose RTP timestamp is the
key's start; its packets go out every `interval_ms` with the duration so far (the first one
interval long, with the marker bit), and the end packet (E bit) with the key's whole duration
goes out three times, each with its own sequence number (RTP numbers every packet). Pauses and
gaps send nothing: they are the silence between events, timed by the profile. An event longer
than 65 535 clock units is sent in segments (§2.5.1.3): a segment's last packet reports 65 535
without the E bit, and the next segment starts at the timestamp 65 535 units later, without the
marker bit, its duration counted from there. Event codes (§3.2): ``0``–``9`` → 0–9, ``*`` →
10, ``#`` → 11, ``A``–``D`` → 12–15; the volume is the tone level in −dBm0 (0–63).

**Writing a pcap** (the ``pcap`` extra: dpkt frames Ethernet, IPv4 and UDP): the packets at the
times they would be sent, from `src` to `dst`; optionally the call's audio beside them, G.711
μ-law (payload type 0, 20 ms packets) on its own SSRC, so that Wireshark plays it.

**Reading back** (:func:`read_events`): from a pcap or pcapng file (Ethernet, Linux cooked,
raw IP or loopback framing; IPv4 or IPv6), or from RTP packets as bytes. A packet belongs to an
event by its SSRC and timestamp, so retransmitted end packets count once and duplicated or
reordered packets change nothing; the event lasts as long as the longest duration reported
(when its end packets were lost too); segments of a long event are joined. Timestamps and
sequence numbers may wrap. Without `payload_type`, every dynamic payload type (96–127) whose
packets all look like DTMF events (4-byte reports of events 0–15) is taken as telephone-event.
A payload with several reports (§2.5.1.5) is read by its first, as Asterisk reads it.

Examples
--------
>>> import dtmfkit
>>> packets = dtmfkit.telephone_events("1W2", seed=1)
>>> [(p.marker, p.event, p.end, p.duration) for p in packets[:4]]
[(True, 1, False, 160), (False, 1, False, 320), (False, 1, False, 480), (False, 1, False, 640)]
>>> [(p.end, p.duration) for p in packets[9:13]]
[(True, 1600), (True, 1600), (True, 1600), (False, 160)]
>>> events = dtmfkit.read_events(p.to_bytes() for p in packets)
>>> [(e.key, e.start, e.duration) for e in events]
[('1', 0.0, 0.2), ('2', 1.2, 0.2)]
"""

from __future__ import annotations

import os
import random
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from dtmfkit._errors import AudioFileError, MissingDependencyError, ParameterError
from dtmfkit._keypad import FREQUENCIES
from dtmfkit._timeline import Timeline, timeline_and_settings

if TYPE_CHECKING:
    from typing import Unpack

    from dtmfkit._detect import Detection
    from dtmfkit._grammar import Sequence
    from dtmfkit._profiles import Profile
    from dtmfkit._settings import RenderOptions
    from dtmfkit._timing import Timing
    from dtmfkit._voice import Voice

__all__ = [
    "EVENT_CODES",
    "RtpPacket",
    "TelephoneEvent",
    "is_capture",
    "read_events",
    "stream_detections",
    "telephone_events",
    "write_pcap",
]

#: RFC 4733 §3.2: the event code of every key.
EVENT_CODES: Final = {key: code for code, key in enumerate("0123456789*#ABCD")}
_KEYS_BY_CODE: Final = "0123456789*#ABCD"
#: The longest duration a report can hold (§2.5.1.3).
MAX_DURATION: Final = 0xFFFF
#: How many times the end of an event is sent (§2.5.1.4).
END_COPIES: Final = 3
#: G.711 μ-law: payload type 0 at 8000 Hz (RFC 3551).
PCMU: Final = 0
_HEADER: Final = struct.Struct("!BBHII")
_REPORT: Final = struct.Struct("!BBH")
_RTP_OPTIONS: Final = frozenset(
    ("payload_type", "clock_rate", "interval_ms", "volume", "ssrc", "sequence", "timestamp", "seed")
)


@dataclass(frozen=True, slots=True)
class RtpPacket:
    """One RTP packet as sent: when (seconds from the timeline's start), its header, its payload.

    For a telephone-event packet, `event`, `end`, `volume` and `duration` read its report.

    Examples
    --------
    >>> packet = RtpPacket(0.02, 101, 7, 1000, 0xABC, True, bytes([5, 10, 0, 160]))
    >>> packet.event, packet.end, packet.volume, packet.duration
    (5, False, 10, 160)
    >>> packet.to_bytes().hex()
    '80e50007000003e800000abc050a00a0'
    """

    time: float
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    marker: bool
    payload: bytes

    def to_bytes(self) -> bytes:
        """The packet on the wire: the 12-byte RTP header (version 2), then the payload."""
        header = _HEADER.pack(
            0x80,
            (0x80 if self.marker else 0) | self.payload_type,
            self.sequence,
            self.timestamp,
            self.ssrc,
        )
        return header + self.payload

    @property
    def event(self) -> int:
        return self.payload[0]

    @property
    def end(self) -> bool:
        return bool(self.payload[1] & 0x80)

    @property
    def volume(self) -> int:
        return self.payload[1] & 0x3F

    @property
    def duration(self) -> int:
        return int.from_bytes(self.payload[2:4], "big")


@dataclass(frozen=True, slots=True)
class TelephoneEvent:
    """A key rebuilt from telephone-event packets.

    Attributes
    ----------
    key : str
    start : float
        Seconds from the first event of its stream (its RTP timestamp, at `clock_rate`).
    duration : float
        Seconds, as the longest report says.
    volume : int
        The report's volume: the tone level in −dBm0.
    ssrc : int
    timestamp : int
        The RTP timestamp of its first segment.
    ended : bool
        Whether an end packet (E bit) arrived.
    packets : int
        Distinct packets heard for it (retransmitted ends included).

    Examples
    --------
    >>> import dtmfkit
    >>> packets = dtmfkit.telephone_events("5#", seed=7)
    >>> five, hash_ = dtmfkit.read_events(p.to_bytes() for p in packets[::-1])  # any order
    >>> five.key, five.stop, hash_.start, hash_.ended, hash_.packets
    ('5', 0.2, 0.6, True, 12)
    >>> five.detection().low_hz, five.detection().low_dbm0
    (770, -10.0)
    """

    key: str
    start: float
    duration: float
    volume: int
    ssrc: int
    timestamp: int
    ended: bool
    packets: int

    @property
    def stop(self) -> float:
        return self.start + self.duration

    def detection(self) -> Detection:
        """This event as the decoder reports a key heard in audio (nominal frequencies, both
        tones at the report's level), for :func:`dtmfkit.spell` and :func:`dtmfkit.verify`."""
        from dtmfkit._detect import Detection

        low, high = FREQUENCIES[self.key]
        level = -float(self.volume)
        return Detection(self.key, self.start, self.stop, low, high, level, level)


def telephone_events(
    source: str | Sequence | Timeline,
    *,
    payload_type: int = 101,
    clock_rate: int = 8000,
    interval_ms: float = 20,
    volume: int | None = None,
    ssrc: int | None = None,
    sequence: int | None = None,
    timestamp: int | None = None,
    seed: int | None = None,
    profile: str | Profile | None = None,
    timing: Timing | None = None,
    voice: Voice | None = None,
    **options: Unpack[RenderOptions],
) -> list[RtpPacket]:
    """The RTP telephone-event packets (RFC 4733) that carry a DTMF string, in sending order.

    Parameters
    ----------
    source : str, Sequence or Timeline
        A Timeline is sent as scheduled; it must be at `clock_rate` (schedule it there).
    payload_type : int, default 101
        The dynamic payload type negotiated for telephone-event (96–127).
    clock_rate : int, default 8000
        The RTP clock of telephone-event; the timeline is scheduled at this rate.
    interval_ms : float, default 20
        Time between the packets of an event.
    volume : int, optional
        0–63, the tone level in −dBm0; by default from the voice's level (−10 dBm0: 10).
    ssrc, sequence, timestamp : int, optional
        The stream's SSRC, first sequence number and first timestamp (of the timeline's
        start); random when not given, from `seed` when it is.
    seed : int, optional
        Makes the random values repeatable.
    profile, timing, voice, **options
        As :func:`dtmfkit.schedule` and :func:`dtmfkit.render`.

    Returns
    -------
    list of RtpPacket

    Examples
    --------
    >>> packets = telephone_events("1", seed=2, interval_ms=50)
    >>> for p in packets:
    ...     print(p.time, p.sequence - packets[0].sequence, p.marker, p.duration, p.end)
    0.05 0 True 400 False
    0.1 1 False 800 False
    0.15 2 False 1200 False
    0.2 3 False 1600 True
    0.2 4 False 1600 True
    0.2 5 False 1600 True
    """
    _check_int(payload_type, "payload_type", 0, 127)
    _check_int(clock_rate, "clock_rate", 1000, 192_000)
    if isinstance(interval_ms, bool) or not isinstance(interval_ms, int | float):
        raise TypeError(f"interval_ms must be a number, not {type(interval_ms).__name__}")
    if not 1 <= interval_ms <= 1000:
        raise ParameterError(f"interval_ms must be from 1 to 1000, got {interval_ms!r}")
    timeline, settings = _timeline(source, clock_rate, profile, timing, voice, dict(options))
    if volume is None:
        volume = _volume(settings.voice)
    _check_int(volume, "volume", 0, 63)
    rng = random.Random(seed) if seed is not None else random.SystemRandom()
    ssrc = rng.getrandbits(32) if ssrc is None else _check_int(ssrc, "ssrc", 0, 2**32 - 1)
    first_sequence = (
        rng.getrandbits(16) if sequence is None else _check_int(sequence, "sequence", 0, 0xFFFF)
    )
    base = (
        rng.getrandbits(32)
        if timestamp is None
        else _check_int(timestamp, "timestamp", 0, 2**32 - 1)
    )
    step = max(1, round(interval_ms * clock_rate / 1000))
    packets: list[RtpPacket] = []
    number = first_sequence

    def send(at: int, stamp: int, marker: bool, code: int, end: bool, duration: int) -> None:
        nonlocal number
        report = _REPORT.pack(code, (0x80 if end else 0) | volume, duration)
        packets.append(
            RtpPacket(
                at / clock_rate,
                payload_type,
                number & 0xFFFF,
                (base + stamp) & 0xFFFFFFFF,
                ssrc,
                marker,
                report,
            )
        )
        number += 1

    for tone in timeline.tones:
        code = EVENT_CODES[str(tone.event)]
        start, length = tone.start, tone.stop - tone.start
        segment = start
        marker = True
        while True:
            # One segment: reports every `step` units, at most MAX_DURATION long.
            remaining = start + length - segment
            span = min(remaining, MAX_DURATION)
            elapsed = step
            while elapsed < span:
                send(segment + elapsed, segment, marker, code, False, elapsed)
                marker = False
                elapsed += step
            if remaining <= MAX_DURATION:
                for _ in range(END_COPIES):
                    send(segment + span, segment, marker, code, True, span)
                    marker = False
                break
            send(segment + span, segment, marker, code, False, span)
            marker = False
            segment += MAX_DURATION
    return packets


def write_pcap(
    path: str | os.PathLike[str],
    source: str | Sequence | Timeline,
    *,
    audio: bool = False,
    src: str = "192.0.2.1:40000",
    dst: str = "192.0.2.2:40002",
    start_time: float = 0.0,
    **options: Any,
) -> list[RtpPacket]:
    """Write the telephone-events of a DTMF string to a pcap file (IPv4/UDP), atomically.

    Parameters
    ----------
    path : str or os.PathLike
    source : str, Sequence or Timeline
    audio : bool, default False
        Also the call's audio, G.711 μ-law in 20 ms packets (payload type 0) on its own SSRC,
        rendered from the same timeline (at 8000 Hz: `clock_rate` must be 8000).
    src, dst : str
        ``"address:port"`` of the sender and the receiver.
    start_time : float, default 0
        Capture time of the timeline's start, in seconds since the epoch.
    **options
        As :func:`telephone_events`.

    Returns
    -------
    list of RtpPacket
        Every packet written, in order (telephone-events and audio).

    Raises
    ------
    MissingDependencyError
        Without dpkt (``pip install 'dtmfkit[pcap]'``).

    Examples
    --------
    >>> import dtmfkit, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "pin.pcap"
    >>> packets = dtmfkit.write_pcap(path, "12", src="10.0.0.1:5004", dst="10.0.0.2:5006")
    >>> len(packets), path.read_bytes()[:4].hex()
    (24, '4d3cb2a1')
    """
    dpkt = _dpkt()
    import socket

    source_address, source_port = _endpoint(src, "src")
    destination_address, destination_port = _endpoint(dst, "dst")
    rtp = {key: options.pop(key) for key in list(options) if key in _RTP_OPTIONS}
    clock_rate = rtp.setdefault("clock_rate", 8000)
    if audio and clock_rate != 8000:
        raise ParameterError(f"audio=True needs clock_rate=8000 (G.711), not {clock_rate}")
    # One timeline and one voice for the events and the audio.
    timeline, settings = _timeline(
        source,
        clock_rate,
        options.pop("profile", None),
        options.pop("timing", None),
        options.pop("voice", None),
        options,
    )
    if rtp.get("volume") is None:
        rtp["volume"] = _volume(settings.voice)
    packets = telephone_events(timeline, **rtp)
    if audio:
        seed = rtp.get("seed")
        rng = random.Random(seed + 1) if seed is not None else random.SystemRandom()
        packets = sorted(packets + _audio_packets(timeline, settings.voice, rng), key=_when)
    frames = []
    for packet in packets:
        udp = dpkt.udp.UDP(sport=source_port, dport=destination_port, data=packet.to_bytes())
        udp.ulen = len(udp)
        ip = dpkt.ip.IP(
            src=socket.inet_aton(source_address),
            dst=socket.inet_aton(destination_address),
            p=dpkt.ip.IP_PROTO_UDP,
            ttl=64,
            data=udp,
        )
        ethernet = dpkt.ethernet.Ethernet(
            src=b"\x02\x00\x00\x00\x00\x01",
            dst=b"\x02\x00\x00\x00\x00\x02",
            type=dpkt.ethernet.ETH_TYPE_IP,
            data=ip,
        )
        frames.append((start_time + packet.time, bytes(ethernet)))
    import io

    from dtmfkit._atomic import write_bytes

    buffer = io.BytesIO()
    writer = dpkt.pcap.Writer(buffer, snaplen=65535, linktype=dpkt.pcap.DLT_EN10MB, nano=True)
    for when, frame in frames:
        writer.writepkt(frame, ts=when)
    write_bytes(path, buffer.getvalue())
    return packets


def read_events(
    source: str | os.PathLike[str] | Iterable[bytes],
    *,
    payload_type: int | None = None,
    clock_rate: int = 8000,
) -> list[TelephoneEvent]:
    """The keys that telephone-event packets carry, from a pcap file or from RTP packets.

    Parameters
    ----------
    source : path or iterable of bytes
        A pcap or pcapng file, or RTP packets (header and payload) in any order.
    payload_type : int, optional
        The telephone-event payload type; by default found (see the module's description).
    clock_rate : int, default 8000
        The RTP clock of telephone-event.

    Returns
    -------
    list of TelephoneEvent
        Ordered by stream (SSRC, first heard first), then by start.

    Raises
    ------
    AudioFileError
        A file that cannot be read, or is not a capture (one line, naming it and where).

    Examples
    --------
    >>> import dtmfkit, pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "call.pcap"
    >>> _ = dtmfkit.write_pcap(path, "1WWW,59#", audio=True, seed=3)
    >>> events = dtmfkit.read_events(path)
    >>> "".join(e.key for e in events), [e.start for e in events]
    ('159#', [0.0, 3.7, 4.3, 4.9])
    """
    if payload_type is not None:
        _check_int(payload_type, "payload_type", 0, 127)
    _check_int(clock_rate, "clock_rate", 1000, 192_000)
    if isinstance(source, str | os.PathLike):
        datagrams: Iterable[bytes] = list(_udp_payloads(source))
    else:
        datagrams = source
    reports: dict[tuple[int, int], list[tuple[int, int, int, int, int, bool]]] = {}
    order: list[tuple[int, int]] = []
    for data in datagrams:
        parsed = _rtp(data)
        if parsed is None:
            continue
        pt, sequence, stamp, ssrc, payload = parsed
        if payload_type is not None and pt != payload_type:
            continue
        if len(payload) < 4 or len(payload) % 4:
            reports.setdefault((ssrc, pt), []).append((-1, 0, 0, 0, 0, False))
            continue
        code, flags, duration = _REPORT.unpack_from(payload)
        stream = (ssrc, pt)
        if stream not in reports:
            reports[stream] = []
            order.append(stream)
        reports[stream].append((code, sequence, stamp, duration, flags & 0x3F, bool(flags & 0x80)))
    events: list[TelephoneEvent] = []
    for stream in order:
        found = reports[stream]
        looks_like_dtmf = all(0 <= r[0] <= 15 for r in found)
        if payload_type is None and (not 96 <= stream[1] <= 127 or not looks_like_dtmf):
            continue
        events += _rebuild(stream[0], [r for r in found if 0 <= r[0] <= 15], clock_rate)
    return events


_CAPTURE_MAGIC: Final = (
    b"\xd4\xc3\xb2\xa1",
    b"\xa1\xb2\xc3\xd4",
    b"\x4d\x3c\xb2\xa1",
    b"\xa1\xb2\x3c\x4d",
    b"\x0a\x0d\x0d\x0a",
)


def is_capture(path: str | os.PathLike[str]) -> bool:
    """Whether `path` names a packet capture (by its suffix, or its first bytes) rather than
    audio."""
    if os.fspath(path) == "-":
        return False
    if os.path.splitext(os.fspath(path))[1].lower() in (".pcap", ".pcapng", ".cap"):
        return True
    try:
        with open(path, "rb") as file:
            return file.read(4) in _CAPTURE_MAGIC
    except OSError:
        return False


def stream_detections(path: str | os.PathLike[str], ssrc: int | None = None) -> list[Detection]:
    """The keys of one telephone-event stream in a capture, as detections: the only stream,
    or the one `ssrc` names.

    Raises
    ------
    ParameterError
        No telephone-events, several streams and no `ssrc`, or no stream with that SSRC.
    """
    events = read_events(path)
    streams = sorted({e.ssrc for e in events})
    if ssrc is not None:
        if ssrc not in streams:
            raise ParameterError(
                f"{os.fspath(path)!r} has no telephone-events with SSRC {ssrc:#010x}"
                + (f" (it has {', '.join(f'{s:#010x}' for s in streams)})" if streams else "")
            )
        streams = [ssrc]
    if len(streams) > 1:
        raise ParameterError(
            f"{os.fspath(path)!r} has telephone-events from {len(streams)} streams "
            f"({', '.join(f'{s:#010x}' for s in streams)}): choose one by its SSRC"
        )
    return [e.detection() for e in events if not streams or e.ssrc == streams[0]]


def _rebuild(
    ssrc: int, found: list[tuple[int, int, int, int, int, bool]], clock_rate: int
) -> list[TelephoneEvent]:
    """The events of one stream from its reports (code, sequence, timestamp, duration,
    volume, end): by timestamp, once each, long events' segments joined."""
    if not found:
        return []
    first = found[0][2]
    # Timestamps unwrapped around the first one (a stream may cross 2^32).
    segments: dict[tuple[int, int], dict[str, Any]] = {}
    seen: set[tuple[int, int, int, bool]] = set()
    for code, sequence, stamp, duration, volume, end in found:
        if (sequence, stamp, duration, end) in seen:
            continue  # the same packet twice
        seen.add((sequence, stamp, duration, end))
        offset = (stamp - first + 2**31) % 2**32 - 2**31
        segment = segments.setdefault(
            (offset, code),
            {"duration": 0, "volume": volume, "ended": False, "packets": 0, "stamp": stamp},
        )
        segment["duration"] = max(segment["duration"], duration)
        segment["ended"] = segment["ended"] or end
        segment["packets"] += 1
    # Segments in time order; a segment that continues the last one's event (§2.5.1.3: it
    # started 0xFFFF later, after a full report without the E bit) is joined to it.
    runs: list[dict[str, Any]] = []
    for (offset, code), segment in sorted(segments.items()):
        last = runs[-1] if runs else None
        if (
            last is not None
            and last["code"] == code
            and not last["ended"]
            and last["last"] + MAX_DURATION == offset
            and last["last_duration"] == MAX_DURATION
        ):
            last["total"] += segment["duration"]
            last["ended"] = segment["ended"]
            last["packets"] += segment["packets"]
            last["last"], last["last_duration"] = offset, segment["duration"]
            continue
        runs.append(
            {
                "code": code,
                "offset": offset,
                "total": segment["duration"],
                "volume": segment["volume"],
                "ended": segment["ended"],
                "packets": segment["packets"],
                "stamp": segment["stamp"],
                "last": offset,
                "last_duration": segment["duration"],
            }
        )
    origin = runs[0]["offset"] if runs else 0  # times count from the stream's first event
    return [
        TelephoneEvent(
            _KEYS_BY_CODE[run["code"]],
            (run["offset"] - origin) / clock_rate,
            round(run["total"] / clock_rate, 9),
            run["volume"],
            ssrc,
            run["stamp"],
            run["ended"],
            run["packets"],
        )
        for run in runs
    ]


def _rtp(data: bytes) -> tuple[int, int, int, int, bytes] | None:
    """(payload type, sequence, timestamp, SSRC, payload) of an RTP packet; None if it is not
    one (version 2, its header and padding inside the datagram)."""
    if len(data) < 12 or data[0] >> 6 != 2:
        return None
    first, second, sequence, stamp, ssrc = _HEADER.unpack_from(data)
    at = 12 + 4 * (first & 0x0F)
    if first & 0x10:  # header extension
        if len(data) < at + 4:
            return None
        at += 4 + 4 * int.from_bytes(data[at + 2 : at + 4], "big")
    end = len(data)
    if first & 0x20 and end > at:  # padding
        end -= data[-1]
    if at > end:
        return None
    return second & 0x7F, sequence, stamp, ssrc, bytes(data[at:end])


def _udp_payloads(path: str | os.PathLike[str]) -> Iterator[bytes]:
    """Every UDP payload in a pcap or pcapng file, in capture order."""
    dpkt = _dpkt()
    name = repr(os.fspath(path))
    try:
        file = open(path, "rb")  # noqa: SIM115 (closed below, after the reader)
    except OSError as exc:
        raise AudioFileError(f"cannot read {name}: {exc.strerror or exc}") from exc
    with file:
        magic = file.read(4)
        file.seek(0)
        try:
            if magic == b"\x0a\x0d\x0d\x0a":
                reader: Any = dpkt.pcapng.Reader(file)
            else:
                reader = dpkt.pcap.Reader(file)
        except (ValueError, dpkt.dpkt.Error, struct.error) as exc:
            raise AudioFileError(
                f"cannot read {name}: not a pcap or pcapng capture ({exc or 'bad header'})"
            ) from exc
        link = reader.datalink()
        # dpkt hands over what it could read of a packet: its record says how much was kept
        # (bytes 8-12, in the byte order of the magic), so a file cut short shows.
        recorded = (
            None
            if magic == b"\x0a\x0d\x0d\x0a"
            else struct.Struct(
                "<I" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">I"
            )
        )
        count = 0
        packets = iter(reader)
        while True:
            position = file.tell()
            try:
                _, frame = next(packets)
            except StopIteration:
                return
            except (ValueError, dpkt.dpkt.Error, struct.error) as exc:
                raise AudioFileError(
                    f"cannot read {name} past packet {count}: truncated or malformed "
                    f"({exc or 'short'})"
                ) from exc
            count += 1
            if recorded is not None:
                (kept,) = recorded.unpack(os.pread(file.fileno(), 16, position)[8:12])
                if len(frame) < kept:
                    raise AudioFileError(
                        f"cannot read {name}: packet {count} is cut short (the file is truncated)"
                    )
            payload = _udp(dpkt, link, frame)
            if payload is not None:
                yield payload


def _udp(dpkt: Any, link: int, frame: bytes) -> bytes | None:
    """The UDP payload of one captured frame, or None (not UDP, or cut short)."""
    try:
        if link == dpkt.pcap.DLT_EN10MB:
            packet = dpkt.ethernet.Ethernet(frame).data
        elif link == dpkt.pcap.DLT_LINUX_SLL:
            packet = dpkt.sll.SLL(frame).data
        elif link in (dpkt.pcap.DLT_NULL, dpkt.pcap.DLT_LOOP):
            packet = dpkt.loopback.Loopback(frame).data
        elif link in (dpkt.pcap.DLT_RAW, 12, 14, 228, 229):  # raw IP, as various systems number it
            packet = dpkt.ip6.IP6(frame) if frame[:1] and frame[0] >> 4 == 6 else dpkt.ip.IP(frame)
        else:
            return None
    except (dpkt.dpkt.Error, struct.error, ValueError):
        return None
    if isinstance(packet, dpkt.ip.IP | dpkt.ip6.IP6) and isinstance(packet.data, dpkt.udp.UDP):
        return bytes(packet.data.data)
    return None


def _timeline(
    source: object,
    clock_rate: int,
    profile: object,
    timing: object,
    voice: object,
    options: dict[str, Any],
) -> tuple[Timeline, Any]:
    if isinstance(source, Timeline) and source.rate != clock_rate:
        raise ParameterError(
            f"the timeline is scheduled at {source.rate} Hz; telephone-events count at the RTP "
            f"clock rate ({clock_rate} Hz): schedule it at rate={clock_rate}"
        )
    rate = None if isinstance(source, Timeline) else clock_rate
    return timeline_and_settings("telephone_events", source, rate, profile, timing, voice, options)


def _audio_packets(timeline: Timeline, voice: Voice, rng: random.Random) -> list[RtpPacket]:
    """The call's audio as G.711 μ-law RTP, 20 ms a packet, on an SSRC of its own."""
    import io

    import numpy as np
    import soundfile as sf

    from dtmfkit._synth import render

    samples = render(timeline, voice=voice, dtype="float64")
    size = 160
    padded = np.zeros(-(-max(samples.size, 1) // size) * size)
    padded[: samples.size] = samples
    buffer = io.BytesIO()
    sf.write(buffer, padded, 8000, format="RAW", subtype="ULAW")
    ulaw = buffer.getvalue()
    ssrc, sequence, base = rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(32)
    return [
        RtpPacket(
            i * size / 8000,
            PCMU,
            (sequence + i) & 0xFFFF,
            (base + i * size) & 0xFFFFFFFF,
            ssrc,
            i == 0,
            ulaw[i * size : (i + 1) * size],
        )
        for i in range(len(ulaw) // size)
    ]


def _when(packet: RtpPacket) -> float:
    return packet.time


def _volume(voice: Voice) -> int:
    """The report's volume for a voice: its level in −dBm0, within 0–63."""
    return min(63, max(0, round(-voice.level_dbm0)))


def _endpoint(text: object, name: str) -> tuple[str, int]:
    import ipaddress

    if not isinstance(text, str) or text.count(":") != 1:
        raise ParameterError(f"{name} must be 'IPv4-address:port', got {text!r}")
    host, _, port = text.partition(":")
    try:
        address = str(ipaddress.IPv4Address(host))
    except ValueError:
        raise ParameterError(f"{name} must be 'IPv4-address:port', got {text!r}") from None
    if not (port.isascii() and port.isdigit() and 0 < int(port) < 65536):
        raise ParameterError(f"{name} port must be 1 to 65535, got {port!r}")
    return address, int(port)


def _check_int(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}: {value!r}")
    if not low <= value <= high:
        raise ParameterError(f"{name} must be from {low} to {high}, got {value}")
    return value


def _dpkt() -> Any:
    try:
        import dpkt
    except ImportError:
        raise MissingDependencyError("pcap files need dpkt: pip install 'dtmfkit[pcap]'") from None
    return dpkt
