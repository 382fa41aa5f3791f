"""Serving the emulator with Daphne, in this process."""

from __future__ import annotations

import logging
from collections.abc import Callable


def serve(host: str, port: int, *, on_ready: Callable[[], None] | None = None) -> None:
    """Run Daphne on the emulator's ASGI app until interrupted (blocks)."""
    from daphne.server import Server  # installs Twisted's asyncio reactor: import only when serving

    from .app import application

    # Daphne narrates its start-up at INFO; the command prints the one line that matters.
    logging.getLogger("daphne").setLevel(logging.WARNING)

    class EmulatorServer(Server):
        def create_application(self, protocol, scope):
            # Give the app a way to drop the TCP connection mid-answer (the `cut` fault): plain ASGI has none.
            def cut() -> None:
                if protocol.channel is None or protocol.channel.transport is None:
                    return
                transport = protocol.channel.transport
                # Twisted closes only once the data written is flushed, and waits for a registered producer
                # first: a long stream (a turn's images) registers one, which would then hold the cut for ever.
                if getattr(transport, "producer", None) is not None:
                    transport.unregisterProducer()
                transport.loseConnection()

            scope = {**scope, "extensions": {**(scope.get("extensions") or {}), "emulator.cut": cut}}
            return super().create_application(protocol, scope)

    EmulatorServer(
        application,
        endpoints=[f"tcp:port={port}:interface={host}"],
        ready_callable=on_ready,
        verbosity=0,
        application_close_timeout=5,
    ).run()
