"""Reader and card failures, each with a stable `reason` that screens turn
into words a citizen understands and logs keep precisely."""

from __future__ import annotations


class ReaderError(Exception):
    """reason is one of:
    no_service      the smart-card service (pcscd) is not running
    no_reader       no reader is connected
    card_removed    the card was taken away during the read
    unreadable      the card answered, but not with data we can decode
    unsupported     no profile knows this card
    wrong_status    the card refused a command (status word in `detail`)
    invalid_id      the data decodes but cannot be a real document
    timeout         the reader stopped answering
    checksum        a garbled frame from a serial reader
    device          any other reader-side failure (detail says which)
    """

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
