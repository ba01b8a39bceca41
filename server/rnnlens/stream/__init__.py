"""The live stream from the analysis service to the side panel (websocket + msgpack protocol)."""

from rnnlens.stream.server import StreamLimits, StreamServer, start_stream

__all__ = ["StreamLimits", "StreamServer", "start_stream"]
